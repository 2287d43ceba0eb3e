"""Storing scored answers in the history: where each came from, stable keys, imports.

    from voicecoach.history import Provenance, record
    record(result, Provenance("practice", practice_key(session_id, n, attempt), started_at,
                              audio_path=..., session_id=session_id, origin=folder))

Each answer has a stable key (source + source key), so recording it again replaces it.
:func:`record_quietly` never raises: history must never break practice, score or batch.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import sqlite3
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicecoach.errors import UserError
from voicecoach.history.db import UPSERT, HistoryError, HistoryLocked, connect, db_path, transaction
from voicecoach.scoring.result import Result
from voicecoach.storage import atomic_write_text, file_sha256, utc_iso

if TYPE_CHECKING:
    from voicecoach.review.source import Source

SOURCES = ("practice", "score", "batch")


@dataclass
class Provenance:
    """Where a scored answer came from, and when."""

    source: str  # "practice" | "score" | "batch"
    source_key: str  # unique within the source (see the *_key functions)
    recorded_at: str
    audio_path: str | None = None
    session_id: str | None = None
    origin: str | None = None  # the session folder or batch output folder it came from

    @property
    def key(self) -> str:
        return f"{self.source}:{self.source_key}"


@dataclass
class Entry:
    """One scored answer to store: the result (or its JSON object) and its provenance."""

    result: Result | dict[str, Any]
    source: str
    source_key: str
    recorded_at: str
    audio_path: str | None = None
    session_id: str | None = None
    origin: str | None = None

    @classmethod
    def of(cls, result: Result | dict[str, Any], p: Provenance) -> Entry:
        return cls(
            result, p.source, p.source_key, p.recorded_at, p.audio_path, p.session_id, p.origin
        )

    @property
    def key(self) -> str:
        return f"{self.source}:{self.source_key}"


# ---------------------------------------------------------------- keys


def practice_key(session_id: str, n: int, attempt: int = 1) -> str:
    return f"{session_id}/{n}/{attempt}"


def batch_key(out_dir: str | os.PathLike, audio: str, question_id: str) -> str:
    return f"{Path(out_dir).resolve()}::{audio}::{question_id}"


def score_key(
    audio_path: str | os.PathLike | None, recorded_at: str, text: str | None = None
) -> str:
    """One `voicecoach score`/`score-text` run: the audio's bytes (or the text) and the time."""
    h = hashlib.sha256()
    if audio_path is not None:
        with contextlib.suppress(OSError):
            file_sha256(audio_path, h=h)
    h.update((text or "").encode())
    return f"{h.hexdigest()[:16]}@{utc_iso(recorded_at)}"


# ---------------------------------------------------------------- writing


def _scored(r: Result | dict[str, Any]) -> Result | None:
    """The result to store, or None for a failed input (a batch error row)."""
    if isinstance(r, Result):
        return r
    if r.get("error") or not isinstance(r.get("overall"), int):
        return None
    return Result.from_dict(r)


def _row(e: Entry, r: Result) -> tuple:
    if e.source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, not {e.source!r}")
    stored = {k: v for k, v in r.to_dict().items() if k not in ("audio", "audio_path", "error")}
    d = r.delivery
    return (
        e.key,
        e.source,
        e.source_key,
        e.session_id,
        e.origin,
        utc_iso(e.recorded_at),
        r.question_id,
        r.question,
        int(r.overall),
        r.coverage.score,
        r.coverage.total,
        r.coverage.made,
        r.fillers.count,
        r.fillers.per_100_words,
        d.words,
        d.wpm,
        d.duration_s,
        len(r.red_flags),
        str(e.audio_path) if e.audio_path else None,
        json.dumps(stored, ensure_ascii=False),
    )


def insert(con: sqlite3.Connection, entries: Iterable[Entry]) -> int:
    """Upsert ``entries`` (call inside a transaction); failed inputs are skipped."""
    n = 0
    for e in entries:
        r = _scored(e.result)
        if r is not None:
            con.execute(UPSERT, _row(e, r))
            n += 1
    return n


def record_entries(entries: Iterable[Entry], path: str | os.PathLike | None = None) -> int:
    """Store ``entries`` in one transaction (all or nothing), with any answers that were kept
    aside while the database was locked. Raises :class:`HistoryError`."""
    entries = list(entries)
    with connect(path) as con, transaction(con):
        flush_pending(con, _db(path))
        return insert(con, entries)


# ---------------------------------------------------------------- answers kept for later

PENDING = "history-pending.jsonl"


def _db(path: str | os.PathLike | None) -> Path:
    return Path(path) if path else db_path()


def pending_path(path: str | os.PathLike | None = None) -> Path:
    """Where answers wait while the database is locked: beside it."""
    return _db(path).with_name(PENDING)


def keep_pending(entries: list[Entry], path: str | os.PathLike | None = None) -> Path:
    """Keep ``entries`` in the pending file, to be stored the next time the history opens."""
    file = pending_path(path)
    old = file.read_text(encoding="utf-8") if file.is_file() else ""
    new = "".join(
        json.dumps({**dataclasses.asdict(e), "result": _as_dict(e.result)}, ensure_ascii=False)
        + "\n"
        for e in entries
    )
    atomic_write_text(file, old + new)
    return file


def _as_dict(r: Result | dict[str, Any]) -> dict[str, Any]:
    return r.to_dict() if isinstance(r, Result) else r


def flush_pending(con: sqlite3.Connection, path: Path) -> int:
    """Store the pending answers (inside the caller's transaction) and remove the file."""
    file = pending_path(path)
    if not file.is_file():
        return 0
    entries = []
    for line in file.read_text(encoding="utf-8").splitlines():
        try:
            entries.append(Entry(**json.loads(line)))
        except (ValueError, TypeError):
            continue  # a damaged line: the rest still goes in
    n = insert(con, entries)
    file.unlink()
    return n


def record(
    result: Result | dict[str, Any], p: Provenance, path: str | os.PathLike | None = None
) -> bool:
    """Store one scored answer (again: replaces it). False if ``result`` is not scored."""
    return record_entries([Entry.of(result, p)], path) == 1


def record_answer(
    result: Result | dict[str, Any],
    source: str,
    source_key: str,
    recorded_at: str,
    audio_path: str | os.PathLike | None = None,
    session_id: str | None = None,
    origin: str | os.PathLike | None = None,
    path: str | os.PathLike | None = None,
) -> bool:
    """:func:`record` with the provenance given field by field."""
    return record(
        result,
        Provenance(
            source,
            source_key,
            recorded_at,
            str(audio_path) if audio_path else None,
            session_id,
            str(origin) if origin else None,
        ),
        path,
    )


def record_results_quietly(entries: Iterable[Entry], path: str | os.PathLike | None = None) -> bool:
    """Like :func:`record_entries` but never raises: prints one warning line to stderr."""
    entries = list(entries)
    try:
        record_entries(entries, path)
        return True
    except HistoryLocked as e:
        try:
            kept = keep_pending(entries, path)
        except OSError:
            print(f"warning: not added to history: {e}", file=sys.stderr)
        else:
            print(
                f"warning: not added to history: {e}; the answer is kept in {kept} and "
                "will be added the next time the history is opened",
                file=sys.stderr,
            )
    except HistoryError as e:
        print(f"warning: not added to history: {e}", file=sys.stderr)
    except Exception as e:  # history must never break practice, score or batch
        print(
            f"warning: not added to history ({type(e).__name__}: {e}); run "
            "`voicecoach history --rebuild` later",
            file=sys.stderr,
        )
    return False


def record_quietly(result: Result, p: Provenance, path: str | os.PathLike | None = None) -> bool:
    return record_results_quietly([Entry.of(result, p)], path)


# ---------------------------------------------------------------- importing files


def entries_of(source: Source) -> list[Entry]:
    """History entries for a loaded session or batch."""
    out = []
    if source.kind == "session":
        sid = str(source.info.get("id") or source.path.name)
        for a in source.scored:
            assert a.result is not None
            out.append(
                Entry(
                    a.result,
                    "practice",
                    practice_key(sid, a.n, a.attempt),
                    a.recorded_at or "",
                    str(a.audio_path) if a.audio_path else None,
                    sid,
                    str(source.path),
                )
            )
    else:
        folder = source.path.parent
        stamp = datetime.fromtimestamp(source.path.stat().st_mtime, UTC).isoformat()
        for a in source.scored:
            assert a.result is not None
            out.append(
                Entry(
                    a.result,
                    "batch",
                    batch_key(folder, a.label, a.question_id),
                    stamp,
                    str(a.audio_path) if a.audio_path else None,
                    None,
                    str(folder),
                )
            )
    return out


def import_path(target: str | os.PathLike, path: str | os.PathLike | None = None) -> int:
    """Add a session folder or batch results to the history; returns answers added."""
    from voicecoach.review.source import load_source

    src = load_source(target)
    entries = entries_of(src)
    if src.kind == "batch":  # keep the first time we saw each batch answer
        with connect(path) as con:
            seen = {
                r["key"]: r["recorded_at"]
                for r in con.execute(
                    "SELECT key, recorded_at FROM answers WHERE origin = ?", (str(src.folder),)
                )
            }
        for e in entries:
            e.recorded_at = seen.get(e.key, e.recorded_at)
    return record_entries(entries, path)


def import_quietly(target: str | os.PathLike, path: str | os.PathLike | None = None) -> bool:
    """:func:`import_path` that never raises (for the end of `voicecoach batch`)."""
    try:
        import_path(target, path)
        return True
    except UserError as e:
        print(f"warning: not added to history: {e}", file=sys.stderr)
        return False
