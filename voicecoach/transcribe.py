"""Local, verbatim-leaning speech-to-text: audio in, timed :class:`Transcript` out.

Usage::

    from voicecoach.transcribe import get_transcriber
    tr = get_transcriber()                      # loads the model once per process (cached)
    t = tr.transcribe("answer.wav", context="Explain the bias-variance tradeoff.")
    t.text, t.words, t.duration, t.speech, t.unrecognized, t.info

    for word in tr.transcribe_iter("three_hours.m4a"):   # long files, chunk by chunk
        ...

How it decodes (defaults chosen by ``bench/asr_choices.py``; see :class:`DecodeOptions`):

* Whisper deletes most "um"/"uh". A short ``initial_prompt`` made of fillers (after the
  question as ``context``, for domain words) makes it keep them. Filler spellings are
  normalised ("Umm" -> "Um", "Uhh" -> "Uh", "Hmmm" -> "Hmm", "mhm" -> "mm-hmm"), never dropped.
* Silero VAD (bundled with faster-whisper) finds the speech stretches first. No speech at all
  means no decoding: silence and noise give an empty transcript, not invented text.
* Guards (:mod:`voicecoach.asr_guards`), recorded in ``info["fallbacks"]``: words covering
  clearly less speech than the VAD hears (a prompt + word-timestamp combination once silently
  returned 21 of 81 words), repeated n-gram loops, a high compression ratio, or the prompt
  echoed back trigger a re-decode with safer settings (no prompt); the better result is kept,
  with the fillers of the prompted pass where the safe pass has no word. Words where the VAD
  hears no speech are dropped without a re-decode; so is an unlikely "Thank you." at the end.
* Coverage counts each word for at most ~0.8 s (more for long words): a word stretched over
  seconds of speech (Whisper skipping the rest of its 30 s window) leaves an uncovered span,
  and every uncovered span of speech is re-decoded on its own and spliced in.
* ``Transcript.unrecognized`` lists VAD speech stretches with no word over them (a deleted
  "um" typically leaves one).
* Long audio is read in blocks (:func:`voicecoach.audio.iter_audio`) and cut into pieces of
  at most ``piece_s`` seconds at a pause, so memory stays bounded for hours of audio.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from voicecoach import asr_guards as g
from voicecoach.asr_guards import (
    _r,
    find_problems,
    uncovered_runs,
    unrecognized_stretches,
)
from voicecoach.audio import SAMPLE_RATE, iter_audio
from voicecoach.models import resolve_model
from voicecoach.transcript import Transcript, Word

# Chosen on samples/ by bench/asr_choices.py: um/uh recall 98 % vs 86 % with the longer
# "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking.", WER 4.9 % vs 5.0 %.
DISFLUENT_PROMPT = "Um, uh, so, um, I think, uh, like, you know."
_MAX_CONTEXT_CHARS = 400


@dataclass(frozen=True)
class DecodeOptions:
    """Decoding settings. ``prompt``: "none", "disfluent" or "disfluent+context"."""

    prompt: str = "disfluent+context"
    word_timestamps: bool = True
    beam_size: int = 5
    vad_filter: bool = False
    condition_on_previous_text: bool = True
    guards: bool = True
    hotwords: str = ""
    redecode_long_words: bool = False  # True: a stretched word re-decodes the whole piece
    filler_fixes: bool = False  # sentence-initial "I'm,"/"A," -> "Um,"/"Uh,": no gain measured
    batch_size: int = 0  # > 1: faster-whisper's batched pipeline for audio over 30 s


SAFE_OPTIONS = DecodeOptions(prompt="none", condition_on_previous_text=False)


@dataclass
class Piece:
    """The result for one stretch of audio starting at ``offset`` seconds."""

    offset: float
    duration: float
    words: list[Word] = field(default_factory=list)
    speech: list[tuple[float, float]] = field(default_factory=list)
    unrecognized: list[tuple[float, float]] = field(default_factory=list)
    info: dict = field(default_factory=dict)


# ---------------------------------------------------------------- filler spelling
_FILLER_FORMS = [
    (re.compile(r"^(?:u+h*m+|u+m+h*|e+h*m+)$", re.I), "um"),
    (re.compile(r"^u+h+$", re.I), "uh"),
    (re.compile(r"^h+m+$|^h+u*m+$", re.I), "hmm"),
    (re.compile(r"^(?:m+-?h+m+|m+h+m+|m+-h+m+|m+m+-?h+m+)$", re.I), "mm-hmm"),
    (re.compile(r"^e+r+m+$", re.I), "erm"),
    (re.compile(r"^a+h+$", re.I), "ah"),
    (re.compile(r"^e+h+$", re.I), "eh"),
]
_EDGE = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)


def normalize_filler(text: str) -> str:
    """Spell a filler word one way ("Umm," -> "Um,"), keeping case and punctuation."""
    lead, core, trail = _EDGE.match(text).groups()
    for pattern, canon in _FILLER_FORMS:
        if core and pattern.match(core):
            if core[0].isupper():
                canon = canon[0].upper() + canon[1:]
            return f"{lead}{canon}{trail}"
    return text


# ---------------------------------------------------------------- speech stretches
def vad_stretches(audio: np.ndarray, sr: int = SAMPLE_RATE) -> list[tuple[float, float]]:
    """Fine-grained speech stretches (seconds) from Silero VAD; short pauses split them."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if len(audio) < sr // 10:
        return []
    opts = VadOptions(threshold=0.5, min_silence_duration_ms=150, speech_pad_ms=30,
                      min_speech_duration_ms=100)
    return [(c["start"] / sr, c["end"] / sr) for c in get_speech_timestamps(audio, opts, sr)]


# ---------------------------------------------------------------- the transcriber
class Transcriber:
    """One loaded Whisper model (CPU, int8), reused for every answer. Thread-safe."""

    load_count = 0  # models loaded in this process (all instances)

    def __init__(self, model: str | None = None, allow_download: bool | None = None,
                 cpu_threads: int | None = None, options: DecodeOptions | None = None,
                 piece_s: float = 180.0):
        from faster_whisper import WhisperModel

        self.resolved = resolve_model(model, allow_download=allow_download)
        self.cpu_threads = cpu_threads or max(1, min(4, os.cpu_count() or 2))
        self.options = options or DecodeOptions()
        self.piece_s = piece_s
        t0 = time.perf_counter()
        self.model = WhisperModel(self.resolved.path, device="cpu", compute_type="int8",
                                  cpu_threads=self.cpu_threads)
        self.load_s = time.perf_counter() - t0
        self._lock = threading.Lock()
        self._pipeline = None
        Transcriber.load_count += 1

    # -- one decode of one piece
    def _batched(self):
        if self._pipeline is None:
            from faster_whisper import BatchedInferencePipeline

            self._pipeline = BatchedInferencePipeline(self.model)
        return self._pipeline

    def _decode(self, audio: np.ndarray, opts: DecodeOptions, context: str | None):
        prompt = None
        if opts.prompt != "none":
            prompt = DISFLUENT_PROMPT
            if opts.prompt == "disfluent+context" and context and context.strip():
                prompt = f"{context.strip()[-_MAX_CONTEXT_CHARS:]} {DISFLUENT_PROMPT}"
        import ctranslate2

        with self._lock:
            ctranslate2.set_random_seed(0)  # temperature fallback samples: keep it repeatable
            if opts.batch_size > 1 and len(audio) > 30 * SAMPLE_RATE:
                # faster-whisper's batched pipeline: VAD-cut chunks decoded as one batch
                segments, _info = self._batched().transcribe(
                    audio, language="en", beam_size=opts.beam_size,
                    word_timestamps=opts.word_timestamps, batch_size=opts.batch_size,
                    initial_prompt=prompt, hotwords=opts.hotwords or None,
                )
            else:
                segments, _info = self.model.transcribe(
                    audio, language="en", beam_size=opts.beam_size,
                    word_timestamps=opts.word_timestamps, vad_filter=opts.vad_filter,
                    condition_on_previous_text=opts.condition_on_previous_text,
                    initial_prompt=prompt, hotwords=opts.hotwords or None,
                )
            segs = list(segments)
        words: list[Word] = []
        for seg in segs:
            if opts.word_timestamps and seg.words:
                first = True
                for w in seg.words:
                    text = w.word.strip()
                    if not text:
                        continue
                    if words and not first and not w.word[:1].isspace():
                        prev = words[-1]  # "-fold" after "k": one word "k-fold"
                        words[-1] = Word(prev.text + text, prev.start, _r(w.end),
                                         min(prev.probability or 1.0, _r(w.probability)))
                    else:
                        words.append(Word(normalize_filler(text), _r(w.start), _r(w.end),
                                          _r(w.probability)))
                    first = False
            else:  # no word times: spread the segment's words evenly (bench only)
                toks = seg.text.split()
                step = (seg.end - seg.start) / max(1, len(toks))
                words += [Word(normalize_filler(t), _r(seg.start + i * step),
                               _r(seg.start + (i + 1) * step)) for i, t in enumerate(toks)]
        return words, prompt

    def _checked(self, audio: np.ndarray, opts: DecodeOptions, context: str | None,
                 speech: list[tuple[float, float]], info: dict):
        """Decode, drop invented stock endings, and list the remaining problems."""
        words, prompt = self._decode(audio, opts, context)
        if not opts.guards:
            return words, []
        words = _drop_endings(words, speech, info)
        if opts.filler_fixes:
            words, fixed = g.fix_misheard_fillers(words)
            if fixed:
                info["fallbacks"].append({"reason": ["misheard-filler"],
                                          "action": f"respelled {fixed} I'm,/A, as Um,/Uh,"})
        return words, g.find_problems(words, speech, prompt, len(audio) / SAMPLE_RATE)

    def transcribe_piece(self, audio: np.ndarray, offset: float = 0.0,
                         context: str | None = None,
                         options: DecodeOptions | None = None) -> Piece:
        """Decode one in-memory piece (16 kHz float32 mono), with guards and fallbacks."""
        opts = options or self.options
        duration = len(audio) / SAMPLE_RATE
        t0 = time.perf_counter()
        speech = vad_stretches(audio)
        t_vad = time.perf_counter() - t0
        info: dict = {"options": asdict(opts), "fallbacks": [], "vad_s": round(t_vad, 3)}
        if not speech:
            info["skipped"] = "no speech detected"
            return Piece(offset, duration, info=info)
        t1 = time.perf_counter()
        words, problems = self._checked(audio, opts, context, speech, info)
        redecode = [p for p in problems if not p.startswith("words-outside-speech")
                    and not (p.startswith("long-word") and not opts.redecode_long_words)]
        if redecode:  # a whole-piece problem: try safer settings, keep the better result
            safe = replace(opts, prompt="none", condition_on_previous_text=False)
            alt, alt_problems = self._checked(audio, safe, None, speech, info)
            alt = g.keep_fillers(alt, g.drop_outside(words, speech))
            better = (len(alt_problems), -g.coverage(alt, speech)) < (
                len(problems), -g.coverage(words, speech))
            info["fallbacks"].append({"reason": problems, "action": "re-decoded without prompt",
                                      "kept": "safe" if better else "first",
                                      "safe_problems": alt_problems})
            if better:
                words, problems = alt, alt_problems
        if any(p.startswith("words-outside-speech") for p in problems):
            kept = g.drop_outside(words, speech)
            info["fallbacks"].append({"reason": ["words-outside-speech"],
                                      "action": f"dropped {len(words) - len(kept)} words"})
            words = _drop_endings(kept, speech, info)
        if opts.guards:
            runs = g.uncovered_runs(words, speech)
            if runs:
                words, added = self._repair(audio, words, runs, opts, speech)
                info["fallbacks"].append({
                    "reason": [f"uncovered-speech:{a:.2f}-{b:.2f}" for a, b in runs],
                    "action": f"re-decoded {len(runs)} gap(s) alone, added {added} words"})
        info["decode_s"] = round(time.perf_counter() - t1, 3)
        info["coverage"] = round(g.coverage(words, speech), 3)
        unrec = g.unrecognized_stretches(words, speech)
        shift = [Word(w.text, _r(w.start + offset), _r(w.end + offset), w.probability)
                 for w in words]
        return Piece(offset, duration, shift,
                     [(_r(a + offset, 2), _r(b + offset, 2)) for a, b in g.merge(speech, 0.3)],
                     [(_r(a + offset, 2), _r(b + offset, 2)) for a, b in unrec], info)

    def _repair(self, audio: np.ndarray, words: list[Word], runs: list[tuple[float, float]],
                opts: DecodeOptions | None = None,
                speech: list[tuple[float, float]] | None = None) -> tuple[list[Word], int]:
        """Decode each uncovered span on its own and splice in the words found there."""
        lone = replace(opts or self.options, prompt="disfluent")
        out = list(words)
        added = 0
        for a, b in runs:
            lo = max(0.0, a - 0.5)
            seg = audio[int(lo * SAMPLE_RATE):int((b + 0.5) * SAMPLE_RATE)]
            here = [(max(s, a), min(e, b)) for s, e in speech or [(a, b)] if s < b and e > a]
            best: tuple = ()
            for o in (lone, replace(lone, prompt="none", condition_on_previous_text=False)):
                found, prompt = self._decode(seg, o, None)
                new = [Word(w.text, _r(w.start + lo), _r(w.end + lo), w.probability)
                       for w in found if a - 0.15 <= lo + (w.start + w.end) / 2 <= b + 0.25]
                new = g.drop_stock_endings(g.drop_outside(new, here), here)[0]
                problems = g.find_problems(new, here, prompt, b - a)
                rank = (len(problems), -g.coverage(new, here))
                if not best or rank < best[0]:  # both tried: repairs are rare, quality first
                    best = (rank, new)
            new = best[1]

            def inside(w: Word, a: float = a, b: float = b) -> bool:
                if w.start is None:
                    return False
                end = min(w.end, w.start + g.word_cap(w))  # a stretched word: its real part
                return a - 0.15 <= (w.start + end) / 2 <= b + 0.25 or (
                    w.end - w.start > g.word_cap(w) and w.start < b and w.end > a)

            old = [w for w in out if inside(w)]
            if len(new) > len(old):  # the lone decode heard more: it replaces that span
                out = [w for w in out if not inside(w)] + new
                added += len(new) - len(old)
        out.sort(key=lambda w: w.start if w.start is not None else 0.0)
        return out, added

    # -- pieces of a whole source
    def iter_pieces(self, source: str | os.PathLike | np.ndarray, context: str | None = None,
                    options: DecodeOptions | None = None,
                    piece_s: float | None = None) -> Iterator[Piece]:
        """Yield :class:`Piece` results in order; audio longer than ``piece_s`` (default
        ``self.piece_s``) is cut at pauses and read block by block, never whole."""
        blocks = _array_blocks(source) if isinstance(source, np.ndarray) else iter_audio(source)
        limit = int((piece_s or self.piece_s) * SAMPLE_RATE)
        buf = np.zeros(0, dtype=np.float32)
        offset = 0.0
        for block in blocks:
            buf = np.concatenate([buf, block]) if len(buf) else block
            while len(buf) > limit:
                cut = _cut_point(buf[:limit])
                yield self.transcribe_piece(buf[:cut], offset, context, options)
                offset += cut / SAMPLE_RATE
                buf = buf[cut:]
        if len(buf) or offset == 0.0:
            yield self.transcribe_piece(buf, offset, context, options)

    def transcribe_iter(self, source: str | os.PathLike | np.ndarray,
                        context: str | None = None,
                        piece_s: float | None = None) -> Iterator[Word]:
        """Lazily yield timed :class:`Word` objects, piece by piece (for long recordings)."""
        for piece in self.iter_pieces(source, context, piece_s=piece_s):
            yield from piece.words

    def transcribe(self, source: str | os.PathLike | np.ndarray, context: str | None = None,
                   options: DecodeOptions | None = None) -> Transcript:
        """Transcribe a file path (any format :mod:`voicecoach.audio` reads) or a 16 kHz mono
        float32 array. ``context`` (the question text) helps domain words and is used as part
        of the prompt. Raises :class:`voicecoach.audio.AudioError` for unusable files."""
        t0 = time.perf_counter()
        words: list[Word] = []
        speech: list[tuple[float, float]] = []
        unrec: list[tuple[float, float]] = []
        pieces_info = []
        duration = 0.0
        for p in self.iter_pieces(source, context, options):
            words += p.words
            speech += p.speech
            unrec += p.unrecognized
            duration = p.offset + p.duration
            pieces_info.append(p.info)
        wall = time.perf_counter() - t0
        info = {
            "model": self.resolved.name, "model_source": self.resolved.source,
            "options": asdict(options or self.options), "context_used": bool(context),
            "fallbacks": [f for pi in pieces_info for f in pi["fallbacks"]],
            "pieces": len(pieces_info), "skipped": [pi.get("skipped") for pi in pieces_info
                                                     if pi.get("skipped")],
            "timings": {"model_load_s": round(self.load_s, 3), "total_s": round(wall, 3),
                        "realtime_factor": round(duration / wall, 1) if wall else None},
            "coverage": [pi.get("coverage") for pi in pieces_info],
        }
        return Transcript.from_words(words, duration=round(duration, 3), speech=speech,
                                     unrecognized=unrec, info=info)


def _drop_endings(words: list[Word], speech: list[tuple[float, float]], info: dict):
    words, dropped = g.drop_stock_endings(words, speech)
    if dropped:
        info["fallbacks"].append({"reason": ["stock-ending"],
                                  "action": f"dropped {' '.join(dropped)!r}"})
    return words


def _array_blocks(audio: np.ndarray, block_s: float = 30.0) -> Iterator[np.ndarray]:
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1:
        audio = audio.mean(axis=1) if audio.shape[1] <= 8 else audio.mean(axis=0)
    n = int(block_s * SAMPLE_RATE)
    for i in range(0, len(audio), n):
        yield audio[i:i + n]


def _cut_point(buf: np.ndarray, search_s: float = 30.0) -> int:
    """Sample index of the middle of the longest pause in the last ``search_s`` seconds."""
    start = max(0, len(buf) - int(search_s * SAMPLE_RATE))
    tail = vad_stretches(buf[start:])
    gaps = [(b - a, a, b) for (_, a), (b, _) in zip(tail, tail[1:], strict=False)]
    if tail:
        gaps.append((len(buf[start:]) / SAMPLE_RATE - tail[-1][1], tail[-1][1],
                     len(buf[start:]) / SAMPLE_RATE))
    else:
        return len(buf)
    _, a, b = max(gaps)
    return start + int((a + b) / 2 * SAMPLE_RATE) if b - a > 0.1 else len(buf)


_cache: dict[tuple, Transcriber] = {}
_cache_lock = threading.Lock()


def get_transcriber(model: str | None = None, allow_download: bool | None = None) -> Transcriber:
    """The process-wide :class:`Transcriber` for ``model`` (loaded on first use, then reused)."""
    key = (model or "",)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = Transcriber(model, allow_download=allow_download)
        return _cache[key]


__all__ = ["DISFLUENT_PROMPT", "DecodeOptions", "Piece", "SAFE_OPTIONS", "Transcriber",
           "find_problems", "get_transcriber", "normalize_filler", "uncovered_runs",
           "unrecognized_stretches", "vad_stretches"]
