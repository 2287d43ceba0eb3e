"""Transcribe an answer while it is being spoken, so feedback is ready when it ends.

The recorder hands over ~1 s chunks. A background thread keeps a buffer and, whenever the
buffer holds enough speech followed by a pause, decodes everything up to the middle of that
pause as one piece (with the question as context). When the candidate stops talking, the
last phrase is therefore already being decoded during the silence that precedes the stop;
at the stop only a short tail (if any) is left, and scoring takes milliseconds.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

import numpy as np

from voicecoach.asr.audio import SAMPLE_RATE
from voicecoach.asr.vad import vad_stretches
from voicecoach.transcript import Transcript, Word


def _speech(audio: np.ndarray) -> list[tuple[float, float]]:
    return vad_stretches(audio)


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
        min_piece_s: float = 3.0,
        pause_s: float = 0.5,
        max_piece_s: float = 25.0,
    ):
        self._model = model
        self.context = context
        self.min_piece = int(min_piece_s * SAMPLE_RATE)
        self.max_piece = int(max_piece_s * SAMPLE_RATE)
        self.pause_s = pause_s
        self._q: queue.Queue[tuple[np.ndarray, bool] | None] = queue.Queue()
        self._buf = np.zeros(0, np.float32)
        self._offset = 0.0  # time of _buf[0] in the answer
        self._words: list[Word] = []
        self._speech: list[tuple[float, float]] = []
        self._unrec: list[tuple[float, float]] = []
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

    def _decode(self, audio: np.ndarray) -> None:
        if not len(audio):
            return
        t0 = time.perf_counter()
        piece = self._transcriber().transcribe_piece(
            audio, offset=self._offset, context=self.context
        )
        self._words += piece.words
        self._speech += piece.speech
        self._unrec += piece.unrecognized
        info = dict(piece.info)
        info.update(
            offset=round(self._offset, 2),
            seconds=round(len(audio) / SAMPLE_RATE, 2),
            decode_s=round(time.perf_counter() - t0, 3),
        )
        self._pieces.append(info)
        self._offset += len(audio) / SAMPLE_RATE

    def _cut(self) -> int | None:
        """Where to cut the buffer now: the middle of the last pause after enough speech."""
        buf = self._buf
        if len(buf) < self.min_piece:
            return None
        stretches = _speech(buf)
        n = len(buf) / SAMPLE_RATE
        if not stretches:  # only silence so far: drop all but the last second
            keep = SAMPLE_RATE
            return len(buf) - keep if len(buf) > 2 * keep else None
        gaps = [
            (a_end, b_start)
            for (_, a_end), (b_start, _) in zip(stretches, stretches[1:], strict=False)
        ]
        gaps.append((stretches[-1][1], n))  # trailing silence (the answer may be ending)
        for a, b in reversed(gaps):
            if b - a >= self.pause_s and a * SAMPLE_RATE >= self.min_piece * 0.5:
                return int((a + min(b, a + 1.0)) / 2 * SAMPLE_RATE)
        if len(buf) >= self.max_piece:  # no pause: cut at the longest gap, or at the end
            if len(gaps) > 1:
                a, b = max(gaps[:-1], key=lambda g: g[1] - g[0])
                return int((a + b) / 2 * SAMPLE_RATE)
            return len(buf)
        return None

    def _run(self) -> None:
        try:
            while True:
                item = self._q.get()
                if self._aborted:
                    return
                final = item is None or item[1]
                if item is not None:
                    self._buf = np.concatenate([self._buf, item[0]])
                    self._total += len(item[0])
                if final:
                    self._decode(self._buf)
                    self._buf = np.zeros(0, np.float32)
                    return
                # skip ahead when more audio is already waiting: cut on the latest picture
                if not self._q.empty():
                    continue
                cut = self._cut()
                if cut:
                    head, self._buf = self._buf[:cut], self._buf[cut:]
                    if _speech(head):
                        self._decode(head)
                    else:
                        self._offset += len(head) / SAMPLE_RATE
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
        return Transcript.from_words(
            self._words, duration=duration, speech=self._speech, unrecognized=self._unrec, info=info
        )
