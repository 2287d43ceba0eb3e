"""One row of a batch's results: a scored :class:`~voicecoach.scoring.result.Result` (with
``audio``, ``audio_path`` and ``"error": null`` in its JSON), or a :class:`Failed` input."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voicecoach.scoring.result import SCHEMA, Result


@dataclass
class Failed:
    """An input that could not be scored, and why."""

    audio: str
    question_id: str
    error: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "audio": self.audio,
            "question_id": self.question_id,
            "overall": None,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Failed:
        return cls(str(d.get("audio") or ""), str(d.get("question_id") or ""), str(d["error"]))


Row = Result | Failed


def row_dict(row: Row) -> dict[str, Any]:
    """The JSON of one row (a scored row carries ``"error": null``)."""
    if isinstance(row, Failed):
        return row.to_dict()
    d = row.to_dict()
    d["error"] = None
    return d


def read_row(d: dict[str, Any]) -> Row:
    return Failed.from_dict(d) if d.get("error") else Result.from_dict(d)
