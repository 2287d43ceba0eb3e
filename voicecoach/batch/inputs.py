"""What a batch scores: a manifest CSV or files and folders, each with its question."""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

from voicecoach.errors import UserError

AUDIO_EXTS = {
    ".wav",
    ".flac",
    ".mp3",
    ".ogg",
    ".oga",
    ".opus",
    ".m4a",
    ".aac",
    ".webm",
    ".mp4",
    ".wma",
    ".aiff",
    ".aif",
}


@dataclass(frozen=True)
class BatchInput:
    audio: str  # as given in the manifest or on the command line
    path: Path  # where the file is
    question: str
    company: str | None = None  # the employer, for the not-knowing-the-company red flag
    bank: str | None = None  # the bank (id or path) of this input only: a practice session's


def read_manifest(path: str | os.PathLike) -> list[BatchInput]:
    """Rows of a CSV with columns ``audio,question`` (and optionally ``company``, the employer
    that answer was practised for); paths relative to the CSV's folder."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{p}: no such manifest file") from None
    except OSError as e:
        raise UserError(f"{p}: cannot read ({e.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{p}: not UTF-8 text; save the manifest as UTF-8 CSV") from None
    rows = list(csv.DictReader(text.splitlines()))
    cols = {c.strip().lower() for c in (rows[0].keys() if rows else [])}
    if not rows or not {"audio", "question"} <= cols:
        raise UserError(
            f"{p}: needs a header row with columns 'audio,question' and at least "
            "one row (e.g. 'answers/q1.wav,bias-variance')"
        )
    out = []
    for row in rows:
        r = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        if not r.get("audio"):
            continue
        out.append(
            BatchInput(
                r["audio"], (p.parent / r["audio"]), r.get("question", ""), r.get("company") or None
            )
        )
    return out


def expand_inputs(paths: list[str], question: str) -> list[BatchInput]:
    """Files and folders (searched recursively for audio files) answering ``question``.
    A path that exists but is not a regular file or a folder (a FIFO, a device) is refused
    with one line before any work: reading it could block for ever."""
    out = []
    for s in paths:
        p = Path(s)
        if p.exists() and not p.is_dir():
            from voicecoach.asr.audio import check_audio_file  # light: PyAV loads lazily

            check_audio_file(p)
        if p.is_dir():
            found = sorted(
                f for f in p.rglob("*") if f.suffix.lower() in AUDIO_EXTS and f.is_file()
            )
            out += [BatchInput(str(f), f, question) for f in found]
        else:
            out.append(BatchInput(s, p, question))
    return out
