"""``voicecoach history --rebuild``: recreate the history database from the files.

The session folders (and the batch output folders the old database knew) are the source of
truth. The new database is built beside the old one and renamed over it, so a failure
leaves the old file as it was; the old file is locked (``BEGIN EXCLUSIVE``) meanwhile so no
answer is written to it and lost.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from voicecoach.history.db import (
    BUSY_TIMEOUT_S,
    COLUMNS,
    UPSERT,
    HistoryError,
    HistoryLocked,
    connect,
    db_path,
    transaction,
    translate,
)
from voicecoach.history.record import Entry, entries_of, insert
from voicecoach.storage import ensure_dir


@dataclass
class RebuildSummary:
    answers: int = 0
    sessions: int = 0
    batches: int = 0
    carried_over: int = 0  # `score` answers and answers whose folder is gone, from the old db
    old_readable: bool = True
    kept_aside: Path | None = None  # where an unreadable old database was copied
    warnings: list[str] = dataclasses.field(default_factory=list)


def rebuild(
    sessions: str | os.PathLike | None = None, path: str | os.PathLike | None = None
) -> RebuildSummary:
    """Recreate the database from the session folders (and the batch folders and one-off
    answers the old database knew, when it is readable). The new file is built beside the
    old one and renamed over it, so a failure leaves the old database as it was."""
    from voicecoach.review.source import SESSION_FILE, ReviewInputError, load_results, load_session
    from voicecoach.storage import sessions_dir

    p = Path(path) if path else db_path()
    ensure_dir(p.parent)
    s = RebuildSummary()
    old: list[dict] = []
    lock = None
    if p.exists() and p.stat().st_size:
        try:
            lock = sqlite3.connect(str(p), timeout=BUSY_TIMEOUT_S, isolation_level=None)
            lock.execute("BEGIN EXCLUSIVE")  # no other process writes while we rebuild
            lock.row_factory = sqlite3.Row
            old = [dict(r) for r in lock.execute("SELECT * FROM answers")]
        except sqlite3.Error as e:
            err = translate(e, p)
            if lock is not None:
                lock.close()
                lock = None
            if isinstance(err, HistoryLocked):
                raise err from None
            s.old_readable = False
            aside = p.with_name(f"{p.name}.damaged-{datetime.now().strftime('%Y%m%dT%H%M%S')}")
            shutil.copy2(p, aside)
            s.kept_aside = aside
            s.warnings.append(
                f"the old database could not be read ({e}); it is kept as {aside}. Answers "
                "that only it held (one-off `voicecoach score` runs, and batches whose "
                "folders it listed) could not be recovered; everything in your session "
                "folders is in the new one"
            )
    tmp = p.with_name(f".{p.name}.rebuild-{os.getpid()}")
    try:
        entries: list[Entry] = []
        root = sessions_dir(sessions)
        folders = (
            {f.resolve() for f in root.iterdir() if (f / SESSION_FILE).is_file()}
            if root.is_dir()
            else set()
        )
        folders |= {
            Path(r["origin"])
            for r in old
            if r["source"] == "practice"
            and r["origin"]
            and (Path(r["origin"]) / SESSION_FILE).is_file()
        }
        for f in sorted(folders):
            try:
                entries += entries_of(load_session(f))
                s.sessions += 1
            except ReviewInputError as e:
                s.warnings.append(f"skipped: {e}")
        first_seen = {r["key"]: r["recorded_at"] for r in old}
        for origin in sorted({r["origin"] for r in old if r["source"] == "batch" and r["origin"]}):
            jsonl = Path(origin) / "results.jsonl"
            if not jsonl.is_file():
                continue
            try:
                src = load_results(jsonl)
            except ReviewInputError as e:
                s.warnings.append(f"skipped: {e}")
                continue
            s.batches += 1
            for entry in entries_of(src):
                entry.recorded_at = first_seen.get(entry.key, entry.recorded_at)
                entries.append(entry)
        new_keys = {e.key for e in entries}
        kept = [r for r in old if r["key"] not in new_keys]
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        with connect(tmp) as con, transaction(con):
            s.answers = insert(con, entries)
            for r in kept:
                con.execute(UPSERT, tuple(r.get(c) for c in COLUMNS))
            s.carried_over = len(kept)
            s.answers += len(kept)
        os.replace(tmp, p)
        with contextlib.suppress(FileNotFoundError):  # a journal of the old file is stale
            p.with_name(p.name + "-journal").unlink()
    except sqlite3.Error as e:
        raise HistoryError(
            f"could not build the new history database {tmp} ({e}); the old "
            f"one is unchanged: check the free space in {p.parent}"
        ) from None
    finally:
        if lock is not None:
            lock.close()
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return s
