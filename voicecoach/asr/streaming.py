"""The engine of live transcription: pieces cut as the audio comes, then refined.

:class:`LiveDecoder` is synchronous (``add`` audio, ``step`` until it says there is nothing
to do, ``stop``); :class:`voicecoach.asr.live.LiveTranscriber` runs it on a thread beside the
recorder, and :func:`voicecoach.asr.live.replay` drives it on a simulated clock. It keeps
the audio not yet decoded and cuts it into pieces at the shortest natural boundaries, so
that no piece grows long even when the candidate never pauses:

* a pause at the end of the buffer (``pause_s``, 0.4 s) after some speech: the answer may
  be over, so everything up to the middle of that pause is decoded at once. When the
  candidate stops talking the last phrase is therefore decoded during the silence that ends
  the recording, and at the stop only silence is left;
* once the buffer holds ``target_s`` (5 s): the longest short pause (0.15 s or more, as the
  VAD sees it) between ``min_piece_s`` and the last half second;
* fluent speech with no such pause, at ``max_piece_s`` (8 s): the whole buffer is decoded,
  the words up to the last word end ``carry_s`` (1.5 s) before its end are kept, and the
  audio from the middle of that word boundary on stays in the buffer, to be decoded again
  with what follows (so no word is cut in two; the tail's words were unconfirmed anyway).

Each piece is decoded with the question as context, the answer's last words before the
piece, and the filler prompt (:func:`voicecoach.asr.decode.build_prompt`), with the noise
floor of the whole recording so far (a short piece of continuous speech shows none). Given
the lead-in and those words, Whisper sometimes starts after a phrase of the new audio (and
stretches its first word back over it): a piece with more than ``SKIPPED_S`` (0.5 s) of
speech before its first word is decoded again on its own, and the version that heard more
words is kept.

Short pieces carry little context. So whenever there is nothing to cut it *refines*: the
pieces since the last refined time are decoded again as one window of up to
``refine_max_s`` (20 s), from a piece boundary to a piece boundary, and its words replace
theirs (unless it heard clearly fewer words, fillers not counted: then the pieces stand).
It refines while the candidate speaks once ``refine_s`` (8 s) has gathered; in a pause,
when the answer may be over, only what is expected to take at most ``quiet_budget_s`` (1 s:
done before an auto-stop); at the stop only what takes at most ``stop_budget_s`` (0.5 s).
So the feedback never waits long for a refine, and the end of an answer may keep its
pieces' words.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import numpy as np

from voicecoach.asr.audio import SAMPLE_RATE
from voicecoach.asr.fillers import is_filler
from voicecoach.asr.guards import word_cap
from voicecoach.asr.intervals import Interval, _r, overlap, times
from voicecoach.asr.vad import DIGITAL_SILENCE_DB, activity, frame_db, vad_stretches
from voicecoach.transcript import Transcript, Word

SHORT_PAUSE_S = 0.15  # the shortest VAD gap that is a boundary between words
LONG_PAUSE_S = 1.0
LEAD_S = 1.0  # audio before a piece decoded with it, so that its first word is heard whole
SKIPPED_S = 0.5  # speech before a piece's first word that means a phrase was skipped
QUIET_S = 0.6  # trailing quiet after which the answer may be over: refine what is left


class _Tape:
    """The whole answer so far, in one growing array (refining reads back into it)."""

    def __init__(self) -> None:
        self._a = np.zeros(SAMPLE_RATE * 30, np.float32)
        self.n = 0

    def add(self, x: np.ndarray) -> None:
        if self.n + len(x) > len(self._a):
            grown = np.zeros(max(2 * len(self._a), self.n + len(x)), np.float32)
            grown[: self.n] = self._a[: self.n]
            self._a = grown
        self._a[self.n : self.n + len(x)] = x
        self.n += len(x)

    def get(self, start: float, end: float) -> np.ndarray:
        a, b = max(0, int(round(start * SAMPLE_RATE))), int(round(end * SAMPLE_RATE))
        return self._a[a : min(b, self.n)].copy()


def heard_enough(window: list[Word], pieces: list[Word]) -> bool:
    """Whether a refine window's words may replace its pieces' words: a window that heard
    clearly fewer words than the pieces skipped some, and then the pieces stand. Fillers are
    not counted: pieces decoded with little context write hesitations over breaths and
    laughter ("Mm-hmm." four times over one breath), which the window, hearing them in
    context, leaves out."""
    said = sum(not is_filler(w) for w in window)
    was = sum(not is_filler(w) for w in pieces)
    return said >= was - max(2, 0.08 * was)


def _same(a: Word, b: Word) -> bool:
    """The same word decoded twice at a boundary (the lead-in's last word again)."""
    from voicecoach.asr.intervals import core

    return core(a.text) == core(b.text) and abs(times(a)[0] - times(b)[0]) < 0.4


class LiveDecoder:
    """Cuts, decodes and refines pieces of one answer as its audio is added.

    ``model`` is a Future (or a callable) giving a loaded
    :class:`voicecoach.asr.transcribe.Transcriber`, so the model can still be loading while the
    question is read aloud and the answer starts.
    """

    def __init__(
        self,
        model: Future | Callable[[], Any],
        context: str | None = None,
        min_piece_s: float = 1.5,
        pause_s: float = 0.4,
        max_piece_s: float = 8.0,
        target_s: float = 5.0,
        carry_s: float = 1.5,
        refine_s: float = 8.0,
        refine_max_s: float = 20.0,
        stop_budget_s: float = 0.5,
        quiet_budget_s: float = 1.0,
        refine: bool = True,
    ):
        self._model = model
        self.context = context
        self.min_piece = int(min_piece_s * SAMPLE_RATE)
        self.target = int(target_s * SAMPLE_RATE)
        self.max_piece = int(max_piece_s * SAMPLE_RATE)
        self.pause_s = pause_s
        self.carry_s = carry_s
        self.refine_s, self.refine_max_s = refine_s, refine_max_s
        self.stop_budget_s, self.quiet_budget_s = stop_budget_s, quiet_budget_s
        self.refine = refine
        self._tape = _Tape()
        self._cuts: list[float] = []  # where each piece ended (refine windows end on one)
        self._refined = 0.0  # words before this time are final
        self._refines: list[dict] = []
        self._rate = 0.25  # decode seconds per second of audio, measured as it decodes
        self._buf = np.zeros(0, np.float32)
        self._lead = np.zeros(0, np.float32)  # the audio just before _buf, already decoded
        self._offset = 0.0  # time of _buf[0] in the answer
        self._levels: list[np.ndarray] = []  # frame levels of the whole answer so far
        self._words: list[Word] = []
        self._speech: list[Interval] = []
        self._unrec: list[Interval] = []
        self._pieces: list[dict] = []
        self._total = 0

    @property
    def version(self) -> int:
        """Grows whenever the words change (a piece decoded or refined)."""
        return len(self._pieces) + len(self._refines)

    def text(self) -> str:
        """The words so far."""
        return " ".join(w.text.strip() for w in self._words if w.text.strip())

    def add(self, samples: np.ndarray) -> None:
        """Append audio (16 kHz float32 mono)."""
        if len(samples):
            self._buf = np.concatenate([self._buf, samples])
            self._levels.append(frame_db(samples))
            self._total += len(samples)
            self._tape.add(samples)

    def _transcriber(self):
        m = self._model
        return m.result() if isinstance(m, Future) else m()

    def _floor(self) -> float | None:
        levels = np.concatenate(self._levels) if self._levels else np.zeros(0)
        live = levels[levels > DIGITAL_SILENCE_DB]
        return float(np.percentile(live, 10)) if len(live) >= 25 else None

    def _decode(self, n: int, kind: str, carry: bool = False) -> None:
        """Decode ``_buf[:n]`` as one piece and drop it from the buffer; with ``carry``,
        keep the words before the last word boundary ``carry_s`` before its end and leave
        the audio after that boundary in the buffer."""
        lead = self._lead[-int(LEAD_S * SAMPLE_RATE) :] if self._words else self._lead[:0]
        audio = np.concatenate([lead, self._buf[:n]])
        start = self._offset - len(lead) / SAMPLE_RATE
        t0 = time.perf_counter()
        previous = " ".join(w.text for w in self._words[-40:]) or None
        piece = self._transcriber().transcribe_piece(
            audio, start, self.context, floor_db=self._floor(), previous=previous
        )
        words = self._new_words(piece.words)
        redone = False
        if len(lead) and self._skipped_start(
            words, piece.speech, end=self._offset + n / SAMPLE_RATE
        ):
            # Whisper, given the lead-in and the words before, sometimes starts after a
            # phrase of the new audio: decode the piece alone, and keep the version that
            # heard more
            alone = self._transcriber().transcribe_piece(
                self._buf[:n], self._offset, self.context, floor_db=self._floor()
            )
            again = self._new_words(alone.words)
            if len(again) > len(words):
                piece, words, redone = alone, again, True
        if carry:
            cut = self._boundary(words, self._offset + n / SAMPLE_RATE - self.carry_s)
            if cut is not None:
                words = [w for w in words if times(w)[0] < cut]
                n = max(1, int((cut - self._offset) * SAMPLE_RATE))
            else:
                kind = "max"
        end = self._offset + n / SAMPLE_RATE
        self._words += words
        inside = [(max(a, self._offset), min(b, end)) for a, b in piece.speech]
        self._speech += [(a, b) for a, b in inside if a < b]
        inside = [(max(a, self._offset), min(b, end)) for a, b in piece.unrecognized]
        self._unrec += [(a, b) for a, b in inside if a < b]
        info = dict(piece.info)
        info.update(
            offset=round(self._offset, 2),
            seconds=round(n / SAMPLE_RATE, 2),
            decoded_s=round(len(audio) / SAMPLE_RATE, 2),
            cut=kind,
            decode_s=round(time.perf_counter() - t0, 3),
        )
        if redone:
            info["redecoded"] = "start skipped after the lead-in: decoded alone"
        self._pieces.append(info)
        seconds = max(1.0, len(audio) / SAMPLE_RATE)
        self._rate = 0.7 * self._rate + 0.3 * info["decode_s"] / seconds
        self._offset = end
        self._cuts.append(end)
        self._lead = np.concatenate([self._lead, self._buf[:n]])[-int(LEAD_S * SAMPLE_RATE) :]
        self._buf = self._buf[n:]

    def _new_words(self, decoded: list[Word]) -> list[Word]:
        """The words of a piece after its lead-in (the lead-in is there so that the first
        word is heard whole: its words were kept), less the lead-in's last word again."""
        words = [w for w in decoded if sum(times(w)) / 2 >= self._offset]
        if words and self._words and _same(words[0], self._words[-1]):
            words = words[1:]
        return words

    def _skipped_start(self, words: list[Word], speech: list[Interval], end: float) -> bool:
        """More than ``SKIPPED_S`` of speech between the piece's start and its first word
        (the word counted from where its capped span begins: a skipping decode stretches
        the first word it does write back over what it skipped)."""
        first = end
        if words:
            a, b = times(words[0])
            first = max(a, b - word_cap(words[0]))
        heard = overlap(speech, [(self._offset, first - 0.15)]) if first > self._offset else 0
        return heard > SKIPPED_S

    def _window(self, final: bool = False) -> float | None:
        """Where a refine now should end, or None: a piece boundary at most ``refine_max_s``
        after the refined time. While the candidate speaks: once ``refine_s`` has gathered.
        After a pause (or ``final``: the recording stopped), when the answer may be over:
        only when the refine is expected to take at most ``quiet_budget_s``
        (``stop_budget_s``), so that the feedback does not wait for it."""
        pending = self._offset - self._refined
        if not self.refine or pending <= 0:
            return None
        if not any(times(w)[0] >= self._refined for w in self._words):
            return None
        cost = self._rate * (min(pending, self.refine_max_s) + LEAD_S)
        speaking = bool(activity(self._buf, vad_stretches(self._buf), floor_db=self._floor()))
        if final:
            ready = cost <= self.stop_budget_s
        elif speaking:  # the answer goes on: a refine now costs the feedback nothing
            ready = pending >= self.refine_s
        else:  # the answer may be over: only what is done before a stop is likely
            gathered = pending >= self.refine_s or len(self._buf) / SAMPLE_RATE >= QUIET_S
            ready = gathered and cost <= self.quiet_budget_s
        if not ready:
            return None
        ends = [c for c in self._cuts if self._refined < c <= self._refined + self.refine_max_s]
        return ends[-1] if ends else None

    def _refine(self, end: float) -> None:
        """Decode the pieces from the refined time to ``end`` again, as one window."""
        start = self._refined
        lead = LEAD_S if start > 0 else 0.0
        audio = self._tape.get(start - lead, end)
        before = [w for w in self._words if sum(times(w)) / 2 < start]
        old = [w for w in self._words if start <= sum(times(w)) / 2 < end]
        after = [w for w in self._words if sum(times(w)) / 2 >= end]
        t0 = time.perf_counter()
        previous = " ".join(w.text for w in before[-40:]) or None
        piece = self._transcriber().transcribe_piece(
            audio, start - lead, self.context, floor_db=self._floor(), previous=previous
        )
        words = [w for w in piece.words if start <= sum(times(w)) / 2 < end]
        if words and before and _same(words[0], before[-1]):
            words = words[1:]
        kept = heard_enough(words, old)
        if kept:
            self._words = before + words + after
            for name, new in (("_speech", piece.speech), ("_unrec", piece.unrecognized)):
                mine = [iv for iv in getattr(self, name) if iv[1] <= start or iv[0] >= end]
                inside = [(max(a, start), min(b, end)) for a, b in new]
                setattr(self, name, sorted(mine + [(a, b) for a, b in inside if a < b]))
        self._refines.append(
            {
                "start": round(start, 2),
                "end": round(end, 2),
                "words": len(words),
                "piece_words": len(old),
                "kept": kept,
                "decode_s": round(time.perf_counter() - t0, 3),
            }
        )
        self._refined = end
        spent = self._refines[-1]["decode_s"] / max(1.0, len(audio) / SAMPLE_RATE)
        self._rate = 0.5 * self._rate + 0.5 * spent

    @staticmethod
    def _boundary(words: list[Word], before: float) -> float | None:
        """The middle between the last word ending before ``before`` and the next word."""
        for i in range(len(words) - 2, -1, -1):
            end, nxt = times(words[i])[1], times(words[i + 1])[0]
            if end <= before:
                return _r((end + max(end, nxt)) / 2)
        return None

    def _plan(self) -> tuple[str, int] | None:
        """What to do with the buffer now: (kind of cut, samples to decode), or None."""
        buf = self._buf
        if len(buf) < self.min_piece:
            return None
        n = len(buf) / SAMPLE_RATE
        speech = vad_stretches(buf)
        heard = activity(buf, speech, floor_db=self._floor())
        if not heard:  # only silence so far: drop all but the last second
            keep = SAMPLE_RATE
            return ("silence", len(buf) - keep) if len(buf) > 2 * keep else None
        trailing = n - heard[-1][1]
        if trailing >= self.pause_s and (len(buf) >= self.target or trailing >= LONG_PAUSE_S):
            return "pause", int((heard[-1][1] + min(n - heard[-1][1], 1.0) / 2) * SAMPLE_RATE)
        if len(buf) < self.target:
            return None
        lo, hi = self.min_piece / SAMPLE_RATE, n - 0.5
        gaps = [
            (a >= self.target / SAMPLE_RATE / 2, b - a, a, b)
            for (_, a), (b, _) in zip(speech, speech[1:], strict=False)
            if b - a >= SHORT_PAUSE_S and lo <= a and b <= hi
        ]
        late = [g for g in gaps if g[0]]
        if late or (gaps and len(buf) >= self.max_piece):  # after half the target length
            *_, a, b = max(late or gaps)
            return "short-pause", int((a + b) / 2 * SAMPLE_RATE)
        if len(buf) >= self.max_piece:
            return "word-end", len(buf)
        return None

    def step(self) -> bool:
        """Do the next piece of work: cut and decode a piece, or else refine; False if there
        is nothing to do until more audio comes."""
        plan = self._plan()
        if plan is not None:
            kind, n = plan
            if kind == "silence":
                self._offset += n / SAMPLE_RATE
                self._cuts.append(self._offset)
                self._lead = self._buf[:n][-int(LEAD_S * SAMPLE_RATE) :]
                self._buf = self._buf[n:]
            else:
                self._decode(n, kind, carry=kind == "word-end")
            return True
        end = self._window()
        if end is None:
            return False
        self._refine(end)
        return True

    def stop(self) -> None:
        """The recording ended: decode what is left, and refine the rest if that is quick."""
        if len(self._buf) and activity(self._buf, vad_stretches(self._buf), floor_db=self._floor()):
            self._decode(len(self._buf), "stop")
        else:
            self._offset += len(self._buf) / SAMPLE_RATE
            self._cuts.append(self._offset)
            self._buf = self._buf[:0]
        while (end := self._window(final=True)) is not None:
            self._refine(end)

    def transcript(self) -> Transcript:
        """The timed transcript of the whole answer (after :meth:`stop`)."""
        duration = round(self._total / SAMPLE_RATE, 3)
        info = {
            "pieces": self._pieces,
            "mode": "live",
            "refines": self._refines,
            "fallbacks": [f for p in self._pieces for f in p.get("fallbacks", [])],
        }
        words = sorted(self._words, key=lambda w: times(w)[0])
        return Transcript.from_words(
            words, duration=duration, speech=self._speech, unrecognized=self._unrec, info=info
        )
