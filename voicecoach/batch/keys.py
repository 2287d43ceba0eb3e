"""Result keys: what makes two batch results the same.

An input's key hashes its audio bytes, the bank file, the question id, the company and the
decoding settings. The key names its item file (``items/<key>.json``), so a rerun (local or
on a cluster, the keys do not depend on where a file is scored) skips inputs already done.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from voicecoach.banks import find_question, resolve_bank
from voicecoach.batch.inputs import BatchInput
from voicecoach.errors import UserError
from voicecoach.storage import file_sha256

RESULT_VERSION = "2"  # bump when scoring changes make old results stale (2: the judge)
# Decoding for batch runs, chosen by bench/throughput.py (BENCHMARKS.md): beam 3 is the
# fastest setting that leaves the samples' key points, red flags and filler counts unchanged.
BATCH_BEAM = 3


def settings_key(bank_path: Path, model: str | None, options: dict[str, Any]) -> str:
    h = hashlib.sha256()
    h.update(Path(bank_path).read_bytes())
    h.update(
        json.dumps(
            {"model": model or "default", "options": options, "v": RESULT_VERSION}, sort_keys=True
        ).encode()
    )
    return h.hexdigest()


def item_key(inp: BatchInput, skey: str) -> str | None:
    """The input's key, or None when it is not a regular file (a FIFO would block hashing)."""
    try:
        if not inp.path.is_file():
            return None
        digest = file_sha256(inp.path)
    except OSError:
        return None
    company = f"|company={inp.company}" if inp.company else ""  # keys without one are unchanged
    return hashlib.sha256(f"{digest}|{inp.question}{company}|{skey}".encode()).hexdigest()[:24]


def missing_key(inp: BatchInput) -> str:
    """The key an input that cannot be read is remembered under (its name, not its bytes)."""
    return "missing-" + hashlib.sha256(inp.audio.encode()).hexdigest()[:16]


def bank_for(inp: BatchInput, bank: str | Path | None) -> Path:
    """The bank file an input's question is looked up in: the input's own (a practice
    session's), ``bank``, or the bundled bank that has the question (the first bundled bank
    when none has it: an error row later)."""
    if inp.bank is not None:
        return resolve_bank(inp.bank)
    if bank is not None:
        return resolve_bank(bank)
    try:
        b, _ = find_question(inp.question)
    except UserError:
        return resolve_bank("ml-engineer")
    assert b.path is not None
    return b.path
