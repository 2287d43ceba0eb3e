"""Playback to an output device: one sounddevice OutputStream fed from a queue."""

from __future__ import annotations

import queue
import threading

import numpy as np

from voicecoach.sound.devices import AudioDeviceError, import_sounddevice


def resample(x: np.ndarray, src: int, dst: int) -> np.ndarray:
    """Linear-interpolation resampling (good enough for speech playback)."""
    if src == dst or x.size == 0:
        return x.astype(np.float32, copy=False)
    n = int(round(x.size * dst / src))
    pos = np.arange(n, dtype=np.float64) * (src / dst)
    return np.interp(pos, np.arange(x.size), x).astype(np.float32)


class Player:
    """One OutputStream fed from a queue of float32 arrays; ends at finish()."""

    def __init__(self, device: int, samplerate: int, stop: threading.Event) -> None:
        self.sd = import_sounddevice()
        self.device = device
        self.src_rate = samplerate
        self.rate = samplerate
        self.stop_event = stop
        self.q: queue.Queue[np.ndarray | None] = queue.Queue()
        self.buf = np.zeros(0, np.float32)
        self.ended = False
        self.finished = threading.Event()
        self.stream = None

    def start(self, first: np.ndarray) -> None:
        """Open the stream and start playing ``first`` (queued before the stream starts)."""
        sd = self.sd
        try:
            sd.check_output_settings(self.device, channels=1, dtype="float32", samplerate=self.rate)
        except (sd.PortAudioError, ValueError):
            self.rate = int(sd.query_devices(self.device)["default_samplerate"])
        try:
            stream = sd.OutputStream(
                samplerate=self.rate,
                channels=1,
                dtype="float32",
                device=self.device,
                callback=self._callback,
                finished_callback=self.finished.set,
            )
            self.stream = stream
            self.put(first)
            stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            name = sd.query_devices(self.device)["name"]
            why = str(exc).splitlines()[0] if str(exc) else repr(exc)
            raise AudioDeviceError(
                f"cannot play on output device {name!r}: {why}; pick another with --output-device"
            ) from exc

    def put(self, samples: np.ndarray) -> None:
        self.q.put(resample(samples, self.src_rate, self.rate))

    def finish(self) -> None:
        self.q.put(None)

    def wait(self) -> None:
        while not self.finished.wait(0.05):
            if self.stop_event.is_set():
                break

    def close(self) -> None:
        stream, self.stream = self.stream, None
        if stream is not None:
            if self.stop_event.is_set():
                stream.abort()
            stream.close()

    def _callback(self, outdata, frames, time_info, status) -> None:
        if self.stop_event.is_set():
            outdata.fill(0)
            raise self.sd.CallbackAbort
        while self.buf.size < frames and not self.ended:
            try:
                item = self.q.get_nowait()
            except queue.Empty:
                break
            if item is None:
                self.ended = True
            else:
                self.buf = np.concatenate([self.buf, item])
        n = min(frames, self.buf.size)
        outdata[:n, 0] = self.buf[:n]
        outdata[n:, 0] = 0.0
        self.buf = self.buf[n:]
        if self.ended and self.buf.size == 0:
            raise self.sd.CallbackStop
