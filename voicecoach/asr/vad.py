"""Where the speech is: Silero VAD stretches (bundled with faster-whisper), and where to cut
long audio into pieces."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from voicecoach.asr.audio import SAMPLE_RATE

Interval = tuple[float, float]


def vad_stretches(audio: np.ndarray, sr: int = SAMPLE_RATE) -> list[Interval]:
    """Fine-grained speech stretches (seconds) from Silero VAD; short pauses split them."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    if len(audio) < sr // 10:
        return []
    opts = VadOptions(
        threshold=0.5, min_silence_duration_ms=150, speech_pad_ms=30, min_speech_duration_ms=100
    )
    return [(c["start"] / sr, c["end"] / sr) for c in get_speech_timestamps(audio, opts, sr)]


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
