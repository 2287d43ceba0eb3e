"""What ``review``, ``report`` and ``history`` read: practice session folders and batch
``results.jsonl`` files, turned into a :class:`Source` of :class:`Answer` objects, each with
its typed :class:`~voicecoach.scoring.result.Result`. Nothing here imports speech libraries.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from voicecoach.errors import UserError
from voicecoach.scoring.result import Result, ResultFormatError
from voicecoach.storage import sessions_dir

SESSION_FILE = "session.json"
RESULTS_FILE = "results.jsonl"


class ReviewInputError(UserError):
    """A path that cannot be reviewed: missing, not a session, corrupt."""


@dataclass
class Answer:
    n: int  # position in the session or batch, from 1
    question_id: str
    question: str
    attempt: int = 1
    result: Result | None = None  # None: partial, skipped or failed
    audio_path: Path | None = None  # absolute, or None when unknown
    status: str = "scored"
    error: str | None = None
    label: str = ""  # a short name: the audio file's name
    recorded_at: str | None = None
    hint: str = ""  # from the question's bank, when it can be found
    model_answer: str = ""


@dataclass
class Source:
    kind: str  # "session" | "batch"
    path: Path  # the session folder, or the results.jsonl file
    title: str
    answers: list[Answer]
    info: dict = field(default_factory=dict)  # session.json minus answers
    warnings: list[str] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        return self.path if self.kind == "session" else self.path.parent

    @property
    def scored(self) -> list[Answer]:
        return [a for a in self.answers if a.result is not None]


# ---------------------------------------------------------------- locating input


def latest_session(root: Path) -> Path:
    """The newest session folder under ``root`` (folder names start with their time)."""
    if not root.is_dir():
        raise ReviewInputError(f"no sessions yet ({root} does not exist): run voicecoach practice")
    found = sorted(
        (p for p in root.iterdir() if (p / SESSION_FILE).is_file()),
        key=lambda p: (_started(p), p.name),
    )
    if not found:
        raise ReviewInputError(f"no sessions yet in {root}: run voicecoach practice")
    return found[-1]


def _started(folder: Path) -> str:
    try:
        return str(json.loads((folder / SESSION_FILE).read_text("utf-8")).get("started_at") or "")
    except (OSError, ValueError, AttributeError):
        return ""


def load_source(
    target: str | os.PathLike | None, sessions: str | os.PathLike | None = None
) -> Source:
    """A session folder, its session.json, a results.jsonl (or a folder holding one), a
    session id under the sessions folder, or (None) the latest session."""
    root = sessions_dir(sessions)
    if target is None:
        return load_session(latest_session(root))
    p = Path(target).expanduser()
    if not p.exists() and not p.is_absolute() and (root / p).is_dir():
        p = root / p  # a session id
    if not p.exists():
        raise ReviewInputError(
            f"{target}: no such file or folder; give a session folder, "
            "a session id or a results.jsonl file"
        )
    if p.is_dir():
        if (p / SESSION_FILE).is_file():
            return load_session(p)
        if (p / RESULTS_FILE).is_file():
            return load_results(p / RESULTS_FILE)
        raise ReviewInputError(
            f"{target}: not a session folder (no {SESSION_FILE}) or a batch "
            f"output folder (no {RESULTS_FILE})"
        )
    if p.name == SESSION_FILE:
        return load_session(p.parent)
    if p.suffix.lower() in (".jsonl", ".ndjson"):
        return load_results(p)
    raise ReviewInputError(f"{target}: not a session folder or a results.jsonl file")


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as e:
        raise ReviewInputError(f"{path}: cannot read ({e.strerror})") from None
    except UnicodeDecodeError:
        raise ReviewInputError(f"{path}: not UTF-8 text; is it the right file?") from None


def load_session(folder: Path) -> Source:
    path = folder / SESSION_FILE
    try:
        doc = json.loads(_read_text(path))
    except ValueError as e:
        raise ReviewInputError(
            f"{path} is damaged ({e}); the audio files beside it are "
            "intact, but this session cannot be reviewed"
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("answers", []), list):
        raise ReviewInputError(f"{path} is not a voicecoach session file")
    answers, warnings = [], []
    for i, a in enumerate(doc.get("answers") or [], 1):
        if not isinstance(a, dict):
            warnings.append(f"{path}: answer {i} is not an object; skipped")
            continue
        res = None
        if a.get("result") is not None:
            try:
                res = Result.from_dict(a["result"])
            except ResultFormatError:
                warnings.append(f"{path}: answer {i} has a malformed result; shown as unscored")
        audio = a.get("audio")
        answers.append(
            Answer(
                n=int(a.get("n") or i),
                question_id=str(a.get("question_id") or "?"),
                question=str(a.get("question") or (res.question if res else "")),
                attempt=int(a.get("attempt") or 1),
                result=res,
                audio_path=(folder / audio).resolve() if audio else None,
                status=str(a.get("status") or ("scored" if res else "unscored")),
                error=a.get("error"),
                label=str(audio or f"answer {i}"),
                recorded_at=a.get("started_at") or doc.get("started_at"),
            )
        )
    info = {k: v for k, v in doc.items() if k != "answers"}
    title = f"Session {doc.get('id') or folder.name}"
    _add_question_notes(answers, doc.get("bank_path"), doc.get("bank"))
    return Source("session", folder.resolve(), title, answers, info, warnings)


def load_results(path: Path) -> Source:
    """A batch results.jsonl; a broken line is skipped with a warning."""
    answers, warnings = [], []
    n = 0
    for lineno, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except ValueError:
            warnings.append(f"{path.name} line {lineno}: not valid JSON; skipped")
            continue
        err = d.get("error") if isinstance(d, dict) else None
        res = None
        if not err:
            try:
                res = Result.from_dict(d)
            except ResultFormatError:
                warnings.append(f"{path.name} line {lineno}: not a scored result; skipped")
                continue
        assert isinstance(d, dict)
        n += 1
        audio_path = d.get("audio_path")
        if not audio_path and d.get("audio"):
            audio_path = str(path.parent / d["audio"])
        answers.append(
            Answer(
                n=n,
                question_id=str(d.get("question_id") or "?"),
                question=str(d.get("question") or ""),
                result=res,
                audio_path=Path(audio_path).resolve() if audio_path else None,
                status="failed" if err else "scored",
                error=err,
                label=str(d.get("audio") or f"line {lineno}"),
            )
        )
    if not answers:
        raise ReviewInputError(
            f"{path}: no results in it" + (f" ({len(warnings)} broken line(s))" if warnings else "")
        )
    _add_question_notes(answers, None, None)
    return Source(
        "batch", path.resolve(), f"Batch {path.parent.name}/{path.name}", answers, {}, warnings
    )


def _add_question_notes(answers: list[Answer], bank_path: object, bank_id: object) -> None:
    """Each answer's hint and model answer, from the session's bank (when it is still there)
    or the bundled bank with the question; left empty when neither can be read."""
    from voicecoach.banks import BankError, all_banks, load_bank

    banks = []
    for ref in (bank_path, bank_id):
        if isinstance(ref, str) and ref:
            try:
                banks.append(load_bank(ref))
                break
            except BankError:
                continue
    with contextlib.suppress(BankError):
        banks += all_banks()
    for a in answers:
        for b in banks:
            if a.question_id in b:
                q = b.get(a.question_id)
                a.hint, a.model_answer = q.hint, q.model_answer
                break
