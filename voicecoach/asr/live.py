"""Transcribe an answer while it is being spoken, so feedback is ready when it ends.

The recorder hands over short chunks. A background thread keeps the audio not yet decoded
and cuts it into pieces at the shortest natural boundaries, so that no piece grows long
even when the candidate never pauses:

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
floor of the whole recording so far (a short piece of continuous speech shows none).
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

import numpy as np

from voicecoach.asr.audio import SAMPLE_RATE
from voicecoach.asr.intervals import Interval, _r, times
from voicecoach.asr.vad import DIGITAL_SILENCE_DB, activity, frame_db, vad_stretches
from voicecoach.transcript import Transcript, Word

SHORT_PAUSE_S = 0.15  # the shortest VAD gap that is a boundary between words
LONG_PAUSE_S = 1.0
LEAD_S = 1.0  # audio before a piece decoded with it, so that its first word is heard whole


def _same(a: Word, b: Word) -> bool:
    """The same word decoded twice at a boundary (the lead-in's last word again)."""
    from voicecoach.asr.intervals import core

    return core(a.text) == core(b.text) and abs(times(a)[0] - times(b)[0]) < 0.4


class LiveTranscriber:
    """Feed it chunks (``feed``); ``finish()`` returns the whole timed Transcript.

    ``model`` is a Future (or a callable) giving a loaded
    :class:`voicecoach.asr.transcribe.Transcriber`, so the model can still be loading while the
    question is read aloud and the answer starts.
    """

    def __init__(
        self,
        model: Future | Callable[[], object],
        context: str | None = None,
        min_piece_s: float = 1.5,
        pause_s: float = 0.4,
        max_piece_s: float = 8.0,
        on_piece: Callable[[str], None] | None = None,
        target_s: float = 5.0,
        carry_s: float = 1.5,
    ):
        self._model = model
        self.context = context
        # called with the transcript so far after each piece but the last (practice uses it
        # to let the judge read the finished sentences while the candidate still speaks)
        self.on_piece = on_piece
        self._primed = 0  # pieces the judge has been shown
        self.min_piece = int(min_piece_s * SAMPLE_RATE)
        self.target = int(target_s * SAMPLE_RATE)
        self.max_piece = int(max_piece_s * SAMPLE_RATE)
        self.pause_s = pause_s
        self.carry_s = carry_s
        self._q: queue.Queue[tuple[np.ndarray, bool] | None] = queue.Queue()
        self._buf = np.zeros(0, np.float32)
        self._lead = np.zeros(0, np.float32)  # the audio just before _buf, already decoded
        self._offset = 0.0  # time of _buf[0] in the answer
        self._levels: list[np.ndarray] = []  # frame levels of the whole answer so far
        self._words: list[Word] = []
        self._speech: list[Interval] = []
        self._unrec: list[Interval] = []
        self._pieces: list[dict] = []
        self._total = 0
        self._error: BaseException | None = None
        self._aborted = False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="live-asr", daemon=True)
        self._thread.start()

    # -- called from the recorder's thread
    def feed(self, chunk) -> None:
        """Accept a :class:`voicecoach.sound.recorder.Chunk` (or anything with samples/final)."""
        self._q.put((np.asarray(chunk.samples, dtype=np.float32), bool(chunk.final)))

    def close(self) -> None:
        """No more audio (use when the recorder ended without a final chunk)."""
        self._q.put(None)

    def abort(self, timeout: float = 30.0) -> None:
        """Stop without decoding what is left, and wait for a decode in progress."""
        self._aborted = True
        self._q.put(None)
        self._thread.join(timeout)

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
        # the lead-in is there so that the first word is heard whole: its words were kept
        words = [w for w in piece.words if sum(times(w)) / 2 >= self._offset]
        if words and self._words and _same(words[0], self._words[-1]):
            words = words[1:]
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
        self._pieces.append(info)
        self._offset = end
        self._lead = np.concatenate([self._lead, self._buf[:n]])[-int(LEAD_S * SAMPLE_RATE) :]
        self._buf = self._buf[n:]

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

    def _prime(self) -> None:
        n = len(self._pieces)
        if self._primed == n or self.on_piece is None:
            return
        self._primed = n
        # priming is an optimisation: whatever goes wrong, the final score decides
        with contextlib.suppress(Exception):
            self.on_piece(" ".join(w.text.strip() for w in self._words if w.text.strip()))

    def _run(self) -> None:
        try:
            while True:
                item = self._q.get()
                if self._aborted:
                    return
                final = item is None or item[1]
                if item is not None and len(item[0]):
                    self._buf = np.concatenate([self._buf, item[0]])
                    self._levels.append(frame_db(item[0]))
                    self._total += len(item[0])
                if final:
                    if len(self._buf) and activity(
                        self._buf, vad_stretches(self._buf), floor_db=self._floor()
                    ):
                        self._decode(len(self._buf), "stop")
                    return
                if self.on_piece is not None and self._pieces and self._q.empty():
                    self._prime()
                # skip ahead when more audio is already waiting: cut on the latest picture
                while self._q.empty():
                    plan = self._plan()
                    if plan is None:
                        break
                    kind, n = plan
                    if kind == "silence":
                        self._offset += n / SAMPLE_RATE
                        self._lead = self._buf[:n][-int(LEAD_S * SAMPLE_RATE) :]
                        self._buf = self._buf[n:]
                    else:
                        self._decode(n, kind, carry=kind == "word-end")
        except BaseException as e:  # surfaced by finish()
            self._error = e
        finally:
            self._done.set()

    def finish(self, timeout: float | None = None) -> Transcript:
        """Wait for the last piece and return the transcript of the whole answer."""
        if not self._done.wait(timeout):
            raise TimeoutError("transcription did not finish in time")
        if self._error is not None:
            raise self._error
        duration = round(self._total / SAMPLE_RATE, 3)
        info = {
            "pieces": self._pieces,
            "mode": "live",
            "fallbacks": [f for p in self._pieces for f in p.get("fallbacks", [])],
        }
        words = sorted(self._words, key=lambda w: times(w)[0])
        return Transcript.from_words(
            words, duration=duration, speech=self._speech, unrecognized=self._unrec, info=info
        )
