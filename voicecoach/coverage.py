"""Key-point coverage: which points of a question's rubric an answer makes, with evidence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .banks import Point, Question
from .match import (
    AnswerIndex,
    compile_phrase,
    find,
    negated,
    negated_after,
    negated_inside,
    vague,
)
from .textnorm import NormText


@dataclass(frozen=True)
class Evidence:
    text: str  # the words in the answer that make the point
    char_start: int
    char_end: int
    matched: str  # the rubric phrase that matched, or "(similar meaning)" for a paraphrase
    method: str  # "phrase" | "semantic"
    similarity: float | None = None


@dataclass(frozen=True)
class PointResult:
    id: str
    label: str
    weight: float
    covered: bool
    evidence: Evidence | None
    negated: Evidence | None = None  # a mention that was negated ("I don't know what X is")


@dataclass(frozen=True)
class CoverageResult:
    score: float  # weighted share of points covered, 0..1
    points: tuple[PointResult, ...]

    @property
    def covered(self) -> list[PointResult]:
        return [p for p in self.points if p.covered]

    @property
    def missed(self) -> list[PointResult]:
        return [p for p in self.points if not p.covered]


# A semantic matcher takes (point, answer) and returns evidence for a paraphrase, or None.
SemanticMatcher = Callable[[Point, NormText], Evidence | None]


def match_point(point: Point, nt: NormText, index: AnswerIndex | None = None
                ) -> tuple[Evidence | None, Evidence | None]:
    """(evidence, negated_evidence) for one point by its phrases."""
    best: tuple[int, Evidence] | None = None
    neg: Evidence | None = None
    for raw in point.phrases:
        phrase = compile_phrase(raw)
        for m in find(nt, phrase, index=index):
            a, b = nt.char_span(m.i, m.j)
            ev = Evidence(text=nt.text[a:b], char_start=a, char_end=b, matched=raw,
                          method="phrase")
            if (negated(nt, m.i, coverage=True) or negated_inside(nt, m)
                    or negated_after(nt, m.j) or vague(nt, m.i)):
                neg = neg or ev
                continue
            if best is None or m.i < best[0]:
                best = (m.i, ev)
            break  # first good match of this phrase is enough
    return (best[1] if best else None), neg


def score_coverage(question: Question, nt: NormText,
                   semantic: SemanticMatcher | None = None) -> CoverageResult:
    index = AnswerIndex(nt)
    results = []
    for point in question.points:
        ev, neg = match_point(point, nt, index)
        if ev is None and semantic is not None and len(nt):
            ev = semantic(point, nt)
        results.append(PointResult(id=point.id, label=point.label, weight=point.weight,
                                   covered=ev is not None, evidence=ev, negated=neg))
    total = sum(p.weight for p in results)
    got = sum(p.weight for p in results if p.covered)
    return CoverageResult(score=round(got / total, 4) if total else 0.0, points=tuple(results))
