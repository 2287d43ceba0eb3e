"""Practice sessions on disk (format: docs/session-format.md).

A :class:`Session` owns one folder; every change is saved at once with an atomic rewrite of
``session.json``, so a crash leaves the last complete state and Ctrl-C loses nothing.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from voicecoach.errors import UserError
from voicecoach.storage import atomic_write_json, ensure_dir, now_iso, sessions_dir

SCHEMA = "voicecoach.practice.session/1"
RESERVE = ".reserve"  # space kept back so session.json can still be saved on a full disk
RESERVE_BYTES = 512 * 1024


def _disk_full(e: OSError) -> bool:
    return e.errno in (errno.ENOSPC, errno.EDQUOT)


@dataclass
class Session:
    folder: Path
    data: dict = field(default_factory=dict)
    disk_full: bool = False  # the disk filled up: the reserve was used to save

    @classmethod
    def create(
        cls,
        bank_id: str,
        bank_path: str,
        model: str,
        settings: dict,
        root: str | Path | None = None,
    ) -> Session:
        base = ensure_dir(sessions_dir(root))
        stamp = datetime.now().strftime("%Y-%m-%dT%H-%M-%S")
        name = f"{stamp}-{re.sub(r'[^A-Za-z0-9_.-]', '_', bank_id)}"
        folder = base / name
        n = 2
        while folder.exists():
            folder = base / f"{name}-{n}"
            n += 1
        ensure_dir(folder)
        try:
            with open(folder / RESERVE, "wb") as fh:
                fh.write(b"\0" * RESERVE_BYTES)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as e:
            shutil.rmtree(folder, ignore_errors=True)
            if _disk_full(e):
                raise UserError(
                    f"not enough free space in {base} to start a session: free "
                    "some space (a session needs a few MB)"
                ) from None
            raise
        s = cls(
            folder,
            {
                "schema": SCHEMA,
                "id": folder.name,
                "started_at": now_iso(),
                "ended_at": None,
                "status": "running",
                "bank": bank_id,
                "bank_path": bank_path,
                "model": model,
                "settings": settings,
                "answers": [],
            },
        )
        s.save()
        return s

    @property
    def id(self) -> str:
        return self.data["id"]

    @property
    def answers(self) -> list[dict]:
        return self.data["answers"]

    def save(self) -> None:
        """Write session.json. On a full disk the space kept back at the start is given up
        so this save still succeeds (``disk_full`` is then set: stop recording)."""
        try:
            atomic_write_json(self.folder / "session.json", self.data)
        except OSError as e:
            reserve = self.folder / RESERVE
            if not _disk_full(e) or not reserve.exists():
                if _disk_full(e):
                    raise UserError(
                        f"the disk is full: {self.folder / 'session.json'} could "
                        "not be saved; free some space"
                    ) from None
                raise
            reserve.unlink()
            self.disk_full = True
            atomic_write_json(self.folder / "session.json", self.data)

    def audio_name(self, question_id: str) -> tuple[str, int, int]:
        """File name, answer number and attempt for a new answer to ``question_id``."""
        n = len(self.answers) + 1
        attempt = 1 + sum(1 for a in self.answers if a["question_id"] == question_id)
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", question_id)
        return f"{n:02d}-{safe}-{attempt}.flac", n, attempt

    def add_answer(self, answer: dict) -> None:
        self.answers.append(answer)
        self.save()

    def update_answer(self, n: int, **changes) -> None:
        for a in self.answers:
            if a["n"] == n:
                a.update(changes)
        self.save()

    def finish(self, status: str = "finished") -> None:
        self.data["status"] = status
        self.data["ended_at"] = now_iso()
        self.save()
        with contextlib.suppress(OSError):
            (self.folder / RESERVE).unlink()
