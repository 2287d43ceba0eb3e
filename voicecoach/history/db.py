"""The history database file: location, connection, schema migrations, errors.

The database (``history.sqlite`` in :func:`voicecoach.storage.data_dir`) is a cache of every
scored answer; the session folders and batch ``results.jsonl`` files are the source of truth
(:mod:`voicecoach.history.rebuild` recreates it from them). Its schema has a version
(``PRAGMA user_version``) and numbered migrations: opening a database written by an older
release applies the missing ones in one transaction, keeping every row. Writes are
transactions with a busy timeout; a locked or damaged file raises :class:`HistoryError` with
the fix.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from voicecoach.errors import UserError
from voicecoach.storage import data_dir, ensure_dir

DB_NAME = "history.sqlite"
BUSY_TIMEOUT_S = 5.0

# Numbered migrations: MIGRATIONS[n - 1] takes a database from version n - 1 to n. Only ever
# append; a released migration never changes.
MIGRATIONS: tuple[str, ...] = (
    # 1 (voicecoach 0.1.0): the answers table
    """
    CREATE TABLE IF NOT EXISTS answers (
      key TEXT PRIMARY KEY,
      source TEXT NOT NULL,
      source_key TEXT NOT NULL,
      session_id TEXT,
      origin TEXT,
      recorded_at TEXT NOT NULL,
      question_id TEXT NOT NULL,
      question TEXT,
      overall INTEGER NOT NULL,
      coverage REAL,
      points_total INTEGER,
      points_covered INTEGER,
      filler_count INTEGER,
      filler_rate REAL,
      words INTEGER,
      wpm REAL,
      duration_s REAL,
      red_flags INTEGER,
      audio_path TEXT,
      result_json TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS answers_by_question ON answers(question_id, recorded_at);
    CREATE INDEX IF NOT EXISTS answers_by_time ON answers(recorded_at);
    """,
    # 2: batch imports and rebuilds look answers up by the folder they came from
    "CREATE INDEX IF NOT EXISTS answers_by_origin ON answers(origin);",
)
SCHEMA_VERSION = len(MIGRATIONS)
COLUMNS = (
    "key",
    "source",
    "source_key",
    "session_id",
    "origin",
    "recorded_at",
    "question_id",
    "question",
    "overall",
    "coverage",
    "points_total",
    "points_covered",
    "filler_count",
    "filler_rate",
    "words",
    "wpm",
    "duration_s",
    "red_flags",
    "audio_path",
    "result_json",
)
UPSERT = (
    f"INSERT OR REPLACE INTO answers ({', '.join(COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(COLUMNS))})"
)


class HistoryError(UserError):
    """The history database cannot be used; the message says why and what to do."""


class HistoryLocked(HistoryError):
    pass


class HistoryCorrupt(HistoryError):
    pass


def db_path() -> Path:
    return data_dir() / DB_NAME


def translate(e: sqlite3.Error, path: Path) -> HistoryError:
    """The :class:`HistoryError` (one line, with the fix) for a sqlite3 error on ``path``."""
    msg = str(e)
    low = msg.lower()
    if isinstance(e, sqlite3.OperationalError) and ("locked" in low or "busy" in low):
        return HistoryLocked(
            f"history database {path} is locked ({msg}): another program or voicecoach "
            "process has it open; try again when it has finished (session files are not "
            "affected)"
        )
    if "full" in low:
        return HistoryError(
            f"history database {path} cannot be written: the disk is full "
            f"({msg}); free some space and try again"
        )
    if isinstance(e, sqlite3.OperationalError) and (
        "readonly" in low or "unable to open" in low or "disk i/o" in low
    ):
        return HistoryError(
            f"history database {path} cannot be written ({msg}); check the "
            "folder's permissions and free space"
        )
    return HistoryCorrupt(
        f"history database {path} is damaged ({msg}); run "
        "`voicecoach history --rebuild` to rebuild it from your session "
        "folders"
    )


def migrate(con: sqlite3.Connection, path: Path) -> int:
    """Bring the database up to :data:`SCHEMA_VERSION`; returns the version it had."""
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise HistoryError(
            f"history database {path} was made by a newer voicecoach "
            f"(schema {version}); upgrade voicecoach, or move the file "
            "away and run `voicecoach history --rebuild`"
        )
    if version < SCHEMA_VERSION:
        with transaction(con):
            for script in MIGRATIONS[version:]:
                for stmt in script.split(";"):
                    if stmt.strip():
                        con.execute(stmt)
            con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    return int(version)


@contextlib.contextmanager
def connect(path: str | os.PathLike | None = None) -> Iterator[sqlite3.Connection]:
    """An open, migrated database (autocommit; use :func:`transaction` to write)."""
    p = Path(path) if path else db_path()
    ensure_dir(p.parent)
    con = None
    try:
        con = sqlite3.connect(str(p), timeout=BUSY_TIMEOUT_S, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        migrate(con, p)
        yield con
    except sqlite3.Error as e:
        raise translate(e, p) from None
    finally:
        if con is not None:
            con.close()


@contextlib.contextmanager
def transaction(con: sqlite3.Connection, mode: str = "IMMEDIATE") -> Iterator[None]:
    con.execute(f"BEGIN {mode}")
    try:
        yield
    except BaseException:
        if con.in_transaction:  # SQLite rolls back by itself after some errors (disk full)
            con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
