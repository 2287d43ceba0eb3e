"""Question banks: TOML files of interview questions, each with a rubric of key points.

The format is a public interface, documented in ``questions/README.md``. Loading is strict:
any problem raises :class:`BankError`, which names the file, the question id and the field.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from voicecoach.errors import UserError

T = TypeVar("T")

KINDS = ("technical", "behavioral", "closing")
RED_FLAG_CATEGORIES = (
    "overstating_skills",
    "false_promise",
    "negative_about_employer",
    "salary_too_early",
    "dismissive_teamwork",
    "inappropriate_language",
    "unprepared_company",
    "no_questions",
)


class BankError(UserError, ValueError):
    """A question bank could not be loaded. ``str(err)`` is one line fit for a user."""

    def __init__(
        self,
        file: str | Path,
        message: str,
        question: str | None = None,
        field_name: str | None = None,
    ) -> None:
        self.file = str(file)
        self.question = question
        self.field = field_name
        where = self.file
        if question:
            where += f": question '{question}'"
        if field_name:
            where += f", field '{field_name}'"
        super().__init__(f"{where}: {message}")


class QuestionNotFound(UserError, KeyError):
    """No question with this id in the banks searched; the message names the closest ids."""

    def __init__(self, question_id: str, banks: list[Bank], searched_all: bool = False) -> None:
        ids = [q.id for b in banks for q in b.questions]
        close = difflib.get_close_matches(question_id, ids, n=3, cutoff=0.6)
        where = "the bundled banks" if searched_all or not banks else f"bank '{banks[0].id}'"
        hint = (
            f"did you mean {' or '.join(repr(c) for c in close)}?"
            if close
            else f"{len(ids)} questions there"
        )
        see = "voicecoach questions list" + (
            "" if searched_all or not banks else f" --bank {banks[0].id}"
        )
        super().__init__(f"no question '{question_id}' in {where} ({hint}); see '{see}'")
        self.question_id = question_id

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


@dataclass(frozen=True)
class Point:
    """One key point of a good answer: its label (what the judge reads) and, optionally, phrases
    that make it word for word (what the rules match)."""

    id: str
    label: str
    phrases: tuple[str, ...] = ()
    weight: float = 1.0


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    kind: str
    points: tuple[Point, ...] = ()
    hint: str = ""
    model_answer: str = ""
    topic: str = ""
    # Red-flag categories this question makes likely; e.g. "no_questions" on a closing question.
    watch: tuple[str, ...] = ()


@dataclass(frozen=True)
class Bank:
    id: str
    title: str
    questions: tuple[Question, ...]
    path: Path | None = None
    description: str = ""
    _index: dict[str, Question] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({q.id: q for q in self.questions})

    def get(self, question_id: str) -> Question:
        """The question with this id; :class:`QuestionNotFound` (one line) otherwise."""
        try:
            return self._index[question_id]
        except KeyError:
            raise QuestionNotFound(question_id, [self]) from None

    def __contains__(self, question_id: object) -> bool:
        return question_id in self._index


def bundled_dir() -> Path:
    """The folder of bundled banks: inside the installed wheel, else the source checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "questions"
    if installed.is_dir():
        return installed
    return here.parent / "questions"


def bundled_banks() -> list[Path]:
    return sorted(bundled_dir().glob("*.toml"))


def resolve_bank(spec: str | Path) -> Path:
    """Turn a bank id ("ml-engineer") or a path into the path of a TOML file."""
    p = Path(spec)
    if p.suffix == ".toml" or p.exists() or "/" in str(spec):
        if not p.is_file():
            raise BankError(p, "no such file; give a bank id or the path of a .toml bank")
        return p
    for cand in bundled_banks():
        if cand.stem == str(spec):
            return cand
    ids = ", ".join(c.stem for c in bundled_banks()) or "none"
    raise BankError(
        str(spec),
        f"no bundled bank with this id (bundled: {ids}); "
        "give a bank id or the path of a .toml bank",
    )


def _str(d: dict, key: str, file: Path, qid: str | None, required: bool = True) -> str:
    val = d.get(key)
    if val is None:
        if required:
            raise BankError(file, "missing (it is required)", qid, key)
        return ""
    if not isinstance(val, str):
        raise BankError(file, f"must be a string, not {type(val).__name__}", qid, key)
    if required and not val.strip():
        raise BankError(file, "is empty", qid, key)
    return val.strip()


def _point(d: object, file: Path, qid: str, n: int) -> Point:
    if not isinstance(d, dict):
        raise BankError(file, f"points[{n}] must be a table", qid, "points")
    pid = _str(d, "id", file, qid)
    label = _str(d, "label", file, qid)
    phrases = d.get("phrases", [])
    if not isinstance(phrases, list) or ("phrases" in d and not phrases):
        raise BankError(
            file,
            f"point '{pid}' needs a non-empty list of phrases, or no "
            "phrases key at all (then the judge reads the label alone)",
            qid,
            "phrases",
        )
    clean: list[str] = []
    for ph in phrases:
        if not isinstance(ph, str) or not ph.strip():
            raise BankError(
                file, f"point '{pid}' has an empty or non-string phrase", qid, "phrases"
            )
        clean.append(ph.strip())
    weight = d.get("weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
        raise BankError(file, f"point '{pid}' weight must be a positive number", qid, "weight")
    return Point(id=pid, label=label, phrases=tuple(clean), weight=float(weight))


def _collect(problems: list[BankError] | None, make: Callable[..., T], *args: object) -> T | None:
    """``make(*args)``; a :class:`BankError` is raised, or with ``problems`` kept there (None
    returned) so validation can go on and list every problem."""
    try:
        return make(*args)
    except BankError as e:
        if problems is None:
            raise
        problems.append(e)
        return None


def _question(d: object, file: Path, n: int, problems: list[BankError] | None = None) -> Question:
    if not isinstance(d, dict):
        raise BankError(file, f"questions[{n}] must be a table", None, "questions")
    qid = _str(d, "id", file, f"#{n + 1}")
    text = _str(d, "text", file, qid)
    kind = d.get("kind", "technical")
    if kind not in KINDS:
        raise BankError(
            file, f"unknown kind {kind!r} (use one of: {', '.join(KINDS)})", qid, "kind"
        )
    raw_points = d.get("points", [])
    if not isinstance(raw_points, list):
        raise BankError(file, "must be an array of tables ([[questions.points]])", qid, "points")
    parsed = [_collect(problems, _point, p, file, qid, i) for i, p in enumerate(raw_points)]
    points = tuple(p for p in parsed if p is not None)
    seen: set[str] = set()
    for p in points:
        if p.id in seen:
            _collect(
                problems, _raise, BankError(file, f"duplicate point id '{p.id}'", qid, "points.id")
            )
        seen.add(p.id)
    if kind != "closing" and not raw_points:
        raise BankError(file, "needs at least one key point", qid, "points")
    watch = d.get("watch", [])
    if not isinstance(watch, list) or not all(isinstance(w, str) for w in watch):
        raise BankError(file, "must be a list of red-flag category names", qid, "watch")
    for w in watch:
        if w not in RED_FLAG_CATEGORIES:
            raise BankError(
                file,
                f"unknown red-flag category {w!r} (use: {', '.join(RED_FLAG_CATEGORIES)})",
                qid,
                "watch",
            )
    return Question(
        id=qid,
        text=text,
        kind=kind,
        points=points,
        hint=_str(d, "hint", file, qid, required=False),
        model_answer=_str(d, "model_answer", file, qid, required=False),
        topic=_str(d, "topic", file, qid, required=False),
        watch=tuple(watch),
    )


def _raise(e: BankError) -> None:
    raise e


def parse_bank(data: dict, file: Path, problems: list[BankError] | None = None) -> Bank:
    """The bank in ``data``. Strict (the first problem raises) unless ``problems`` is given:
    then every problem found is appended to it and the rest of the bank is still read."""
    bid = _collect(problems, _str, data, "id", file, None) or ""
    title = _collect(problems, _str, data, "title", file, None) or ""
    raw = data.get("questions")
    if not isinstance(raw, list) or not raw:
        raise BankError(file, "no questions (add [[questions]] tables)", None, "questions")
    parsed = [_collect(problems, _question, q, file, i, problems) for i, q in enumerate(raw)]
    questions = [q for q in parsed if q is not None]
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            _collect(problems, _raise, BankError(file, "duplicate question id", q.id, "id"))
        seen.add(q.id)
    return Bank(
        id=bid,
        title=title,
        questions=tuple(questions),
        path=file,
        description=_str(data, "description", file, None, required=False),
    )


def _read(path: Path) -> dict:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise BankError(path, f"cannot read: {e.strerror}") from None
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise BankError(path, "not UTF-8 text; save the bank as UTF-8") from None
    except tomllib.TOMLDecodeError as e:
        raise BankError(path, f"invalid TOML: {e}") from None


def validate_bank(spec: str | Path) -> tuple[Bank | None, list[BankError]]:
    """Every problem of a bank (empty list: it loads), and the bank when it does."""
    problems: list[BankError] = []
    try:
        path = resolve_bank(spec)
        bank = parse_bank(_read(path), path, problems)
    except BankError as e:
        return None, [*problems, e]
    return (None if problems else bank), problems


_loaded: dict[tuple[Path, str], tuple[tuple[int, int], Bank]] = {}


def load_bank(spec: str | Path) -> Bank:
    """Load and validate a bank by id or path. Raises :class:`BankError`.

    A bank is parsed once per process while its file is unchanged (same size and
    modification time): a batch looks each input's question up in every bundled bank."""
    path = resolve_bank(spec)
    try:
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
    except OSError:
        return parse_bank(_read(path), path)  # _read says what is wrong
    key = (path.resolve(), str(path))
    hit = _loaded.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    bank = parse_bank(_read(path), path)
    _loaded[key] = (stamp, bank)
    return bank


def all_banks() -> list[Bank]:
    return [load_bank(p) for p in bundled_banks()]


def find_question(question_id: str, bank: str | Path | None = None) -> tuple[Bank, Question]:
    """Find a question by id in ``bank``, or in any bundled bank when ``bank`` is None."""
    banks = [load_bank(bank)] if bank is not None else all_banks()
    for b in banks:
        if question_id in b:
            return b, b.get(question_id)
    raise QuestionNotFound(question_id, banks, searched_all=bank is None)
