"""A batch's output folder: one item file per result, and the lines of summary.csv.

``items/<key>.json`` holds one row (:mod:`voicecoach.batch.rows`), written atomically the
moment it is scored; ``results.jsonl``, ``summary.csv`` and ``index.html`` are written from
the rows by :mod:`voicecoach.batch.aggregate`.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from voicecoach.batch.rows import Failed, Row, read_row, row_dict
from voicecoach.storage import atomic_write_json


def item_path(out: Path, key: str) -> Path:
    return out / "items" / f"{key}.json"


def write_item(out: Path, key: str, row: Row) -> None:
    atomic_write_json(item_path(out, key), row_dict(row))


SUMMARY_COLUMNS = [
    "audio",
    "question_id",
    "overall",
    "coverage",
    "filler_count",
    "fillers_per_100_words",
    "red_flags",
    "red_flag_categories",
    "wpm",
    "duration_s",
    "error",
]


def summary_row(row: Row) -> dict[str, Any]:
    if isinstance(row, Failed):
        return {"audio": row.audio, "question_id": row.question_id, "error": row.error}
    r = row
    return {
        "audio": r.audio,
        "question_id": r.question_id,
        "overall": r.overall,
        "coverage": r.coverage.score,
        "filler_count": r.fillers.count,
        "fillers_per_100_words": r.fillers.per_100_words,
        "red_flags": len(r.red_flags),
        "red_flag_categories": " ".join(sorted({h.category for h in r.red_flags})),
        "wpm": r.delivery.wpm,
        "duration_s": r.delivery.duration_s,
        "error": "",
    }


def summary_line(row: Row) -> str:
    """The row's line of summary.csv."""
    buf = io.StringIO()
    csv.DictWriter(buf, fieldnames=SUMMARY_COLUMNS, lineterminator="\n").writerow(summary_row(row))
    return buf.getvalue()


def summary_header() -> str:
    buf = io.StringIO()
    csv.DictWriter(buf, fieldnames=SUMMARY_COLUMNS, lineterminator="\n").writeheader()
    return buf.getvalue()


def read_item(out: Path, key: str) -> Row | None:
    """The row saved under ``key``, or None when there is none (or it cannot be read)."""
    try:
        return read_row(json.loads(item_path(out, key).read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
