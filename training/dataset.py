"""The judge's training examples, built from the data files (see README.md).

Three kinds of example group, each one training step:

* :class:`AnswerGroup`: a whole marked answer cut into the judge's windows
  (:func:`voicecoach.judge.windows.split_windows`), with, per key point, which windows make it
  and, per window, its red-flag category (0 = none).
* :class:`StatementGroup`: statements for the key points of one question (``made`` and the
  kinds of not made), each read as one window.
* :class:`FlagGroup`: single red-flag statements and near misses, each with its question.

Every unit (an answer, a statement) goes to the dev split (calibration and model selection)
or to train by a hash of its text, so the split is the same on every run. ``exclude`` drops
every unit of the given ``bank/question`` keys (leave-question-out).
"""

from __future__ import annotations

import hashlib
import random
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from voicecoach.judge.labels import CATEGORIES, KINDS
from voicecoach.judge.windows import split_windows

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
DEV_SHARE = 0.12
# A window makes a point (or holds a flag) when it holds this share of the marked words;
# windows touching less than that are left out of that point's examples, as unclear.
COVER = 0.6


@dataclass(frozen=True)
class QuestionInfo:
    key: str  # "bank/question"
    text: str
    kind: str
    labels: dict[str, str]  # point id -> label
    bank_file: str = ""


@dataclass
class AnswerGroup:
    question: QuestionInfo
    windows: list[str]
    made: dict[str, list[int]]  # point id -> windows that make it
    unclear: dict[str, list[int]]  # point id -> windows that touch its evidence partly
    flags: list[int]  # per window: category index (0 none), -1 unclear
    uid: str = ""
    text: str = ""
    spans: list[tuple[int, int]] = field(default_factory=list)  # each window in ``text``
    points: frozenset[str] = frozenset()  # the points the answer makes (its marks)
    flag_marks: list[tuple[str, str]] = field(default_factory=list)  # (category, words)


@dataclass
class StatementGroup:
    question: QuestionInfo
    texts: list[str]
    points: list[str | None]  # the point each text makes, None when it makes none
    about: list[str]  # the point each text is about (made or not)
    kinds: list[str]  # "made", "negated", "bare", "wrong", "echo", "vague"


@dataclass
class FlagGroup:
    questions: list[str]
    kinds: list[str]
    texts: list[str]
    flags: list[int]


@dataclass
class Split:
    answers: list[AnswerGroup] = field(default_factory=list)
    statements: list[StatementGroup] = field(default_factory=list)
    flags: list[FlagGroup] = field(default_factory=list)


def questions() -> dict[str, QuestionInfo]:
    """Every bundled bank's questions."""
    out = {}
    paths = sorted((HERE.parent / "questions").glob("*.toml"))
    for path in paths:
        d = tomllib.loads(path.read_text(encoding="utf-8"))
        for q in d["questions"]:
            key = f"{d['id']}/{q['id']}"
            out[key] = QuestionInfo(
                key,
                q["text"],
                q.get("kind", "technical"),
                {p["id"]: p["label"] for p in q.get("points", [])},
                str(path),
            )
    return out


def is_dev(unit: str) -> bool:
    h = int(hashlib.sha256(unit.encode("utf-8")).hexdigest()[:8], 16)
    return h / 0xFFFFFFFF < DEV_SHARE


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _spans(text: str, quotes: str | list[str]) -> list[tuple[int, int]]:
    out = []
    for q in [quotes] if isinstance(quotes, str) else quotes:
        i = text.find(q)
        if i >= 0:
            out.append((i, i + len(q)))
    return out


def _share(win: tuple[int, int], spans: list[tuple[int, int]]) -> float:
    """How much of the marked words a window holds (or, for a long mark, how much of the
    window is marked)."""
    best = 0.0
    for s in spans:
        o = _overlap(win, s)
        if o:
            best = max(best, o / (s[1] - s[0]), o / max(1, win[1] - win[0]))
    return best


def answer_group(a: dict, q: QuestionInfo) -> AnswerGroup:
    text = a["text"]
    wins = [(w.start, w.end) for w in split_windows(text)]
    made: dict[str, list[int]] = {p: [] for p in q.labels}
    unclear: dict[str, list[int]] = {p: [] for p in q.labels}
    for pid, quotes in (a.get("evidence") or {}).items():
        spans = _spans(text, quotes)
        for i, w in enumerate(wins):
            s = _share(w, spans)
            if s >= COVER:
                made[pid].append(i)
            elif s > 0:
                unclear[pid].append(i)
    flags = [0] * len(wins)
    for f in a.get("flags", []):
        spans = _spans(text, f["text"])
        cat = CATEGORIES.index(f["category"])
        for i, w in enumerate(wins):
            s = _share(w, spans)
            if s >= COVER:
                flags[i] = cat
            elif s > 0 and flags[i] == 0:
                flags[i] = -1
    return AnswerGroup(
        q,
        [text[a_:b] for a_, b in wins],
        made,
        unclear,
        flags,
        a["id"],
        text,
        wins,
        frozenset(a.get("points", [])),
        [(f["category"], f["text"]) for f in a.get("flags", [])],
    )


NOT_MADE = ("negated", "bare", "wrong", "echo", "vague")


def question_keys(path: Path) -> frozenset[str]:
    """The ``bank/question`` keys listed in a file, one a line (``#`` starts a comment line),
    as in eval/lqo-questions.txt."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(x.strip() for x in lines if x.strip() and not x.startswith("#"))


def load(exclude: frozenset[str] = frozenset(), seed: int = 0) -> tuple[Split, Split]:
    """(train, dev) from every file under data/."""
    qs = questions()
    train, dev = Split(), Split()
    for f in sorted((DATA / "answers").glob("*.toml")):
        for a in tomllib.loads(f.read_text(encoding="utf-8"))["answer"]:
            key = f"{a['bank']}/{a['question']}"
            if key in exclude:
                continue
            g = answer_group(a, qs[key])
            (dev if is_dev(a["id"] + a["text"]) else train).answers.append(g)
    per_q: dict[tuple[str, bool], StatementGroup] = {}
    for f in sorted((DATA / "points").glob("*.toml")):
        for p in tomllib.loads(f.read_text(encoding="utf-8"))["point"]:
            key = f"{p['bank']}/{p['question']}"
            if key in exclude:
                continue
            for kind in ("made", *NOT_MADE):
                for text in p.get(kind, []):
                    d = is_dev(key + p["point"] + text)
                    g = per_q.setdefault((key, d), StatementGroup(qs[key], [], [], [], []))
                    g.texts.append(text)
                    g.points.append(p["point"] if kind == "made" else None)
                    g.about.append(p["point"])
                    g.kinds.append(kind)
    for (_, d), g in sorted(per_q.items()):
        (dev if d else train).statements.append(g)
    flags: dict[bool, list[tuple[str, str, str, int]]] = {False: [], True: []}
    for f in sorted((DATA / "flags").glob("*.toml")):
        for s in tomllib.loads(f.read_text(encoding="utf-8"))["statement"]:
            cat = 0 if s["flag"] == "none" else CATEGORIES.index(s["flag"])
            flags[is_dev(s["question"] + s["text"])].append(
                (s["question"], s["kind"], s["text"], cat)
            )
    rng = random.Random(seed)
    for d, rows in flags.items():
        rng.shuffle(rows)
        split = dev if d else train
        for i in range(0, len(rows), 24):
            chunk = rows[i : i + 24]
            split.flags.append(
                FlagGroup(
                    [r[0] for r in chunk],
                    [r[1] for r in chunk],
                    [r[2] for r in chunk],
                    [r[3] for r in chunk],
                )
            )
    assert all(k in KINDS for k in (q.kind for q in qs.values()))
    return train, dev


def describe(split: Split) -> str:
    n_win = sum(len(g.windows) for g in split.answers)
    n_st = sum(len(g.texts) for g in split.statements)
    n_fl = sum(len(g.texts) for g in split.flags)
    pos = sum(len(v) for g in split.answers for v in g.made.values())
    return (
        f"{len(split.answers)} answers ({n_win} windows, {pos} point-windows made), "
        f"{n_st} point statements, {n_fl} flag statements"
    )


if __name__ == "__main__":
    tr, dv = load()
    print("train:", describe(tr))
    print("dev:  ", describe(dv))
