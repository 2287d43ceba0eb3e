"""Every scored answer (practice, score, batch) in one SQLite database, for trends.

    from voicecoach.history import record_answer, record_answer_quietly
    record_answer_quietly(result, "practice", practice_key(session_id, n, attempt),
                          started_at, audio_path=..., session_id=session_id, origin=folder)

The database (``history.sqlite`` in :func:`voicecoach.storage.data_dir`) is a cache: the
session folders and batch ``results.jsonl`` files are the source of truth, and
``voicecoach history --rebuild`` (:mod:`voicecoach.history_rebuild`) recreates it from
them (answers from one-off ``voicecoach score`` runs exist only here and are carried over
when the old file is readable).
Each answer has a stable key, so recording it again replaces it. Writes are transactions
with a busy timeout; a locked or damaged file raises :class:`HistoryError` with the fix.
Trend queries live in :mod:`voicecoach.history_trends`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .errors import UserError
from .storage import data_dir, ensure_dir

DB_NAME = "history.sqlite"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 5.0
SOURCES = ("practice", "score", "batch")

_SCHEMA = """
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
"""
_COLUMNS = ("key", "source", "source_key", "session_id", "origin", "recorded_at",
            "question_id", "question", "overall", "coverage", "points_total",
            "points_covered", "filler_count", "filler_rate", "words", "wpm", "duration_s",
            "red_flags", "audio_path", "result_json")


class HistoryError(UserError):
    """The history database cannot be used; the message says why and what to do."""


class HistoryLocked(HistoryError):
    pass


class HistoryCorrupt(HistoryError):
    pass


def db_path() -> Path:
    return data_dir() / DB_NAME


# ---------------------------------------------------------------- keys

def practice_key(session_id: str, n: int, attempt: int = 1) -> str:
    return f"{session_id}/{n}/{attempt}"


def batch_key(out_dir: str | os.PathLike, audio: str, question_id: str) -> str:
    return f"{Path(out_dir).resolve()}::{audio}::{question_id}"


def score_key(audio_path: str | os.PathLike | None, recorded_at: str,
              text: str | None = None) -> str:
    """One `voicecoach score`/`score-text` run: the audio's bytes (or the text) and the time."""
    h = hashlib.sha256()
    if audio_path is not None:
        with contextlib.suppress(OSError), open(audio_path, "rb") as fh:
            while block := fh.read(1 << 20):
                h.update(block)
    h.update((text or "").encode())
    return f"{h.hexdigest()[:16]}@{utc_iso(recorded_at)}"


def utc_iso(ts: str | datetime | None) -> str:
    """An ISO 8601 time in UTC (naive times are taken as local); now when None or bad."""
    if isinstance(ts, str):
        try:
            ts = datetime.fromisoformat(ts.strip())
        except ValueError:
            ts = None
    if not isinstance(ts, datetime):
        ts = datetime.now(UTC)
    return ts.astimezone(UTC).isoformat(timespec="seconds")


# ---------------------------------------------------------------- connection

def _translate(e: sqlite3.Error, path: Path) -> HistoryError:
    msg = str(e)
    low = msg.lower()
    if isinstance(e, sqlite3.OperationalError) and ("locked" in low or "busy" in low):
        return HistoryLocked(f"history database {path} is locked by another voicecoach "
                             f"process ({msg}); try again when it has finished (session "
                             "files are not affected)")
    if isinstance(e, sqlite3.OperationalError) and ("readonly" in low or "unable to open"
                                                    in low or "disk i/o" in low):
        return HistoryError(f"history database {path} cannot be written ({msg}); check the "
                            "folder's permissions and free space")
    return HistoryCorrupt(f"history database {path} is damaged ({msg}); run "
                          "`voicecoach history --rebuild` to rebuild it from your session "
                          "folders")


@contextlib.contextmanager
def connect(path: str | os.PathLike | None = None) -> Iterator[sqlite3.Connection]:
    """An open, initialised database (autocommit; use :func:`transaction` to write)."""
    p = Path(path) if path else db_path()
    ensure_dir(p.parent)
    con = None
    try:
        con = sqlite3.connect(str(p), timeout=BUSY_TIMEOUT_S, isolation_level=None)
        con.row_factory = sqlite3.Row
        con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise HistoryError(f"history database {p} was made by a newer voicecoach "
                               f"(schema {version}); upgrade voicecoach, or move the file "
                               "away and run `voicecoach history --rebuild`")
        if version < SCHEMA_VERSION:
            with transaction(con):
                for stmt in _SCHEMA.split(";"):
                    if stmt.strip():
                        con.execute(stmt)
                con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        yield con
    except sqlite3.Error as e:
        raise _translate(e, p) from None
    finally:
        if con is not None:
            con.close()


@contextlib.contextmanager
def transaction(con: sqlite3.Connection, mode: str = "IMMEDIATE") -> Iterator[None]:
    con.execute(f"BEGIN {mode}")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


# ---------------------------------------------------------------- writing

@dataclass
class Entry:
    """One scored answer to store (the arguments of :func:`record_answer`)."""

    result: dict
    source: str
    source_key: str
    recorded_at: str
    audio_path: str | None = None
    session_id: str | None = None
    origin: str | None = None  # the session folder or batch output folder it came from

    @property
    def key(self) -> str:
        return f"{self.source}:{self.source_key}"


def _row(e: Entry) -> tuple:
    r = e.result
    if e.source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}, not {e.source!r}")
    pts = r["coverage"]["points"]
    stored = {k: v for k, v in r.items() if k not in ("audio", "audio_path", "error")}
    return (e.key, e.source, e.source_key, e.session_id, e.origin, utc_iso(e.recorded_at),
            r["question_id"], r.get("question"), int(r["overall"]), r["coverage"]["score"],
            len(pts), sum(1 for p in pts if p["covered"]), r["fillers"]["count"],
            r["fillers"]["per_100_words"], r["delivery"]["words"], r["delivery"].get("wpm"),
            r["delivery"].get("duration_s"), len(r["red_flags"]),
            str(e.audio_path) if e.audio_path else None,
            json.dumps(stored, ensure_ascii=False))


def _is_scored(r: object) -> bool:
    return isinstance(r, dict) and not r.get("error") and isinstance(r.get("overall"), int)


def insert(con: sqlite3.Connection, entries: Iterable[Entry]) -> int:
    """Upsert ``entries`` (call inside a transaction); unscored results are ignored."""
    sql = (f"INSERT OR REPLACE INTO answers ({', '.join(_COLUMNS)}) "
           f"VALUES ({', '.join('?' * len(_COLUMNS))})")
    n = 0
    for e in entries:
        if _is_scored(e.result):
            con.execute(sql, _row(e))
            n += 1
    return n


def record_entries(entries: Iterable[Entry], path: str | os.PathLike | None = None) -> int:
    """Store ``entries`` in one transaction (all or nothing). Raises :class:`HistoryError`."""
    entries = list(entries)
    with connect(path) as con, transaction(con):
        return insert(con, entries)


def record_answer(result: dict, source: str, source_key: str, recorded_at: str,
                  audio_path: str | os.PathLike | None = None, session_id: str | None = None,
                  origin: str | os.PathLike | None = None,
                  path: str | os.PathLike | None = None) -> bool:
    """Store one scored answer (again: replaces it). False if ``result`` is not scored."""
    e = Entry(result, source, source_key, recorded_at,
              str(audio_path) if audio_path else None, session_id,
              str(origin) if origin else None)
    return record_entries([e], path) == 1


def record_results_quietly(entries: Iterable[Entry], path: str | os.PathLike | None = None
                           ) -> bool:
    """Like :func:`record_entries` but never raises: prints one warning line to stderr."""
    try:
        record_entries(entries, path)
        return True
    except HistoryError as e:
        print(f"warning: not added to history: {e}", file=sys.stderr)
    except Exception as e:  # history must never break practice, score or batch
        print(f"warning: not added to history ({type(e).__name__}: {e}); run "
              "`voicecoach history --rebuild` later", file=sys.stderr)
    return False


def record_answer_quietly(result: dict, source: str, source_key: str, recorded_at: str,
                          audio_path: str | os.PathLike | None = None,
                          session_id: str | None = None,
                          origin: str | os.PathLike | None = None,
                          path: str | os.PathLike | None = None) -> bool:
    e = Entry(result, source, source_key, recorded_at,
              str(audio_path) if audio_path else None, session_id,
              str(origin) if origin else None)
    return record_results_quietly([e], path)


def entries_of(source) -> list[Entry]:
    """History entries for a loaded session or batch (:class:`report_data.Source`)."""
    out = []
    if source.kind == "session":
        sid = str(source.info.get("id") or source.path.name)
        for a in source.scored:
            out.append(Entry(a.result, "practice", practice_key(sid, a.n, a.attempt),
                             a.recorded_at or "", str(a.audio_path) if a.audio_path else None,
                             sid, str(source.path)))
    else:
        folder = source.path.parent
        stamp = datetime.fromtimestamp(source.path.stat().st_mtime, UTC).isoformat()
        for a in source.scored:
            out.append(Entry(a.result, "batch", batch_key(folder, a.label, a.question_id),
                             stamp, str(a.audio_path) if a.audio_path else None, None,
                             str(folder)))
    return out


def import_quietly(target: str | os.PathLike, path: str | os.PathLike | None = None) -> bool:
    """:func:`import_path` that never raises (for the end of `voicecoach batch`)."""
    try:
        import_path(target, path)
        return True
    except UserError as e:
        print(f"warning: not added to history: {e}", file=sys.stderr)
        return False


def import_path(target: str | os.PathLike, path: str | os.PathLike | None = None) -> int:
    """Add a session folder or batch results to the history; returns answers added."""
    from .report_data import load_source

    src = load_source(target)
    entries = entries_of(src)
    if src.kind == "batch":  # keep the first time we saw each batch answer
        with connect(path) as con:
            seen = {r["key"]: r["recorded_at"] for r in con.execute(
                "SELECT key, recorded_at FROM answers WHERE origin = ?", (str(src.folder),))}
        for e in entries:
            e.recorded_at = seen.get(e.key, e.recorded_at)
    return record_entries(entries, path)
