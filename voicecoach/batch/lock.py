"""One batch run at a time in an output folder: an advisory lock (``OUT/.lock``, flock).

A second run into the same folder while the first is still going is refused with one line
naming the first; runs one after the other share the folder (their results are merged, see
:mod:`voicecoach.batch.aggregate`). The lock goes with the process: a crash or a kill never
leaves the folder locked.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
from pathlib import Path

from voicecoach.errors import UserError
from voicecoach.storage import now_iso

LOCK = ".lock"


class OutFolderBusy(UserError):
    """Another batch run is writing to the same output folder."""


class OutLock:
    def __init__(self, out: Path) -> None:
        self.path = out / LOCK
        self._fd: int | None = None

    def __enter__(self) -> OutLock:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = _describe(os.read(fd, 4096))
            os.close(fd)
            raise OutFolderBusy(
                f"{self.path.parent} is in use by another batch run ({other}); wait for it "
                "to finish (its results go into the same files), or give another --out"
            ) from None
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": now_iso(),
            "command": " ".join([os.path.basename(sys.argv[0]), *sys.argv[1:]]),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing releases the lock
            self._fd = None


def _describe(raw: bytes) -> str:
    try:
        d = json.loads(raw.decode())
        return f"pid {d['pid']} on {d['host']}, started {d['started']}: {d['command']}"
    except (ValueError, KeyError, TypeError):
        return "details unknown"
