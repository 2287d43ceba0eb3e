"""Local, verbatim-leaning speech-to-text: audio in, timed :class:`Transcript` out.

Usage::

    from voicecoach.transcribe import get_transcriber
    tr = get_transcriber()                      # loads the model once per process (cached)
    t = tr.transcribe("answer.wav", context="Explain the bias-variance tradeoff.")
    t.text, t.words, t.duration, t.speech, t.unrecognized, t.info

    for word in tr.transcribe_iter("three_hours.m4a"):   # long files, chunk by chunk
        ...

How it decodes (defaults chosen by ``bench/asr_choices.py``; see :class:`DecodeOptions`):

* Whisper deletes most "um"/"uh". A short disfluent ``initial_prompt`` (plus the question as
  ``context``, for domain words) makes it keep them. Filler spellings are normalised
  ("Umm" -> "Um", "Uhh" -> "Uh", "Hmmm" -> "Hmm", "mhm" -> "mm-hmm"), never dropped.
* Silero VAD (bundled with faster-whisper) finds the speech stretches first. No speech at all
  means no decoding: silence and noise give an empty transcript, not invented text.
* Guards, recorded in ``info["fallbacks"]``: words covering clearly less speech than the VAD
  hears (a prompt + word-timestamp combination once silently returned 21 of 81 words),
  repeated n-gram loops, a high compression ratio, the prompt echoed back, or words where the
  VAD hears no speech. Any of them triggers a re-decode with safer settings (no prompt); the
  better result is kept, and words outside any speech are dropped as a last resort.
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
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

import numpy as np

from voicecoach.audio import SAMPLE_RATE, iter_audio
from voicecoach.models import resolve_model
from voicecoach.transcript import Transcript, Word

DISFLUENT_PROMPT = "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking."
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


# ---------------------------------------------------------------- interval helpers
def _r(x: float, nd: int = 3) -> float:
    return round(float(x), nd)


def _merge(iv: list[tuple[float, float]], gap: float = 0.0) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(iv):
        if out and a <= out[-1][1] + gap:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _overlap(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> float:
    total, j = 0.0, 0
    for s, e in a:
        while j < len(b) and b[j][1] <= s:
            j += 1
        k = j
        while k < len(b) and b[k][0] < e:
            total += max(0.0, min(e, b[k][1]) - max(s, b[k][0]))
            k += 1
    return total


def _subtract(a: list[tuple[float, float]], b: list[tuple[float, float]]):
    """Parts of intervals ``a`` not covered by (merged, sorted) intervals ``b``."""
    out = []
    for s, e in a:
        cur = s
        for bs, be in b:
            if be <= cur or bs >= e:
                continue
            if bs > cur:
                out.append((cur, bs))
            cur = max(cur, be)
        if cur < e:
            out.append((cur, e))
    return out


def vad_stretches(audio: np.ndarray, sr: int = SAMPLE_RATE) -> list[tuple[float, float]]:
    """Fine-grained speech stretches (seconds) from Silero VAD; short pauses split them."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if len(audio) < sr // 10:
        return []
    opts = VadOptions(threshold=0.5, min_silence_duration_ms=150, speech_pad_ms=30,
                      min_speech_duration_ms=100)
    return [(c["start"] / sr, c["end"] / sr) for c in get_speech_timestamps(audio, opts, sr)]


# ---------------------------------------------------------------- quality checks
def _norm_tokens(words: list[Word]) -> list[str]:
    return [re.sub(r"[^\w'-]", "", w.text.lower()) for w in words]


def find_problems(words: list[Word], speech: list[tuple[float, float]], prompt: str | None,
                  duration: float) -> list[str]:
    """Reasons to distrust a decode: low speech coverage, loops, prompt echo, invented words."""
    problems = []
    speech_total = sum(e - s for s, e in speech)
    covered = _merge([(w.start - 0.15, w.end + 0.15) for w in words if w.start is not None])
    coverage = _overlap(speech, covered) / speech_total if speech_total else 1.0
    if speech_total > 1.5 and coverage < 0.6:
        problems.append(f"low-coverage:{coverage:.2f}")
    toks = [t for t in _norm_tokens(words) if t]
    for n in range(1, 9):  # the same n words back to back, 4x for single words, 2x for n>=4
        need = 4 if n == 1 else 3 if n < 4 else 2
        for i in range(0, max(0, len(toks) - n * need + 1)):
            if all(toks[i + k * n:i + (k + 1) * n] == toks[i:i + n] for k in range(1, need)):
                problems.append(f"repeat:{' '.join(toks[i:i + n])}")
                break
        else:
            continue
        break
    text = " ".join(w.text for w in words).encode()
    if len(text) > 120 and len(text) / len(zlib.compress(text)) > 2.4:
        problems.append("compression-ratio")
    if prompt:
        ptoks = re.sub(r"[^\w' ]", "", prompt.lower()).split()
        grams = {tuple(ptoks[i:i + 5]) for i in range(len(ptoks) - 4)}
        if any(tuple(toks[i:i + 5]) in grams for i in range(len(toks) - 4)):
            problems.append("prompt-echo")
    near = _merge([(s - 0.4, e + 0.4) for s, e in speech])
    outside = [w for w in words if w.start is not None
               and _overlap([(w.start, max(w.end, w.start + 0.01))], near) == 0.0]
    if len(outside) >= 2 or (outside and len(words) <= 2):
        problems.append(f"words-outside-speech:{len(outside)}")
    return problems


def _coverage(words: list[Word], speech: list[tuple[float, float]]) -> float:
    total = sum(e - s for s, e in speech)
    covered = _merge([(w.start - 0.15, w.end + 0.15) for w in words if w.start is not None])
    return _overlap(speech, covered) / total if total else 1.0


def uncovered_runs(words: list[Word], speech: list[tuple[float, float]], pad: float = 0.15,
                   join: float = 0.4, min_speech: float = 0.8) -> list[tuple[float, float]]:
    """Spans where the VAD hears at least ``min_speech`` s of speech that no word covers."""
    covered = _merge([(w.start - pad, w.end + pad) for w in words if w.start is not None])
    gaps = _subtract(speech, covered)
    runs = []
    for a, b in _merge(gaps, join):
        if _overlap([(a, b)], gaps) >= min_speech:
            runs.append((a, b))
    return runs


def unrecognized_stretches(words: list[Word], speech: list[tuple[float, float]],
                           min_s: float = 0.15, max_s: float = 1.5,
                           pad: float = 0.08) -> list[tuple[float, float]]:
    """Speech with no word over it, ``min_s``..``max_s`` long (typically a deleted filler)."""
    covered = _merge([(w.start - pad, w.end + pad) for w in words if w.start is not None])
    gaps = _subtract(speech, covered)
    return [(_r(a, 2), _r(b, 2)) for a, b in gaps if min_s <= b - a <= max_s]


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
        Transcriber.load_count += 1

    # -- one decode of one piece
    def _decode(self, audio: np.ndarray, opts: DecodeOptions, context: str | None):
        prompt = None
        if opts.prompt != "none":
            prompt = DISFLUENT_PROMPT
            if opts.prompt == "disfluent+context" and context and context.strip():
                prompt = f"{context.strip()[-_MAX_CONTEXT_CHARS:]} {DISFLUENT_PROMPT}"
        with self._lock:
            segments, _info = self.model.transcribe(
                audio, language="en", beam_size=opts.beam_size,
                word_timestamps=opts.word_timestamps, vad_filter=opts.vad_filter,
                condition_on_previous_text=opts.condition_on_previous_text,
                initial_prompt=prompt,
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
        words, prompt = self._decode(audio, opts, context)
        problems = find_problems(words, speech, prompt, duration) if opts.guards else []
        if problems:
            alt, _ = self._decode(audio, SAFE_OPTIONS, None)
            alt_problems = find_problems(alt, speech, None, duration)
            better = (len(alt_problems), -_coverage(alt, speech)) < (
                len(problems), -_coverage(words, speech))
            info["fallbacks"].append({"reason": problems, "action": "re-decoded without prompt",
                                      "kept": "safe" if better else "first",
                                      "safe_problems": alt_problems})
            if better:
                words, problems = alt, alt_problems
            if any(p.startswith("words-outside-speech") for p in problems):
                near = _merge([(s - 0.4, e + 0.4) for s, e in speech])
                kept = [w for w in words
                        if _overlap([(w.start, max(w.end, w.start + 0.01))], near) > 0]
                info["fallbacks"].append({"reason": ["words-outside-speech"],
                                          "action": f"dropped {len(words) - len(kept)} words"})
                words = kept
        if opts.guards:
            runs = uncovered_runs(words, speech)
            if runs:
                words, added = self._repair(audio, words, runs)
                info["fallbacks"].append({
                    "reason": [f"uncovered-speech:{a:.2f}-{b:.2f}" for a, b in runs],
                    "action": f"re-decoded {len(runs)} gap(s) alone, added {added} words"})
        info["decode_s"] = round(time.perf_counter() - t1, 3)
        info["coverage"] = round(_coverage(words, speech), 3)
        unrec = unrecognized_stretches(words, speech)
        shift = [Word(w.text, _r(w.start + offset), _r(w.end + offset), w.probability)
                 for w in words]
        return Piece(offset, duration, shift,
                     [(_r(a + offset, 2), _r(b + offset, 2)) for a, b in _merge(speech, 0.3)],
                     [(_r(a + offset, 2), _r(b + offset, 2)) for a, b in unrec], info)

    def _repair(self, audio: np.ndarray, words: list[Word],
                runs: list[tuple[float, float]]) -> tuple[list[Word], int]:
        """Decode each uncovered span on its own and splice in the words found there."""
        out = list(words)
        added = 0
        for a, b in runs:
            lo = max(0.0, a - 0.5)
            seg = audio[int(lo * SAMPLE_RATE):int((b + 0.5) * SAMPLE_RATE)]
            found, _ = self._decode(seg, DecodeOptions(prompt="disfluent"), None)
            new = [Word(w.text, _r(w.start + lo), _r(w.end + lo), w.probability)
                   for w in found]
            new = [w for w in new if a - 0.15 <= (w.start + w.end) / 2 <= b + 0.25]

            def inside(w: Word, a: float = a, b: float = b) -> bool:
                return w.start is not None and a - 0.15 <= (w.start + w.end) / 2 <= b + 0.25

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
           "find_problems", "get_transcriber", "normalize_filler",
           "unrecognized_stretches", "vad_stretches"]
