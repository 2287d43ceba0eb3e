"""Microphone capture for an answer: sounddevice InputStream -> queue -> worker thread.

The PortAudio callback only copies each block into a queue. A worker thread then
  * appends the samples to a WAV/FLAC file and flushes it about twice a second (libsndfile
    rewrites the header on flush, so Ctrl-C, a crash or a kill leaves a readable partial file),
  * keeps a level meter (RMS dBFS of the last ~100 ms),
  * runs an energy voice-activity detector with a noise-floor estimate, and stops the recording
    after ``auto_stop_s`` of trailing silence once speech has been heard. Before stopping, the
    trailing audio is checked with faster-whisper's Silero VAD (when installed), which vetoes a
    stop while someone is still talking over noise (energy alone stopped mid-sentence at
    ~8 dB SNR; Silero costs ~10 ms per check),
  * flags a muted microphone (digital silence: every sample exactly zero for ``mute_check_s``),
  * hands out ~``chunk_seconds`` float32 chunks (``on_chunk`` hook and :meth:`Recorder.chunks`)
    so the caller can transcribe while the candidate is still speaking.

Audio is captured as 16 kHz mono int16 (the file gets the exact samples the device gave);
chunks are float32 in [-1, 1).
"""

from __future__ import annotations

import queue
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from voicecoach.asr.audio import SAMPLE_RATE
from voicecoach.sound.devices import AudioDeviceError, import_sounddevice, resolve_device
from voicecoach.sound.levels import FRAME, SILENCE_DB, EnergyVad, dbfs
from voicecoach.sound.recording import (
    Chunk,
    RecordingResult,
    finish_flac,
    is_disk_full,
    open_error,
    write_error,
)


class Recorder:
    """Record one answer from an input device (see the module docstring).

    Use ``with Recorder(path) as rec: result = rec.wait()`` or ``result = Recorder(...).record()``.
    ``stop()`` may be called from any thread; ``level_db``, ``elapsed``, ``muted`` and
    ``speech_heard`` may be polled from a UI thread.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        device: str | int | None = None,
        auto_stop_s: float | None = 2.5,
        max_seconds: float | None = 300.0,
        chunk_seconds: float | None = 5.0,
        on_chunk: Callable[[Chunk], None] | None = None,
        min_speech_s: float = 0.25,
        mute_check_s: float = 1.0,
        blocksize: int = 800,
        flush_every_s: float = 0.5,
        vad: EnergyVad | None = None,
        latency: str | float = "low",
        silero: bool = True,
        reserve: str | Path | None = None,
    ) -> None:
        """``reserve``: a file of space kept back on the recording's disk; when the disk fills
        up it is deleted so the recording can still be finished (a valid FLAC header)."""
        self.path = Path(path) if path is not None else None
        self.reserve = Path(reserve) if reserve is not None else None
        self._disk_full = False
        self.device_spec = device
        self.auto_stop_s = auto_stop_s
        self.max_seconds = max_seconds
        self.chunk_seconds = chunk_seconds
        self.on_chunk = on_chunk
        self.min_speech_s = min_speech_s
        self.mute_check_s = mute_check_s
        self.blocksize = blocksize
        self.latency = latency
        self.flush_every = int(flush_every_s * SAMPLE_RATE)
        self.vad = vad or EnergyVad()
        self.silero = silero and auto_stop_s is not None
        self._recent = np.zeros(0, np.float32)  # the last auto_stop_s + 1 s, for Silero
        self.silero_vetoes = 0
        self._q: queue.Queue[np.ndarray | None] = queue.Queue()
        self._chunks: queue.Queue[Chunk | None] = queue.Queue()
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._stream = None
        self._file = None
        self._worker: threading.Thread | None = None
        self._stop_reason: str | None = None
        self._error: str | None = None
        self._device_name = ""
        # state written by the worker, read by the UI
        self._n = 0  # samples captured
        self._level = SILENCE_DB
        self._speech_frames = 0
        self._speech_end: float | None = None
        self._silence_run = 0
        self._nonzero = False
        self._overflows = 0
        self._pending: list[np.ndarray] = []
        self._pending_n = 0
        self._chunk_start = 0
        self._frame_buf = np.zeros(0, np.float32)
        self._since_flush = 0
        self._tail = np.zeros(1600, np.float32)
        self._flushes = 0
        self.disk_free: int | None = None  # bytes free where the recording goes (polled)

    # ---- public state -------------------------------------------------------------------
    @property
    def elapsed(self) -> float:
        """Seconds of audio captured so far."""
        return self._n / SAMPLE_RATE

    @property
    def level_db(self) -> float:
        """RMS level of the last ~100 ms in dBFS (-120 = digital silence)."""
        return self._level

    @property
    def speech_heard(self) -> bool:
        return self._speech_frames * FRAME >= self.min_speech_s * SAMPLE_RATE

    @property
    def muted(self) -> bool:
        """True while every sample so far is exactly zero and at least mute_check_s passed."""
        return not self._nonzero and self.elapsed >= self.mute_check_s

    @property
    def done(self) -> bool:
        return self._done.is_set()

    # ---- lifecycle ----------------------------------------------------------------------
    def start(self) -> Recorder:
        sd = import_sounddevice()
        dev = resolve_device(self.device_spec, "input")
        self._device_name = dev.name
        if self.path is not None:
            import soundfile as sf

            self.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self._file = sf.SoundFile(
                    str(self.path), "w", samplerate=SAMPLE_RATE, channels=1, subtype="PCM_16"
                )
            except (sf.LibsndfileError, OSError, TypeError, ValueError) as exc:
                raise AudioDeviceError(f"cannot write the recording to {self.path}: {exc}") from exc
        try:
            stream = sd.InputStream(
                samplerate=SAMPLE_RATE,
                channels=1,
                dtype="int16",
                device=dev.index,
                blocksize=self.blocksize,
                latency=self.latency,
                callback=self._callback,
            )
            self._stream = stream
            stream.start()
        except (sd.PortAudioError, ValueError) as exc:
            self._close_file()
            if self.path is not None:  # leave no empty recording behind
                self.path.unlink(missing_ok=True)
            raise AudioDeviceError(open_error(dev.name, exc)) from exc
        if self.silero:  # load the Silero model now (~0.1 s), not at the first stop
            threading.Thread(target=_silero_model, name="silero-load", daemon=True).start()
        self._worker = threading.Thread(target=self._work, name="recorder", daemon=True)
        self._worker.start()
        return self

    def stop(self, reason: str = "stop") -> RecordingResult:
        """Stop now (keeps what was captured) and return the result."""
        self._request_stop(reason)
        return self.wait()

    def wait(self, timeout: float | None = None) -> RecordingResult:
        """Block until the recording ends (auto-stop, max_seconds or stop())."""
        if self._worker is None:
            raise RuntimeError("Recorder.wait() before start()")
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._done.wait(0.05):
            if deadline is not None and time.monotonic() > deadline:
                self._request_stop("stop")
                deadline = None
        return self.result()

    def record(self) -> RecordingResult:
        """start() and wait(); Ctrl-C ends the recording cleanly (stopped_by="interrupt")."""
        self.start()
        try:
            return self.wait()
        except KeyboardInterrupt:
            return self.stop("interrupt")

    def result(self) -> RecordingResult:
        return RecordingResult(
            path=self.path,
            duration=self.elapsed,
            stopped_by=self._stop_reason or "stop",
            speech_heard=self.speech_heard,
            speech_end=self._speech_end,
            digital_silence=not self._nonzero,
            overflows=self._overflows,
            device=self._device_name,
            error=self._error,
            disk_full=self._disk_full,
        )

    def chunks(self) -> Iterator[Chunk]:
        """Yield chunks as they are recorded, ending after the final one."""
        if self.chunk_seconds is None:
            return
        while True:
            item = self._chunks.get()
            if item is None:
                return
            yield item

    def __enter__(self) -> Recorder:
        return self.start()

    def __exit__(self, exc_type, exc, tb) -> None:
        reason = (
            "interrupt"
            if exc_type is KeyboardInterrupt
            else ("error" if exc_type is not None else "stop")
        )
        if self._worker is not None:
            self.stop(reason)

    # ---- internals ----------------------------------------------------------------------
    def _callback(self, indata, frames, time_info, status) -> None:  # PortAudio thread
        if status and status.input_overflow:
            self._overflows += 1
        self._q.put(indata[:, 0].copy())

    def _request_stop(self, reason: str) -> None:
        with self._lock:
            if self._stop_reason is not None:
                return
            self._stop_reason = reason
            stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception as exc:  # noqa: BLE001 - closing must never raise at the user
                self._error = f"closing the input stream: {exc}"
        self._q.put(None)

    def _work(self) -> None:
        try:
            while True:
                block = self._q.get()
                if block is None:
                    break
                self._process(block)
        except Exception as exc:  # noqa: BLE001 - reported in the result, stream stopped
            where = self.path.parent if self.path is not None else None
            self._error = write_error(exc, where)
            self._disk_full = is_disk_full(exc, where)
            if self._disk_full and self.reserve is not None:
                self.reserve.unlink(missing_ok=True)  # room to finish the FLAC file
            with self._lock:
                if self._stop_reason is None:
                    self._stop_reason = "error"
                stream, self._stream = self._stream, None
            if stream is not None:
                stream.abort()
                stream.close()
        finally:
            self._emit_chunk(final=True)
            self._close_file()
            self._done.set()

    def _process(self, block: np.ndarray) -> None:
        if self._stop_reason in ("max_seconds", "silence"):  # the stop point is exact
            return
        if self.max_seconds is not None:
            room = int(self.max_seconds * SAMPLE_RATE) - self._n
            block = block[: max(room, 0)]
        if block.size == 0:
            return
        if self._file is not None:
            self._file.write(block)
            self._since_flush += block.size
            if self._since_flush >= self.flush_every:
                self._file.flush()
                self._since_flush = 0
                self._flushes += 1
                if self.path is not None and self._flushes % 4 == 0:  # every ~2 s
                    self.disk_free = shutil.disk_usage(self.path.parent).free
        if not self._nonzero and np.any(block):
            self._nonzero = True
        x = block.astype(np.float32) / 32768.0
        self._tail = np.concatenate([self._tail, x])[-1600:]
        self._level = dbfs(self._tail)
        self._vad(x)
        self._n += block.size
        if self.silero and self.auto_stop_s is not None:
            keep = int((self.auto_stop_s + 1.0) * SAMPLE_RATE)
            self._recent = np.concatenate([self._recent, x])[-keep:]
        if self.chunk_seconds is not None:
            self._pending.append(x)
            self._pending_n += x.size
            if self._pending_n >= self.chunk_seconds * SAMPLE_RATE:
                self._emit_chunk(final=False)
        if self.max_seconds is not None and self._n >= self.max_seconds * SAMPLE_RATE:
            self._request_stop("max_seconds")
        elif (
            self.auto_stop_s is not None
            and self.speech_heard
            and self._silence_run * FRAME >= self.auto_stop_s * SAMPLE_RATE
            and not self._silero_veto()
        ):
            self._request_stop("silence")

    def _silero_veto(self) -> bool:
        """True when Silero hears speech in the trailing auto_stop_s (then wait longer)."""
        if not self.silero or self.auto_stop_s is None:
            return False
        try:
            from faster_whisper.vad import VadOptions, get_speech_timestamps

            spans = get_speech_timestamps(
                self._recent,
                VadOptions(
                    min_silence_duration_ms=300, speech_pad_ms=0, min_speech_duration_ms=150
                ),
            )
        except Exception:  # noqa: BLE001 - no faster-whisper/onnxruntime: energy decides
            self.silero = False
            return False
        last_end = max((sp["end"] for sp in spans), default=0)
        quiet = self._recent.size - last_end  # samples since Silero's last speech
        if quiet >= self.auto_stop_s * SAMPLE_RATE:
            return False
        self.silero_vetoes += 1
        self._silence_run = quiet // FRAME
        self._speech_end = (self._n - quiet) / SAMPLE_RATE
        return True

    def _vad(self, x: np.ndarray) -> None:
        buf = np.concatenate([self._frame_buf, x])
        n_frames = buf.size // FRAME
        base = self._n - self._frame_buf.size  # sample index of buf[0]
        for i in range(n_frames):
            frame = buf[i * FRAME : (i + 1) * FRAME]
            if self.vad.is_speech(dbfs(frame)):
                self._speech_frames += 1
                self._silence_run = 0
                self._speech_end = (base + (i + 1) * FRAME) / SAMPLE_RATE
            else:
                self._silence_run += 1
        self._frame_buf = buf[n_frames * FRAME :]

    def _emit_chunk(self, final: bool) -> None:
        if self.chunk_seconds is None:
            return
        samples = np.concatenate(self._pending) if self._pending else np.zeros(0, np.float32)
        chunk = Chunk(start=self._chunk_start / SAMPLE_RATE, samples=samples, final=final)
        self._chunk_start += samples.size
        self._pending, self._pending_n = [], 0
        if samples.size or final:
            if self.on_chunk is not None:
                self.on_chunk(chunk)
            self._chunks.put(chunk)
        if final:
            self._chunks.put(None)

    def _close_file(self) -> None:
        f, self._file = self._file, None
        if f is not None:
            try:
                f.close()
            except Exception as exc:  # noqa: BLE001 - the samples written so far stay readable
                where = self.path.parent if self.path is not None else None
                self._error = self._error or write_error(exc, where)
                self._disk_full = self._disk_full or is_disk_full(exc, where)
        if self._disk_full and self.path is not None and self.path.exists():
            finish_flac(self.path, SAMPLE_RATE)  # the header libsndfile could not finish


def _silero_model() -> None:
    try:
        from faster_whisper.vad import get_vad_model

        get_vad_model()
    except Exception:  # noqa: BLE001, S110 - optional; _silero_veto falls back to energy
        pass
