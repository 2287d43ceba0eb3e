"""Key-point coverage by phrases: which points of a question's rubric an answer makes."""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.banks import Point, Question
from voicecoach.scoring.match import (
    AnswerIndex,
    compile_phrase,
    find,
    negated,
    negated_after,
    negated_inside,
    vague,
)
from voicecoach.scoring.textnorm import NormText


@dataclass(frozen=True)
class Hit:
    """Words of the answer (original-text character span) that match a point's phrase."""

    char_start: int
    char_end: int
    matched: str  # the rubric phrase


@dataclass(frozen=True)
class PointMatch:
    point: Point
    hit: Hit | None  # the first good match, if any
    negated: Hit | None = None  # a match that was negated ("I don't know what X is")


def match_point(point: Point, nt: NormText, index: AnswerIndex | None = None) -> PointMatch:
    """The first phrase match of ``point`` that is not negated, disowned or vague."""
    best: tuple[int, Hit] | None = None
    neg: Hit | None = None
    for raw in point.phrases:
        phrase = compile_phrase(raw)
        for m in find(nt, phrase, index=index):
            a, b = nt.char_span(m.i, m.j)
            hit = Hit(a, b, raw)
            if (
                negated(nt, m.i, coverage=True)
                or negated_inside(nt, m)
                or negated_after(nt, m.j)
                or vague(nt, m.i)
            ):
                neg = neg or hit
                continue
            if best is None or m.i < best[0]:
                best = (m.i, hit)
            break  # first good match of this phrase is enough
    return PointMatch(point, best[1] if best else None, neg)


def match_points(question: Question, nt: NormText) -> list[PointMatch]:
    index = AnswerIndex(nt)
    return [match_point(p, nt, index) for p in question.points]


def weighted_share(made: list[tuple[float, bool]]) -> float:
    """Coverage score: the weighted share of (weight, covered) points, rounded to 4 places."""
    total = sum(w for w, _ in made)
    got = sum(w for w, ok in made if ok)
    return round(got / total, 4) if total else 0.0
