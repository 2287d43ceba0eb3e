"""Files on disk: atomic writes, content hashes and the user's data folders.

Everything voicecoach writes goes through :func:`atomic_write_bytes` (a temporary file in
the same folder, fsync, then rename), so a crash or Ctrl-C never leaves half a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from voicecoach.errors import UserError

APP = "voicecoach"


def package_text(name: str) -> str:
    """A data file shipped inside the package (``voicecoach/data/NAME``), as text."""
    return resources.files("voicecoach").joinpath("data", name).read_text(encoding="utf-8")


def now_iso() -> str:
    """The current time in UTC, ISO 8601 to the second."""
    return datetime.now(UTC).isoformat(timespec="seconds")


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


def data_dir() -> Path:
    """Where sessions and the history database live (``VOICECOACH_HOME`` overrides)."""
    env = os.environ.get("VOICECOACH_HOME")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP, appauthor=False))


def sessions_dir(override: str | os.PathLike | None = None) -> Path:
    return Path(override).expanduser() if override else data_dir() / "sessions"


def ensure_dir(path: str | os.PathLike) -> Path:
    p = Path(path)
    try:
        p.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise UserError(f"{p} exists and is not a folder; choose another path") from None
    except PermissionError:
        raise UserError(
            f"cannot create {p}: permission denied; choose a folder you can write to"
        ) from None
    except OSError as e:
        raise UserError(f"cannot create {p}: {e.strerror}") from None
    return p


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a
    partial one."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: object, indent: int | None = 2) -> None:
    atomic_write_text(path, json.dumps(obj, indent=indent, ensure_ascii=False) + "\n")


def file_sha256(path: str | os.PathLike, chunk: int = 1 << 20, h=None) -> str:
    """SHA-256 of a file's bytes, read in blocks (``h``: a hash object to feed instead)."""
    h = h or hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()
