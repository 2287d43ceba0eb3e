"""Transcribe an answer while it is being spoken, so feedback is ready when it ends.

The recorder hands over short chunks; a background thread adds them to a
:class:`voicecoach.asr.streaming.LiveDecoder`, which cuts the audio into short pieces at
natural boundaries, decodes each as it is complete, and refines them in longer windows when
it has nothing else to do. When the recording stops only the last phrase is left to decode
(usually nothing: it was decoded during the silence that ended the recording).
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import numpy as np

from voicecoach.asr.audio import SAMPLE_RATE
from voicecoach.asr.streaming import LiveDecoder
from voicecoach.transcript import Transcript


class LiveTranscriber:
    """Feed it chunks (``feed``); ``finish()`` returns the whole timed Transcript.

    ``model`` is a Future (or a callable) giving a loaded
    :class:`voicecoach.asr.transcribe.Transcriber`. ``on_piece`` is called with the
    transcript so far after each piece or refine but the last (practice uses it to let the
    judge read the finished sentences while the candidate still speaks). Other keywords go
    to :class:`voicecoach.asr.streaming.LiveDecoder`.
    """

    def __init__(
        self,
        model: Future | Callable[[], Any],
        context: str | None = None,
        on_piece: Callable[[str], None] | None = None,
        **tuning: Any,
    ):
        self.decoder = LiveDecoder(model, context, **tuning)
        self.context = context
        self.on_piece = on_piece
        self._primed = 0  # decoder version the judge has been shown
        self._q: queue.Queue[tuple[np.ndarray, bool] | None] = queue.Queue()
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

    def _prime(self) -> None:
        n = self.decoder.version
        if self._primed == n or self.on_piece is None:
            return
        self._primed = n
        # priming is an optimisation: whatever goes wrong, the final score decides
        with contextlib.suppress(Exception):
            self.on_piece(self.decoder.text())

    def _run(self) -> None:
        try:
            while True:
                item = self._q.get()
                if self._aborted:
                    return
                if item is not None:
                    self.decoder.add(item[0])
                if item is None or item[1]:
                    self.decoder.stop()
                    return
                if self.on_piece is not None and self.decoder.version and self._q.empty():
                    self._prime()
                # skip ahead when more audio is already waiting: cut on the latest picture
                while self._q.empty() and self.decoder.step():
                    pass
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
        return self.decoder.transcript()


def replay(decoder: LiveDecoder, audio: np.ndarray, chunk_s: float = 0.5) -> float:
    """Feed ``audio`` to ``decoder`` in chunks on a simulated real-time clock, as the live
    thread would see it on this machine without playing it; return the seconds from the end
    of the audio to the transcript being ready.

    While a piece decodes (for as long as it really takes), the chunks that would have
    arrived meanwhile wait and are added together, so pieces are cut where a session on this
    machine would cut them."""
    c = max(1, int(chunk_s * SAMPLE_RATE))
    chunks = [audio[i : i + c] for i in range(0, len(audio), c)]
    arrive = [min(len(audio), (i + 1) * c) / SAMPLE_RATE for i in range(len(chunks))]
    t, i, idle = 0.0, 0, True
    while True:
        if idle and i < len(chunks):
            t = max(t, arrive[i])  # wait for the next chunk
        while i < len(chunks) and arrive[i] <= t + 1e-9:
            decoder.add(chunks[i])
            i += 1
        t0 = time.perf_counter()
        if i == len(chunks):  # the last chunk is the final one: the recording stopped
            decoder.stop()
            return t + time.perf_counter() - t0 - (arrive[-1] if arrive else 0.0)
        idle = not decoder.step()
        t += time.perf_counter() - t0
