"""Files on disk: atomic writes, content hashes and the user's data folders.

Everything voicecoach writes goes through :func:`atomic_write_bytes` (a temporary file in
the same folder, fsync, then rename), so a crash or Ctrl-C never leaves half a file.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
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


def output_target(path: Path) -> Path:
    """Where to write an output the user named: a symlink is written through (its target is
    replaced); anything that exists and is not a regular file (a device such as /dev/null, a
    FIFO, a socket) is refused with one line, never replaced."""
    real = path.resolve() if path.is_symlink() else path
    if real.exists() and not real.is_file():
        kind = (
            "a folder"
            if real.is_dir()
            else "a named pipe (FIFO)"
            if stat.S_ISFIFO(real.stat().st_mode)
            else "a device or special file"
        )
        raise UserError(
            f"{path} is {kind}, not a regular file; choose another output path "
            "(or '-' for standard output)"
        )
    return real


def _new_file_mode(path: Path) -> int:
    """The mode a file written to ``path`` gets: the replaced file's, else 0666 less the
    umask (as ``open`` would give), not mkstemp's private 0600."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never a
    partial one."""
    path = Path(path)
    mode = _new_file_mode(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fchmod(fh.fileno(), mode)
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
