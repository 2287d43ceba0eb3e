"""Input levels and an energy voice-activity detector for the recorder's meter and auto-stop."""

from __future__ import annotations

import math

import numpy as np

from voicecoach.asr.audio import SAMPLE_RATE

FRAME = 480  # 30 ms VAD frame at 16 kHz
SILENCE_DB = -120.0


def dbfs(x: np.ndarray) -> float:
    """RMS level of float samples in dBFS (-120 for digital silence)."""
    if x.size == 0:
        return SILENCE_DB
    rms = math.sqrt(float(np.mean(np.square(x, dtype=np.float64))))
    return max(SILENCE_DB, 20.0 * math.log10(rms)) if rms > 0 else SILENCE_DB


class EnergyVad:
    """Frame-wise speech/silence decision against a tracked noise floor.

    The floor follows quiet frames down at once and creeps up slowly (0.5 dB/s), so a steady
    fan hum raises it but a long sentence barely does. A frame is speech when it is
    ``margin_db`` above the floor and above ``min_speech_db``.
    """

    def __init__(
        self, margin_db: float = 12.0, min_speech_db: float = -55.0, floor_db: float = -90.0
    ) -> None:
        self.margin_db = margin_db
        self.min_speech_db = min_speech_db
        self.min_floor_db = floor_db
        self.floor: float | None = None
        self.rise_per_frame = 0.5 * FRAME / SAMPLE_RATE

    def is_speech(self, level_db: float) -> bool:
        level = max(level_db, self.min_floor_db)
        if self.floor is None or level < self.floor:
            self.floor = level
        else:
            self.floor = min(level, self.floor + self.rise_per_frame)
        return level > max(self.floor + self.margin_db, self.min_speech_db)
