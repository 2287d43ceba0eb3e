"""Local, verbatim-leaning speech-to-text: audio in, timed :class:`Transcript` out.

Usage::

    from voicecoach.asr.transcribe import get_transcriber
    tr = get_transcriber()                      # loads the model once per process (cached)
    t = tr.transcribe("answer.wav", context="Explain the bias-variance tradeoff.")
    t.text, t.words, t.duration, t.speech, t.unrecognized, t.info

    for word in tr.transcribe_iter("three_hours.m4a"):   # long files, chunk by chunk
        ...

How it decodes (figures in BENCHMARKS.md, ``bench/asr_quality.py``):

* Whisper deletes most "um"/"uh". A short ``initial_prompt`` made of fillers (after the
  question as ``context``, for domain words) makes it keep them. Filler spellings are
  normalised ("Umm" -> "Um", "Uhh" -> "Uh", "Hmmm" -> "Hmm", "mhm" -> "mm-hmm"), never dropped.
* Where the speech is: Silero VAD (bundled with faster-whisper) for the speech stretches, and
  the sound above the noise floor (:func:`voicecoach.asr.vad.activity`), which also holds the
  whispered or falsetto speech the VAD misses. Nothing heard at all means no decoding:
  silence and steady noise give an empty transcript.
* One decode, clipped to the sound heard and stopped at its end (:mod:`.decode`). Then
  :func:`voicecoach.asr.guards.clean` removes only what was positively not said (laughter
  written as "Ha.", stacked copies that cannot fit, fillers the model gives no chance, words
  over silence, stock endings), each recorded in ``info["fallbacks"]``.
* A decoder loop (a repetition faster than the sound under it, or longer than people repeat
  themselves) or the prompt echoed back is re-decoded without the prompt, keeping the
  hesitations of the first pass that the re-decode lacks (aligned by words, over sound). A
  person's repetition ("words, words, words") is not a loop.
* Coverage counts each word for at most ~0.8 s (more for long words): a word stretched over
  seconds of speech (Whisper skipping the rest of its 30 s window) leaves an uncovered span,
  and every uncovered span of speech is re-decoded on its own and spliced in when that
  decode is confident (decoded alone, laughter comes back as one unlikely "oh").
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
from voicecoach.asr.audio import SAMPLE_RATE, iter_audio, truncation_warning
from voicecoach.asr.decode import (  # noqa: F401  (re-exported)
    DISFLUENT_PROMPT,
    DecodeOptions,
    build_prompt,
    decode_words,
)
from voicecoach.asr.fillers import normalize_filler  # noqa: F401  (re-exported)
from voicecoach.asr.guards import Fallback, Problem
from voicecoach.asr.intervals import Interval, _r, shift
from voicecoach.asr.loops import loop_spans
from voicecoach.asr.models import resolve_model
from voicecoach.asr.vad import activity, array_blocks, cut_point, vad_stretches
from voicecoach.transcript import Transcript, Word


@dataclass
class Piece:
    """The result for one stretch of audio starting at ``offset`` seconds."""

    offset: float
    duration: float
    words: list[Word] = field(default_factory=list)
    speech: list[Interval] = field(default_factory=list)
    unrecognized: list[Interval] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


def _reasons(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]


def _rank(problems: list[Problem], words: list[Word], speech: list[Interval]) -> tuple:
    return (sum(p.redecode for p in problems), -g.coverage(words, speech))


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
        self.calls = 0  # model decodes run (first passes, re-decodes and repairs)
        Transcriber.load_count += 1

    # -- one decode of one piece
    def _decode(
        self,
        audio: np.ndarray,
        opts: DecodeOptions,
        context: str | None,
        heard: list[Interval] | None = None,
        previous: str | None = None,
    ) -> tuple[list[Word], str | None]:
        """Words and the prompt used; decoded only over ``heard`` when given."""
        prompt = build_prompt(opts, context, previous)
        self.calls += 1
        return decode_words(self.model, self._lock, audio, opts, prompt, heard), prompt

    def transcribe_piece(
        self,
        audio: np.ndarray,
        offset: float = 0.0,
        context: str | None = None,
        options: DecodeOptions | None = None,
        floor_db: float | None = None,
        previous: str | None = None,
    ) -> Piece:
        """Decode one in-memory piece (16 kHz float32 mono), with guards and fallbacks.
        ``floor_db``: the recording's noise floor when the piece is too short to show it
        (live decoding); ``previous``: the words said just before the piece."""
        opts = options or self.options
        duration = len(audio) / SAMPLE_RATE
        t0 = time.perf_counter()
        speech = vad_stretches(audio)
        heard = activity(audio, speech, floor_db=floor_db)
        info: dict[str, Any] = {
            "options": asdict(opts),
            "fallbacks": [],
            "vad_s": round(time.perf_counter() - t0, 3),
        }
        if not heard:
            info["skipped"] = "no speech detected"
            return Piece(offset, duration, info=info)
        t1 = time.perf_counter()
        words, fallbacks = self._guarded(audio, opts, context, speech, heard, previous)
        info["fallbacks"] = fallbacks
        info["decode_s"] = round(time.perf_counter() - t1, 3)
        info["coverage"] = round(g.coverage(words, speech), 3)
        unrec = g.unrecognized_stretches(words, speech)
        return Piece(
            offset,
            duration,
            shift(words, offset),
            [(_r(a + offset, 2), _r(b + offset, 2)) for a, b in g.merge(speech, 0.3)],
            [(_r(a + offset, 2), _r(b + offset, 2)) for a, b in unrec],
            info,
        )

    def _guarded(
        self,
        audio: np.ndarray,
        opts: DecodeOptions,
        context: str | None,
        speech: list[Interval],
        heard: list[Interval],
        previous: str | None = None,
    ) -> tuple[list[Word], list[Fallback]]:
        """The decode with every guard applied, and the fallbacks taken (in order)."""
        words, prompt = self._decode(audio, opts, context, heard, previous)
        words, fallbacks = g.clean(words, speech, heard)
        problems = g.find_problems(words, speech, prompt, heard)
        if any(p.redecode for p in problems):  # a loop or an echo: decode without the prompt
            safe = replace(opts, prompt="none", condition_on_previous_text=False)
            alt, _ = self._decode(audio, safe, None, heard)
            alt, alt_fb = g.clean(alt, speech, heard)
            alt = g.keep_fillers(alt, words, heard, skip=loop_spans(words, heard))
            alt_problems = g.find_problems(alt, speech, None, heard)
            better = _rank(alt_problems, alt, speech) < _rank(problems, words, speech)
            fallbacks.append(
                {
                    "reason": _reasons([p for p in problems if p.redecode]),
                    "action": "re-decoded without prompt, hesitations of the first pass kept",
                    "kept": "safe" if better else "first",
                    "safe_problems": _reasons(alt_problems),
                }
            )
            if better:
                words = alt
                fallbacks += alt_fb
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
        """Decode each uncovered span on its own and splice in the words found there, when
        that decode is confident (:func:`voicecoach.asr.guards.confident`) and heard more."""
        lone = replace(opts or self.options, prompt="disfluent")
        out = list(words)
        added = 0
        for a, b in runs:
            lo = max(0.0, a - 0.5)
            seg = audio[int(lo * SAMPLE_RATE) : int((b + 0.5) * SAMPLE_RATE)]
            here = [(max(s, a), min(e, b)) for s, e in speech or [(a, b)] if s < b and e > a]
            new: list[Word] = []
            heard = [(max(0.0, s - lo), e - lo) for s, e in here]
            for o in (lone, replace(lone, prompt="none", condition_on_previous_text=False)):
                found, prompt = self._decode(seg, o, None, heard)
                found = [
                    w
                    for w in shift(found, lo)
                    if a - 0.15 <= (g.times(w)[0] + g.times(w)[1]) / 2 <= b + 0.25
                ]
                found = g.clean(found, here, here)[0]
                if not any(p.redecode for p in g.find_problems(found, here, prompt)):
                    new = found
                    break  # the second (unprompted) decode only when the first loops

            def inside(w: Word, a: float = a, b: float = b) -> bool:
                s, e = g.times(w)
                end = min(e, s + g.word_cap(w))  # a stretched word: its real part
                return a - 0.15 <= (s + end) / 2 <= b + 0.25 or (
                    e - s > g.word_cap(w) and s < b and e > a
                )

            old = [w for w in out if inside(w)]
            if len(new) > len(old) and g.confident(new):  # heard more, and sure of it
                out = [w for w in out if not inside(w)] + new
                added += len(new) - len(old)
        out.sort(key=lambda w: g.times(w)[0])
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
        if not isinstance(source, np.ndarray):
            warning = truncation_warning(source, duration)
            if warning:
                info["warnings"] = [warning]
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
