"""Record now, score later: practice sessions recorded with ``practice --record-only``,
scored by a batch run (on this machine or a cluster), their results written back into the
session, so it reviews, reports and enters the history as if scored while practising.

    from voicecoach.batch.sessions import score_sessions
    summary = score_sessions(["~/.local/share/voicecoach/sessions/2026-11-25T14-03-12-ml"])

The batch's own files (items, results.jsonl, summary.csv, index.html) go to ``out``
(default: ``SESSION/scoring`` for one session), so an interrupted scoring resumes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicecoach.batch.inputs import BatchInput
from voicecoach.batch.output import read_item
from voicecoach.batch.rows import Failed
from voicecoach.batch.run import BatchSummary, run_batch
from voicecoach.errors import UserError
from voicecoach.storage import now_iso

SESSION_FILE = "session.json"
WAITING = "recorded"  # the status of an answer recorded without scoring


def is_session(path: str | os.PathLike) -> bool:
    return (Path(path) / SESSION_FILE).is_file()


@dataclass(frozen=True)
class _Ref:
    folder: Path
    n: int  # the answer's number in its session


def _read(folder: Path) -> dict[str, Any]:
    path = folder / SESSION_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise UserError(f"{path} cannot be read ({e}); it is not a usable session") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("answers"), list):
        raise UserError(f"{path} is not a voicecoach session file")
    return doc


def session_inputs(folder: Path) -> tuple[list[BatchInput], list[_Ref]]:
    """The session's answers waiting to be scored, as batch inputs."""
    doc = _read(folder)
    bank_path = doc.get("bank_path")
    bank = bank_path if bank_path and Path(bank_path).is_file() else doc.get("bank")
    company = (doc.get("settings") or {}).get("company") or None
    inputs, refs = [], []
    for a in doc["answers"]:
        if isinstance(a, dict) and a.get("status") == WAITING and a.get("audio"):
            inputs.append(
                BatchInput(
                    f"{folder.name}/{a['audio']}",
                    folder / a["audio"],
                    str(a.get("question_id") or ""),
                    company,
                    str(bank) if bank else None,
                )
            )
            refs.append(_Ref(folder, int(a["n"])))
    return inputs, refs


def score_sessions(
    folders: list[str | os.PathLike],
    out: str | os.PathLike | None = None,
    history: bool = True,
    **run: Any,
) -> BatchSummary:
    """Score the waiting answers of ``folders`` with :func:`run_batch` (``run``: its other
    arguments, ``cluster`` included) and write the results into each session; with
    ``history``, add them to the progress history as practice answers. What was scored is
    written back even when the run is interrupted."""
    paths = [Path(f).expanduser().resolve() for f in folders]
    if out is None:
        if len(paths) != 1:
            raise UserError("several sessions: give --out FOLDER for the batch files")
        out = paths[0] / "scoring"
    inputs: list[BatchInput] = []
    refs: list[_Ref] = []
    for f in paths:
        ins, rs = session_inputs(f)
        inputs += ins
        refs += rs
    if not inputs:
        raise UserError(
            f"no answers waiting to be scored in {', '.join(str(p) for p in paths)} (they "
            "are scored already, or were not recorded with 'voicecoach practice --record-only')"
        )
    keys: list[str] = []

    def progress(s: BatchSummary, row: object) -> None:
        keys[:] = s.keys
        if run.get("on_progress"):
            run["on_progress"](s, row)

    try:
        summary = run_batch(inputs, None, out, history=False, **{**run, "on_progress": progress})
    finally:
        if keys:
            _write_back(Path(out), refs, keys, history)
    return summary


def _write_back(out: Path, refs: list[_Ref], keys: list[str], history: bool) -> None:
    from voicecoach.history.record import Entry, practice_key, record_results_quietly
    from voicecoach.practice.session import Session

    entries = []
    for folder in dict.fromkeys(r.folder for r in refs):
        doc = _read(folder)
        answers = {int(a["n"]): a for a in doc["answers"] if isinstance(a, dict) and "n" in a}
        changed = False
        for ref, key in zip(refs, keys, strict=True):
            a = answers.get(ref.n) if ref.folder == folder else None
            row = read_item(out, key) if a is not None and a.get("status") == WAITING else None
            if a is None or row is None:
                continue
            changed = True
            if isinstance(row, Failed):
                a["error"] = row.error
                continue
            row.audio = a["audio"]
            row.audio_path = str(folder / a["audio"])
            a.update(status="scored", result=row.to_dict(), error=None, scored_at=now_iso())
            sid = str(doc.get("id") or folder.name)
            entries.append(
                Entry(
                    row,
                    "practice",
                    practice_key(sid, ref.n, int(a.get("attempt") or 1)),
                    str(a.get("started_at") or doc.get("started_at") or ""),
                    row.audio_path,
                    sid,
                    str(folder),
                )
            )
        if changed:
            Session(folder, doc).save()
    if history and entries:
        record_results_quietly(entries)
