"""A batch's output folder: one item file per input, and the aggregates built from them.

``items/<key>.json`` holds one row (:mod:`voicecoach.batch.rows`); ``results.jsonl``,
``summary.csv`` and ``index.html`` are rebuilt from the item files, atomically.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from voicecoach.batch.html import render_index
from voicecoach.batch.rows import Failed, Row, read_row, row_dict
from voicecoach.storage import atomic_write_json, atomic_write_text


def item_path(out: Path, key: str) -> Path:
    return out / "items" / f"{key}.json"


def write_item(out: Path, key: str, row: Row) -> None:
    atomic_write_json(item_path(out, key), row_dict(row))


def load_items(out: Path, audios: list[str], keys: list[str | None]) -> Iterator[Row]:
    """The rows of the inputs (named ``audios``) that have an item file, in input order."""
    for audio, key in zip(audios, keys, strict=True):
        if key is None or not item_path(out, key).is_file():
            continue
        row = read_row(json.loads(item_path(out, key).read_text(encoding="utf-8")))
        row.audio = audio  # the same audio may be listed twice under other names
        yield row


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


def write_aggregates(out: Path, audios: list[str], keys: list[str | None]) -> None:
    """Rebuild results.jsonl, summary.csv and index.html from the per-item files."""
    rows = list(load_items(out, audios, keys))
    atomic_write_text(
        out / "results.jsonl",
        "".join(json.dumps(row_dict(r), ensure_ascii=False) + "\n" for r in rows),
    )
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow(summary_row(r))
    atomic_write_text(out / "summary.csv", buf.getvalue())
    atomic_write_text(out / "index.html", render_index(rows))
