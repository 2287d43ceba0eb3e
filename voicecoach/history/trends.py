"""Trends over the history database: per week, per question, best vs latest attempt.

All figures are plain dicts (JSON-ready) so the terminal table, ``--json`` and the HTML
report share them.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
from datetime import datetime
from pathlib import Path

from voicecoach.history.db import connect, db_path, transaction
from voicecoach.history.record import flush_pending, pending_path
from voicecoach.scoring.result import Result


def load_rows(question_id: str | None = None, path: str | os.PathLike | None = None) -> list[dict]:
    """Stored answers, oldest first (without the full result JSON)."""
    sql = (
        "SELECT key, source, session_id, recorded_at, question_id, question, overall, "
        "coverage, points_total, points_covered, filler_count, filler_rate, words, wpm, "
        "duration_s, red_flags, audio_path, result_json FROM answers"
    )
    args: tuple = ()
    if question_id:
        sql += " WHERE question_id = ?"
        args = (question_id,)
    with connect(path) as con:
        if pending_path(path).is_file():  # answers kept while the database was locked
            with contextlib.suppress(sqlite3.Error), transaction(con):
                flush_pending(con, Path(path) if path else db_path())
        rows = [dict(r) for r in con.execute(sql + " ORDER BY recorded_at, key", args)]
    for r in rows:
        res = Result.from_dict(json.loads(r.pop("result_json")))
        r["missed"] = [p.label for p in res.coverage.missed]
        r["red_flag_categories"] = sorted({h.category for h in res.red_flags})
    return rows


def week_of(ts: str) -> str:
    y, w, _ = datetime.fromisoformat(ts).isocalendar()
    return f"{y}-W{w:02d}"


def _mean(xs: list) -> float | None:
    xs = [x for x in xs if x is not None]
    return round(sum(xs) / len(xs), 1) if xs else None


def _figures(rows: list[dict]) -> dict:
    words = sum(r["words"] or 0 for r in rows)
    fillers = sum(r["filler_count"] or 0 for r in rows)
    return {
        "answers": len(rows),
        "overall": _mean([r["overall"] for r in rows]),
        "coverage": _mean([100 * r["coverage"] for r in rows if r["coverage"] is not None]),
        "filler_rate": round(100.0 * fillers / words, 2) if words else None,
        "wpm": _mean([r["wpm"] for r in rows]),
        "red_flags": sum(r["red_flags"] or 0 for r in rows),
        "red_flags_per_answer": round(sum(r["red_flags"] or 0 for r in rows) / len(rows), 2)
        if rows
        else None,
    }


def by_week(rows: list[dict]) -> list[dict]:
    weeks: dict[str, list[dict]] = {}
    for r in rows:
        weeks.setdefault(week_of(r["recorded_at"]), []).append(r)
    return [{"week": w, **_figures(rs)} for w, rs in sorted(weeks.items())]


def _attempt(r: dict) -> dict:
    return {
        k: r[k]
        for k in (
            "key",
            "source",
            "recorded_at",
            "overall",
            "coverage",
            "points_covered",
            "points_total",
            "filler_count",
            "filler_rate",
            "words",
            "wpm",
            "duration_s",
            "red_flags",
            "red_flag_categories",
            "missed",
            "audio_path",
        )
    }


def best_of(rows: list[dict]) -> dict:
    """The highest overall score; the later attempt wins a tie."""
    return max(rows, key=lambda r: (r["overall"], r["recorded_at"], r["key"]))


def by_question(rows: list[dict]) -> list[dict]:
    qs: dict[str, list[dict]] = {}
    for r in rows:
        qs.setdefault(r["question_id"], []).append(r)
    out = []
    for qid, rs in sorted(qs.items()):
        first, latest, best = rs[0], rs[-1], best_of(rs)
        out.append(
            {
                "question_id": qid,
                "question": latest["question"],
                **_figures(rs),
                "first": first["overall"],
                "best": best["overall"],
                "latest": latest["overall"],
                "change": latest["overall"] - first["overall"],
                "last_at": latest["recorded_at"],
            }
        )
    return out


def question_detail(question_id: str, path: str | os.PathLike | None = None) -> dict | None:
    """Every attempt at one question, with the best and the latest side by side."""
    rows = load_rows(question_id, path)
    return question_detail_from(rows, question_id) if rows else None


def trends(path: str | os.PathLike | None = None) -> dict:
    rows = load_rows(path=path)
    return {
        "answers": len(rows),
        "overall": _figures(rows) if rows else None,
        "weeks": by_week(rows),
        "questions": by_question(rows),
        "details": [
            question_detail_from(rows, q) for q in sorted({r["question_id"] for r in rows})
        ],
    }


def question_detail_from(rows: list[dict], question_id: str) -> dict:
    rs = [r for r in rows if r["question_id"] == question_id]
    return {
        "question_id": question_id,
        "question": rs[-1]["question"],
        "attempts": [_attempt(r) for r in rs],
        "best": _attempt(best_of(rs)),
        "latest": _attempt(rs[-1]),
    }
