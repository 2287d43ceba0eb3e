"""Audio file decoding for transcription: any common format in, 16 kHz mono float32 out.

Public API:

* :func:`probe` -- ``AudioInfo(duration_s, sample_rate, channels, codec)`` without decoding.
* :func:`load_audio` -- the whole file as one ``np.ndarray`` (float32, mono, ``sr`` Hz).
* :func:`iter_audio` -- the same samples as a generator of ``chunk_s``-second blocks, so a
  long recording (hours) is never held in memory at once.

Formats: anything FFmpeg (bundled in PyAV) decodes: wav, flac, mp3, ogg/opus, m4a/aac, webm...
Any sample rate; stereo and multichannel are downmixed to mono.

Problems the user can fix raise :class:`AudioError` with one line saying what is wrong.
Pure silence is valid audio (an array of near-zero samples), not an error.
PyAV (``av``) is imported inside the functions, so importing this module is cheap.
"""

from __future__ import annotations

import errno
import gc
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voicecoach.errors import UserError

SAMPLE_RATE = 16000


class AudioError(UserError):
    """An audio file that cannot be used; the message is one line meant for the user."""


@dataclass(frozen=True)
class AudioInfo:
    duration_s: float
    sample_rate: int
    channels: int
    codec: str


def check_audio_file(path: str | os.PathLike) -> Path:
    """``path`` if it is a regular, non-empty file; else :class:`AudioError` saying what it
    is (missing, a folder, a named pipe, a symlink loop, empty...)."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        if p.is_symlink():
            raise AudioError(f"{p} is a symlink to a file that does not exist") from None
        raise AudioError(f"{p}: no such file; audio file not found (check the path)") from None
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise AudioError(f"{p} is a symlink loop, not an audio file; fix the link") from None
        raise AudioError(f"{p} cannot be read: {e.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        raise AudioError(f"{p} is a folder, not an audio file; give the path of one recording")
    if stat.S_ISFIFO(st.st_mode):
        raise AudioError(
            f"{p} is a named pipe (FIFO), not a file; save the recording to a file first"
        )
    if not stat.S_ISREG(st.st_mode):
        raise AudioError(f"{p} is a device or special file, not an audio file")
    if st.st_size == 0:
        raise AudioError(f"{p} is empty (0 bytes); the recording was not saved, record it again")
    return p


_check_path = check_audio_file


def _open(p: Path):
    import av

    try:
        container = av.open(str(p), mode="r", metadata_errors="ignore")
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise AudioError(
            f"{p} is not a readable audio file (corrupt, or not audio despite its name): "
            f"{_short(exc)}"
        ) from None
    if not container.streams.audio:
        container.close()
        raise AudioError(f"{p} has no audio track; give a sound recording (wav, mp3, m4a...)")
    return container


def _short(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(text).splitlines()[0][:160]


def stated_duration(path: str | os.PathLike) -> float | None:
    """The length the file's container says it has (None when it says nothing)."""
    p = check_audio_file(path)
    container = _open(p)
    try:
        stream = container.streams.audio[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if container.duration is not None:
            return container.duration / 1_000_000
        return None
    finally:
        container.close()


def truncation_warning(path: str | os.PathLike, decoded_s: float) -> str | None:
    """A warning when fewer seconds decode than the container states (a cut-off copy)."""
    try:
        stated = stated_duration(path)
    except AudioError:
        return None
    if stated is None or stated - decoded_s <= max(1.0, 0.05 * stated):
        return None
    return (
        f"the recording seems cut off: the file says it is {stated:.1f} s long but only "
        f"{decoded_s:.1f} s could be decoded; scored on what was there"
    )


def probe(path: str | os.PathLike) -> AudioInfo:
    """Read a file's duration, native sample rate, channel count and codec name.

    The duration comes from the container when it states one; otherwise the file is decoded
    (streaming, constant memory) to count its samples.
    """
    p = _check_path(path)
    container = _open(p)
    try:
        stream = container.streams.audio[0]
        ctx = stream.codec_context
        sample_rate = int(ctx.sample_rate or stream.sample_rate or 0)
        channels = int(ctx.channels or 0)
        codec = ctx.name or "unknown"
        duration = None
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
    finally:
        container.close()
    if duration is None or duration <= 0:
        n = sum(len(c) for c in iter_audio(p, sr=SAMPLE_RATE, chunk_s=60.0))
        duration = n / SAMPLE_RATE
    return AudioInfo(duration_s=duration, sample_rate=sample_rate, channels=channels, codec=codec)


def iter_audio(
    path: str | os.PathLike, sr: int = SAMPLE_RATE, chunk_s: float = 30.0
) -> Iterator[np.ndarray]:
    """Yield the file's audio as float32 mono blocks of ``chunk_s`` seconds at ``sr`` Hz.

    Every block but the last has exactly ``round(chunk_s * sr)`` samples. Memory stays bounded
    by about one block whatever the file's length. Raises :class:`AudioError` on an unusable
    file (checked before the first block is yielded).
    """
    import av

    p = _check_path(path)
    block = max(1, int(round(chunk_s * sr)))
    container = _open(p)
    resampler = av.audio.resampler.AudioResampler(format="flt", layout="mono", rate=sr)
    pending: list[np.ndarray] = []
    n_pending = 0
    total = 0
    bad_frames = 0
    try:
        frames = container.decode(audio=0)
        while True:
            try:
                frame = next(frames)
            except StopIteration:
                frame = None
            except av.error.InvalidDataError:
                bad_frames += 1
                if bad_frames > 50 and total == 0:
                    raise AudioError(f"{p} is corrupt: no decodable audio frames") from None
                continue
            except av.error.FFmpegError as exc:
                if total == 0 and n_pending == 0:
                    raise AudioError(f"{p} could not be decoded: {_short(exc)}") from None
                break  # a truncated tail: keep what decoded
            if frame is not None:
                frame.pts = None
            for out in resampler.resample(frame):
                arr = out.to_ndarray().reshape(-1).astype(np.float32, copy=False)
                pending.append(arr)
                n_pending += len(arr)
            while n_pending >= block:
                buf = np.concatenate(pending)
                yield buf[:block].copy()
                total += block
                rest = buf[block:]
                pending, n_pending = [rest], len(rest)
            if frame is None:
                break
        if n_pending:
            total += n_pending
            yield np.concatenate(pending)
        if total == 0:
            raise AudioError(f"{p} contains no audio samples (0 s long); record it again")
    finally:
        container.close()
        del resampler
        gc.collect()  # PyAV resampler objects are freed late otherwise (faster-whisper #390)


def load_audio(path: str | os.PathLike, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Decode a whole file to one float32 mono array at ``sr`` Hz (values in [-1, 1]).

    For long recordings prefer :func:`iter_audio`, which keeps memory bounded.
    """
    chunks = list(iter_audio(path, sr=sr, chunk_s=60.0))
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
