"""The judge's output classes, shared with training."""

from __future__ import annotations

from voicecoach.banks import KINDS, RED_FLAG_CATEGORIES

CATEGORIES: tuple[str, ...] = ("none", *RED_FLAG_CATEGORIES)  # index 0: no red flag

__all__ = ["CATEGORIES", "KINDS"]
