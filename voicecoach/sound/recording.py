"""What a recording hands out and ends with: chunks while it runs, a result at the end, and
one-line messages for what can go wrong with the device or the file."""

from __future__ import annotations

import errno
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voicecoach.asr.audio import SAMPLE_RATE


@dataclass(frozen=True)
class Chunk:
    """A piece of the answer: ``samples`` (float32 mono) starting ``start`` s into it."""

    start: float
    samples: np.ndarray
    final: bool = False

    @property
    def end(self) -> float:
        return self.start + len(self.samples) / SAMPLE_RATE


@dataclass(frozen=True)
class RecordingResult:
    path: Path | None
    duration: float  # seconds of audio captured
    stopped_by: str  # "silence", "max_seconds", "stop", "interrupt", "error"
    speech_heard: bool
    speech_end: float | None  # time of the last speech frame, seconds into the recording
    digital_silence: bool  # every sample was exactly zero (muted microphone?)
    overflows: int
    device: str
    error: str | None = None
    disk_full: bool = False  # the recording stopped because the disk filled up


def is_disk_full(exc: BaseException, folder: Path | None = None) -> bool:
    """A write failed for want of space. libsndfile says only "System error." (no errno),
    so for its errors the free space left in ``folder`` decides."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    if "no space" in str(exc).lower():
        return True
    if folder is not None and "system error" in str(exc).lower():
        try:
            return shutil.disk_usage(folder).free < 64 * 1024
        except OSError:
            return False
    return False


def write_error(exc: BaseException, folder: Path | None = None) -> str:
    text = str(exc)
    if is_disk_full(exc, folder):
        return "the disk is full; the recording up to this point is kept"
    return f"{type(exc).__name__}: {text}"


def open_error(name: str, exc: Exception) -> str:
    msg = str(exc)
    low = msg.lower()
    if "unavailable" in low or "-9985" in msg or "busy" in low:
        return (
            f"input device {name!r} is busy or unavailable: close other programs using the "
            "microphone, or pick another with --input-device"
        )
    if "sample rate" in low:
        return (
            f"input device {name!r} cannot record at 16 kHz: pick the 'default' or 'pulse' "
            "device with --input-device"
        )
    return f"cannot open input device {name!r}: {msg.splitlines()[0] if msg else exc!r}"


# FLAC: "fLaC", a 4-byte block header, then STREAMINFO; its 36-bit total-samples field ends
# the 8 bytes at offset 18 (after block sizes, frame sizes, rate, channels and bit depth).
_TOTAL_AT = 18
_TOTAL_BITS = (1 << 36) - 1


def finish_flac(path: Path, samplerate: int) -> float:
    """Make a FLAC file that could not be closed cleanly (a full disk) readable: count the
    samples that decode and write that number into its header, in place, so no free space is
    needed. Returns the seconds kept; 0.0 when nothing decodes."""
    import soundfile as sf

    n = 0
    try:
        with sf.SoundFile(str(path)) as f:
            while True:
                block = f.read(samplerate, dtype="int16")
                if not len(block):
                    break
                n += len(block)
    except (sf.LibsndfileError, RuntimeError, OSError):
        pass  # the cut-off last frame: everything before it is kept
    try:
        with open(path, "r+b") as fh:
            if fh.read(4) != b"fLaC":
                return 0.0
            fh.seek(_TOTAL_AT)
            field = int.from_bytes(fh.read(8), "big")
            fh.seek(_TOTAL_AT)
            fh.write(((field & ~_TOTAL_BITS) | n).to_bytes(8, "big"))
    except OSError:
        return 0.0
    return n / samplerate
