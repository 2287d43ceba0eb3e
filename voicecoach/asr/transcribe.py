"""Local, verbatim-leaning speech-to-text: audio in, timed :class:`Transcript` out.

Usage::

    from voicecoach.asr.transcribe import get_transcriber
    tr = get_transcriber()                      # loads the model once per process (cached)
    t = tr.transcribe("answer.wav", context="Explain the bias-variance tradeoff.")
    t.text, t.words, t.duration, t.speech, t.unrecognized, t.info

    for word in tr.transcribe_iter("three_hours.m4a"):   # long files, chunk by chunk
        ...

How it decodes (choices measured by ``bench/asr_choices.py``; see :class:`DecodeOptions`):

* Whisper deletes most "um"/"uh". A short ``initial_prompt`` made of fillers (after the
  question as ``context``, for domain words) makes it keep them. Filler spellings are
  normalised ("Umm" -> "Um", "Uhh" -> "Uh", "Hmmm" -> "Hmm", "mhm" -> "mm-hmm"), never dropped.
* Silero VAD (bundled with faster-whisper) finds the speech stretches first. No speech at all
  means no decoding: silence and noise give an empty transcript, not invented text.
* Guards (:mod:`voicecoach.asr.guards`), recorded in ``info["fallbacks"]``: words covering
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
* Long audio is read in blocks (:func:`voicecoach.asr.audio.iter_audio`) and cut into pieces of
  at most ``piece_s`` seconds at a pause, so memory stays bounded for hours of audio.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

from voicecoach.asr import guards as g
from voicecoach.asr.audio import SAMPLE_RATE, iter_audio
from voicecoach.asr.guards import Problem, normalize_filler
from voicecoach.asr.models import resolve_model
from voicecoach.asr.vad import Interval, array_blocks, cut_point, vad_stretches
from voicecoach.transcript import Transcript, Word

# Chosen on samples/ by bench/asr_choices.py: um/uh recall 98 % vs 86 % with the longer
# "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking.", WER 4.9 % vs 5.0 %.
DISFLUENT_PROMPT = "Um, uh, so, um, I think, uh, like, you know."
_MAX_CONTEXT_CHARS = 400
_r = g._r


@dataclass(frozen=True)
class DecodeOptions:
    """Decoding settings. ``prompt``: "none", "disfluent" or "disfluent+context"."""

    prompt: str = "disfluent+context"
    beam_size: int = 5
    condition_on_previous_text: bool = True


@dataclass
class Piece:
    """The result for one stretch of audio starting at ``offset`` seconds."""

    offset: float
    duration: float
    words: list[Word] = field(default_factory=list)
    speech: list[Interval] = field(default_factory=list)
    unrecognized: list[Interval] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


Fallback = dict[str, Any]  # one entry of info["fallbacks"]: reason, action, ...


def _ending_fallback(dropped: list[str]) -> list[Fallback]:
    return (
        [{"reason": ["stock-ending"], "action": f"dropped {' '.join(dropped)!r}"}]
        if dropped
        else []
    )


def _reasons(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]


class Transcriber:
    """One loaded Whisper model (CPU, int8), reused for every answer. Thread-safe."""

    load_count = 0  # models loaded in this process (all instances)

    def __init__(
        self,
        model: str | None = None,
        allow_download: bool | None = None,
        cpu_threads: int | None = None,
        options: DecodeOptions | None = None,
        piece_s: float = 180.0,
    ):
        from faster_whisper import WhisperModel

        self.resolved = resolve_model(model, allow_download=allow_download)
        self.cpu_threads = cpu_threads or max(1, min(4, os.cpu_count() or 2))
        self.options = options or DecodeOptions()
        self.piece_s = piece_s
        t0 = time.perf_counter()
        self.model = WhisperModel(
            self.resolved.path, device="cpu", compute_type="int8", cpu_threads=self.cpu_threads
        )
        self.load_s = time.perf_counter() - t0
        self._lock = threading.Lock()
        Transcriber.load_count += 1

    # -- one decode of one piece
    def _decode(
        self, audio: np.ndarray, opts: DecodeOptions, context: str | None
    ) -> tuple[list[Word], str | None]:
        prompt = None
        if opts.prompt != "none":
            prompt = DISFLUENT_PROMPT
            if opts.prompt == "disfluent+context" and context and context.strip():
                prompt = f"{context.strip()[-_MAX_CONTEXT_CHARS:]} {DISFLUENT_PROMPT}"
        import ctranslate2

        with self._lock:
            ctranslate2.set_random_seed(0)  # temperature fallback samples: keep it repeatable
            segments, _info = self.model.transcribe(
                audio,
                language="en",
                beam_size=opts.beam_size,
                word_timestamps=True,
                condition_on_previous_text=opts.condition_on_previous_text,
                initial_prompt=prompt,
            )
            segs = list(segments)
        words: list[Word] = []
        for seg in segs:
            first = True
            for w in seg.words or []:
                text = w.word.strip()
                if not text:
                    continue
                if words and not first and not w.word[:1].isspace():
                    prev = words[-1]  # "-fold" after "k": one word "k-fold"
                    words[-1] = Word(
                        prev.text + text,
                        prev.start,
                        _r(w.end),
                        min(prev.probability or 1.0, _r(w.probability)),
                    )
                else:
                    words.append(
                        Word(normalize_filler(text), _r(w.start), _r(w.end), _r(w.probability))
                    )
                first = False
        return words, prompt

    def _checked(
        self, audio: np.ndarray, opts: DecodeOptions, context: str | None, speech: list[Interval]
    ) -> tuple[list[Word], list[Problem], list[Fallback]]:
        """Decode, drop invented stock endings, and list the remaining problems."""
        words, prompt = self._decode(audio, opts, context)
        words, dropped = g.drop_stock_endings(words, speech)
        return words, g.find_problems(words, speech, prompt), _ending_fallback(dropped)

    def transcribe_piece(
        self,
        audio: np.ndarray,
        offset: float = 0.0,
        context: str | None = None,
        options: DecodeOptions | None = None,
    ) -> Piece:
        """Decode one in-memory piece (16 kHz float32 mono), with guards and fallbacks."""
        opts = options or self.options
        duration = len(audio) / SAMPLE_RATE
        t0 = time.perf_counter()
        speech = vad_stretches(audio)
        info: dict[str, Any] = {
            "options": asdict(opts),
            "fallbacks": [],
            "vad_s": round(time.perf_counter() - t0, 3),
        }
        if not speech:
            info["skipped"] = "no speech detected"
            return Piece(offset, duration, info=info)
        t1 = time.perf_counter()
        words, fallbacks = self._guarded(audio, opts, context, speech)
        info["fallbacks"] = fallbacks
        info["decode_s"] = round(time.perf_counter() - t1, 3)
        info["coverage"] = round(g.coverage(words, speech), 3)
        unrec = g.unrecognized_stretches(words, speech)
        shift = [
            Word(w.text, _r(w.start + offset), _r(w.end + offset), w.probability)
            for w in words
            if w.start is not None and w.end is not None
        ]
        return Piece(
            offset,
            duration,
            shift,
            [(_r(a + offset, 2), _r(b + offset, 2)) for a, b in g.merge(speech, 0.3)],
            [(_r(a + offset, 2), _r(b + offset, 2)) for a, b in unrec],
            info,
        )

    def _guarded(
        self, audio: np.ndarray, opts: DecodeOptions, context: str | None, speech: list[Interval]
    ) -> tuple[list[Word], list[Fallback]]:
        """The decode with every guard applied, and the fallbacks taken (in order)."""
        words, problems, fallbacks = self._checked(audio, opts, context, speech)
        if any(p.redecode for p in problems):  # try safer settings, keep the better result
            safe = replace(opts, prompt="none", condition_on_previous_text=False)
            alt, alt_problems, alt_fb = self._checked(audio, safe, None, speech)
            fallbacks += alt_fb
            alt = g.keep_fillers(alt, g.drop_outside(words, speech))
            better = (len(alt_problems), -g.coverage(alt, speech)) < (
                len(problems),
                -g.coverage(words, speech),
            )
            fallbacks.append(
                {
                    "reason": _reasons(problems),
                    "action": "re-decoded without prompt",
                    "kept": "safe" if better else "first",
                    "safe_problems": _reasons(alt_problems),
                }
            )
            if better:
                words, problems = alt, alt_problems
        if any(p.kind == "words-outside-speech" for p in problems):
            kept = g.drop_outside(words, speech)
            fallbacks.append(
                {
                    "reason": ["words-outside-speech"],
                    "action": f"dropped {len(words) - len(kept)} words",
                }
            )
            words, dropped = g.drop_stock_endings(kept, speech)
            fallbacks += _ending_fallback(dropped)
        runs = g.uncovered_runs(words, speech)
        if runs:
            words, added = self._repair(audio, words, runs, opts, speech)
            fallbacks.append(
                {
                    "reason": [f"uncovered-speech:{a:.2f}-{b:.2f}" for a, b in runs],
                    "action": f"re-decoded {len(runs)} gap(s) alone, added {added} words",
                }
            )
        return words, fallbacks

    def _repair(
        self,
        audio: np.ndarray,
        words: list[Word],
        runs: list[Interval],
        opts: DecodeOptions | None = None,
        speech: list[Interval] | None = None,
    ) -> tuple[list[Word], int]:
        """Decode each uncovered span on its own and splice in the words found there."""
        lone = replace(opts or self.options, prompt="disfluent")
        out = list(words)
        added = 0
        for a, b in runs:
            lo = max(0.0, a - 0.5)
            seg = audio[int(lo * SAMPLE_RATE) : int((b + 0.5) * SAMPLE_RATE)]
            here = [(max(s, a), min(e, b)) for s, e in speech or [(a, b)] if s < b and e > a]
            best: tuple[tuple[int, float], list[Word]] | None = None
            for o in (lone, replace(lone, prompt="none", condition_on_previous_text=False)):
                found, prompt = self._decode(seg, o, None)
                new = [
                    Word(w.text, _r(w.start + lo), _r(w.end + lo), w.probability)
                    for w in found
                    if w.start is not None
                    and w.end is not None
                    and a - 0.15 <= lo + (w.start + w.end) / 2 <= b + 0.25
                ]
                new = g.drop_stock_endings(g.drop_outside(new, here), here)[0]
                problems = g.find_problems(new, here, prompt)
                rank = (len(problems), -g.coverage(new, here))
                if best is None or rank < best[0]:  # both tried: repairs are rare
                    best = (rank, new)
            assert best is not None
            new = best[1]

            def inside(w: Word, a: float = a, b: float = b) -> bool:
                if w.start is None or w.end is None:
                    return False
                end = min(w.end, w.start + g.word_cap(w))  # a stretched word: its real part
                return a - 0.15 <= (w.start + end) / 2 <= b + 0.25 or (
                    w.end - w.start > g.word_cap(w) and w.start < b and w.end > a
                )

            old = [w for w in out if inside(w)]
            if len(new) > len(old):  # the lone decode heard more: it replaces that span
                out = [w for w in out if not inside(w)] + new
                added += len(new) - len(old)
        out.sort(key=lambda w: w.start if w.start is not None else 0.0)
        return out, added

    # -- pieces of a whole source
    def iter_pieces(
        self,
        source: str | os.PathLike | np.ndarray,
        context: str | None = None,
        options: DecodeOptions | None = None,
        piece_s: float | None = None,
    ) -> Iterator[Piece]:
        """Yield :class:`Piece` results in order; audio longer than ``piece_s`` (default
        ``self.piece_s``) is cut at pauses and read block by block, never whole."""
        blocks = array_blocks(source) if isinstance(source, np.ndarray) else iter_audio(source)
        limit = int((piece_s or self.piece_s) * SAMPLE_RATE)
        buf = np.zeros(0, dtype=np.float32)
        offset = 0.0
        for block in blocks:
            buf = np.concatenate([buf, block]) if len(buf) else block
            while len(buf) > limit:
                cut = cut_point(buf[:limit])
                yield self.transcribe_piece(buf[:cut], offset, context, options)
                offset += cut / SAMPLE_RATE
                buf = buf[cut:]
        if len(buf) or offset == 0.0:
            yield self.transcribe_piece(buf, offset, context, options)

    def transcribe_iter(
        self,
        source: str | os.PathLike | np.ndarray,
        context: str | None = None,
        piece_s: float | None = None,
    ) -> Iterator[Word]:
        """Lazily yield timed :class:`Word` objects, piece by piece (for long recordings)."""
        for piece in self.iter_pieces(source, context, piece_s=piece_s):
            yield from piece.words

    def transcribe(
        self,
        source: str | os.PathLike | np.ndarray,
        context: str | None = None,
        options: DecodeOptions | None = None,
    ) -> Transcript:
        """Transcribe a file path (any format :mod:`voicecoach.asr.audio` reads) or a 16 kHz
        mono float32 array. ``context`` (the question text) helps domain words and is used as
        part of the prompt. Raises :class:`voicecoach.asr.audio.AudioError` for unusable
        files."""
        t0 = time.perf_counter()
        words: list[Word] = []
        speech: list[Interval] = []
        unrec: list[Interval] = []
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
            "model": self.resolved.name,
            "model_source": self.resolved.source,
            "options": asdict(options or self.options),
            "context_used": bool(context),
            "fallbacks": [f for pi in pieces_info for f in pi["fallbacks"]],
            "pieces": len(pieces_info),
            "skipped": [pi.get("skipped") for pi in pieces_info if pi.get("skipped")],
            "timings": {
                "model_load_s": round(self.load_s, 3),
                "total_s": round(wall, 3),
                "realtime_factor": round(duration / wall, 1) if wall else None,
            },
            "coverage": [pi.get("coverage") for pi in pieces_info],
        }
        return Transcript.from_words(
            words, duration=round(duration, 3), speech=speech, unrecognized=unrec, info=info
        )


_cache: dict[tuple[str], Transcriber] = {}
_cache_lock = threading.Lock()


def get_transcriber(model: str | None = None, allow_download: bool | None = None) -> Transcriber:
    """The process-wide :class:`Transcriber` for ``model`` (loaded on first use, then reused)."""
    key = (model or "",)
    with _cache_lock:
        if key not in _cache:
            _cache[key] = Transcriber(model, allow_download=allow_download)
        return _cache[key]
