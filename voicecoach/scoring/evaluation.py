"""Measure the scorer against hand-marked answers (the dev set in eval/devset/).

Each answer in a dev-set file is marked with the key points it makes, its filler count
and its red-flag categories. :func:`evaluate` scores every answer and reports coverage F1,
red-flag precision/recall and how often the filler count is exactly right.

Dev-set format (TOML)::

    [[answer]]
    id = "bv-01"
    bank = "ml-engineer"
    question = "bias-variance"
    text = "..."
    points = ["underfit", "overfit"]     # key points the answer makes
    fillers = 3                           # filler count (um/uh/like-as-filler/restarts...)
    red_flags = ["false_promise"]         # one entry per red-flag statement
"""

from __future__ import annotations

import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from voicecoach.banks import Bank, load_bank
from voicecoach.scoring.result import Result
from voicecoach.scoring.score import Settings, score_answer


@dataclass
class Case:
    id: str
    bank: str
    question: str
    text: str
    points: list[str]
    fillers: int
    red_flags: list[str]
    notes: str = ""


@dataclass
class Report:
    n: int = 0
    tp: int = 0
    fp: int = 0
    fn: int = 0
    flag_tp: int = 0
    flag_fp: int = 0
    flag_fn: int = 0
    filler_exact: int = 0
    filler_abs_err: int = 0
    errors: list[str] = field(default_factory=list)

    @staticmethod
    def _ratio(a: int, b: int) -> float:
        return a / b if b else 1.0

    @property
    def coverage_precision(self) -> float:
        return self._ratio(self.tp, self.tp + self.fp)

    @property
    def coverage_recall(self) -> float:
        return self._ratio(self.tp, self.tp + self.fn)

    @property
    def coverage_f1(self) -> float:
        p, r = self.coverage_precision, self.coverage_recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def flag_precision(self) -> float:
        return self._ratio(self.flag_tp, self.flag_tp + self.flag_fp)

    @property
    def flag_recall(self) -> float:
        return self._ratio(self.flag_tp, self.flag_tp + self.flag_fn)

    @property
    def filler_exact_rate(self) -> float:
        return self._ratio(self.filler_exact, self.n)

    def summary(self) -> dict:
        return {
            "answers": self.n,
            "coverage_precision": round(self.coverage_precision, 4),
            "coverage_recall": round(self.coverage_recall, 4),
            "coverage_f1": round(self.coverage_f1, 4),
            "red_flag_precision": round(self.flag_precision, 4),
            "red_flag_recall": round(self.flag_recall, 4),
            "filler_count_exact": round(self.filler_exact_rate, 4),
            "filler_mean_abs_error": round(self.filler_abs_err / self.n, 3) if self.n else 0,
        }


def load_cases(path: str | Path) -> list[Case]:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    return [
        Case(
            id=a["id"],
            bank=a.get("bank", "ml-engineer"),
            question=a["question"],
            text=a["text"],
            points=list(a.get("points", [])),
            fillers=int(a.get("fillers", 0)),
            red_flags=list(a.get("red_flags", [])),
            notes=a.get("notes", ""),
        )
        for a in data["answer"]
    ]


def load_devset(folder: str | Path) -> list[Case]:
    cases: list[Case] = []
    for f in sorted(Path(folder).glob("*.toml")):
        cases.extend(load_cases(f))
    return cases


def compare(case: Case, result: Result, rep: Report) -> None:
    """Add one scored answer to the report, noting every disagreement."""
    rep.n += 1
    got = {p.id for p in result.coverage.points if p.covered}
    want = set(case.points)
    rep.tp += len(got & want)
    for p in sorted(got - want):
        rep.fp += 1
        ev = next(x.evidence for x in result.coverage.points if x.id == p)
        assert ev is not None
        rep.errors.append(
            f"{case.id}: point '{p}' credited but not made (matched {ev.matched!r} in {ev.text!r})"
        )
    for p in sorted(want - got):
        rep.fn += 1
        rep.errors.append(f"{case.id}: point '{p}' made but missed")
    got_f = Counter(h.category for h in result.red_flags)
    want_f = Counter(case.red_flags)
    for cat in set(got_f) | set(want_f):
        tp = min(got_f[cat], want_f[cat])
        rep.flag_tp += tp
        rep.flag_fp += got_f[cat] - tp
        rep.flag_fn += want_f[cat] - tp
        if got_f[cat] > tp:
            texts = [h.text for h in result.red_flags if h.category == cat]
            rep.errors.append(f"{case.id}: false red flag {cat}: {texts}")
        if want_f[cat] > tp:
            rep.errors.append(f"{case.id}: missed red flag {cat}")
    n = result.fillers.count
    rep.filler_abs_err += abs(n - case.fillers)
    if n == case.fillers:
        rep.filler_exact += 1
    else:
        said = [(f.text, f.said) for f in result.fillers]
        rep.errors.append(f"{case.id}: fillers {n}, marked {case.fillers}: {said}")


def evaluate(
    cases: list[Case],
    settings: Settings | None = None,
    scorer: Callable[..., Result] = score_answer,
) -> Report:
    banks: dict[str, Bank] = {}
    rep = Report()
    for c in cases:
        bank = banks.get(c.bank) or banks.setdefault(c.bank, load_bank(c.bank))
        result = scorer(bank.get(c.question), c.text, settings)
        compare(c, result, rep)
    return rep
