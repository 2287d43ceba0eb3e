"""Where the speech is: Silero VAD stretches (bundled with faster-whisper), sound above the
noise floor (which also holds the quiet, whispered or falsetto speech the VAD misses), and
where to cut long audio into pieces."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from voicecoach.asr.audio import SAMPLE_RATE
from voicecoach.asr.intervals import Interval, merge

FRAME_S = 0.02
DIGITAL_SILENCE_DB = -90.0  # frames below this are zeros or dither, never the noise floor
ABOVE_FLOOR_DB = 15.0  # sound this far above the noise floor is activity...
QUIETEST_DB = -55.0  # ...if it is also louder than this (dBFS)


def vad_stretches(audio: np.ndarray, sr: int = SAMPLE_RATE) -> list[Interval]:
    """Fine-grained speech stretches (seconds) from Silero VAD; short pauses split them."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if len(audio) < sr // 10:
        return []
    opts = VadOptions(
        threshold=0.5, min_silence_duration_ms=150, speech_pad_ms=30, min_speech_duration_ms=100
    )
    return [(c["start"] / sr, c["end"] / sr) for c in get_speech_timestamps(audio, opts, sr)]


def frame_db(audio: np.ndarray, sr: int = SAMPLE_RATE) -> np.ndarray:
    """Level of each 20 ms frame in dBFS."""
    n = int(FRAME_S * sr)
    usable = len(audio) // n * n
    if not usable:
        return np.zeros(0)
    frames = np.asarray(audio[:usable], dtype=np.float32).reshape(-1, n)
    return 10.0 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)


def noise_floor_db(audio: np.ndarray, sr: int = SAMPLE_RATE) -> float | None:
    """The level of the quietest tenth of the frames that are not digital silence (None when
    the audio is all digital silence)."""
    db = frame_db(audio, sr)
    live = db[db > DIGITAL_SILENCE_DB]
    if len(live) < 5:
        return None
    return float(np.percentile(live, 10))


def sound_stretches(
    audio: np.ndarray, sr: int = SAMPLE_RATE, floor_db: float | None = None
) -> list[Interval]:
    """Stretches where the level stands ``ABOVE_FLOOR_DB`` over the noise floor (estimated
    from ``audio`` unless given) and above ``QUIETEST_DB``: speech of any voice quality, but
    also breaths, laughter and knocks. Steady noise and silence give none."""
    db = frame_db(audio, sr)
    if floor_db is None:
        floor_db = noise_floor_db(audio, sr)
    if floor_db is None or not len(db):
        return []
    loud = db > max(floor_db + ABOVE_FLOOR_DB, QUIETEST_DB)
    iv: list[Interval] = []
    start = None
    for i, on in enumerate(np.append(loud, False)):
        if on and start is None:
            start = i
        elif not on and start is not None:
            iv.append((start * FRAME_S, i * FRAME_S))
            start = None
    return [(a, b) for a, b in merge(iv, 0.2) if b - a >= 0.1]


def activity(
    audio: np.ndarray,
    speech: list[Interval],
    sr: int = SAMPLE_RATE,
    floor_db: float | None = None,
) -> list[Interval]:
    """Where something is heard: the VAD's ``speech`` and the sound above the noise floor."""
    return merge(list(speech) + sound_stretches(audio, sr, floor_db), 0.05)


def array_blocks(audio: np.ndarray, block_s: float = 30.0) -> Iterator[np.ndarray]:
    """An in-memory recording (mono or multichannel) as mono float32 blocks."""
    audio = np.asarray(audio, dtype=np.float32)
    if audio.ndim != 1:
        audio = audio.mean(axis=1) if audio.shape[1] <= 8 else audio.mean(axis=0)
    n = int(block_s * SAMPLE_RATE)
    for i in range(0, len(audio), n):
        yield audio[i : i + n]


def cut_point(buf: np.ndarray, search_s: float = 30.0) -> int:
    """Sample index of the middle of the longest pause in the last ``search_s`` seconds."""
    start = max(0, len(buf) - int(search_s * SAMPLE_RATE))
    tail = vad_stretches(buf[start:])
    if not tail:
        return len(buf)
    gaps = [(b - a, a, b) for (_, a), (b, _) in zip(tail, tail[1:], strict=False)]
    gaps.append(
        (len(buf[start:]) / SAMPLE_RATE - tail[-1][1], tail[-1][1], len(buf[start:]) / SAMPLE_RATE)
    )
    _, a, b = max(gaps)
    return start + int((a + b) / 2 * SAMPLE_RATE) if b - a > 0.1 else len(buf)
