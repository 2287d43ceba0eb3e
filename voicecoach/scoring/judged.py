"""Key points and red flags decided by the rules and the judge together.

The rules (phrases, red-flag patterns) run first; :func:`voicecoach.judge.apply.judge_answer`
then keeps, overrules or adds to what they found. Every decision carries its ``method``
("phrase" or "judge") and the judge's probability. With ``judge=False`` (or an empty
answer) the rules decide alone, as before the judge existed.
"""

from __future__ import annotations

from voicecoach.banks import Question
from voicecoach.scoring.coverage import Hit, PointMatch, match_points, weighted_share
from voicecoach.scoring.redflags import (
    answer_limits,
    categories,
    find_red_flags,
    names_another_company,
)
from voicecoach.scoring.result import Coverage, Evidence, PointResult, RedFlag
from voicecoach.scoring.textnorm import NormText
from voicecoach.transcript import Transcript

MAX_JUDGED_CHARS = 60_000  # about 10,000 words; the rest of a longer answer: rules only


def _evidence(
    tr: Transcript, a: int, b: int, matched: str, method: str, probability: float | None = None
) -> Evidence:
    s, e = tr.time_at(a, b)
    return Evidence(tr.text[a:b], a, b, s, e, matched, method, probability)


def _hit_evidence(hit: Hit | None, tr: Transcript) -> Evidence | None:
    return (
        None if hit is None else _evidence(tr, hit.char_start, hit.char_end, hit.matched, "phrase")
    )


def _flag(
    tr: Transcript,
    category: str,
    a: int,
    b: int,
    method: str,
    probability: float | None,
    company: str | None,
) -> RedFlag:
    cat = next(c for c in categories(company) if c.name == category)
    s, e = tr.time_at(a, b)
    return RedFlag(category, tr.text[a:b], cat.why, cat.instead, s, e, a, b, method, probability)


def decide(
    question: Question,
    nt: NormText,
    tr: Transcript,
    company: str | None,
    judge: bool,
    warnings: list[str],
) -> tuple[Coverage, list[RedFlag]]:
    """The answer's coverage and red flags (see the module docstring)."""
    matches = match_points(question, nt)
    hits = []
    for h in find_red_flags(nt, question.kind, question.text, company):
        a, b = nt.char_span(h.i, h.j)
        hits.append((h.category, (a, b)))
    if not judge or not tr.text.strip():
        return _rules_only(matches, hits, tr, company)
    from voicecoach.judge.apply import judge_answer
    from voicecoach.judge.model import get_model

    text = tr.text
    if len(text) > MAX_JUDGED_CHARS:
        text = text[:MAX_JUDGED_CHARS]
        warnings.append(
            f"the judge read the first {MAX_JUDGED_CHARS} characters; the rest "
            "was scored by the phrase rules only"
        )
    spans = [
        (m.hit.char_start, m.hit.char_end) if m.hit and m.hit.char_end <= len(text) else None
        for m in matches
    ]
    inside = [(c, s) for c, s in hits if s[1] <= len(text)]
    once, cancelled = answer_limits(nt, company)
    calls, flag_calls = judge_answer(
        get_model(), question, text, spans, inside, frozenset(once), frozenset(cancelled)
    )
    points = []
    for m, call in zip(matches, calls, strict=True):
        ev = None
        if call.made and call.span is not None:
            a, b = call.span
            matched = m.hit.matched if call.method == "phrase" and m.hit else ""
            ev = _evidence(tr, a, b, matched, call.method, _round(call.probability))
        elif m.hit is not None and len(text) < len(tr.text) and m.hit.char_end > len(text):
            ev = _hit_evidence(m.hit, tr)  # beyond what the judge read: the rule stands
        points.append(
            PointResult(
                m.point.id,
                m.point.label,
                m.point.weight,
                ev is not None,
                ev,
                negated=_hit_evidence(m.negated, tr)
                or (_hit_evidence(m.hit, tr) if ev is None else None),
            )
        )
    flags = [
        _flag(tr, f.category, f.span[0], f.span[1], f.method, _round(f.probability), company)
        for f in flag_calls
        if not (
            f.method == "judge"
            and f.category == "unprepared_company"
            and names_another_company(text[f.span[0] : f.span[1]], company)
        )
    ]
    flags += [
        _flag(tr, c, s[0], s[1], "phrase", None, company) for c, s in hits if s[1] > len(text)
    ]
    return Coverage(weighted_share([(p.weight, p.covered) for p in points]), points), flags


def _round(p: float | None) -> float | None:
    return None if p is None else round(float(p), 4)


def _rules_only(
    matches: list[PointMatch],
    hits: list[tuple[str, tuple[int, int]]],
    tr: Transcript,
    company: str | None,
) -> tuple[Coverage, list[RedFlag]]:
    points = [
        PointResult(
            m.point.id,
            m.point.label,
            m.point.weight,
            m.hit is not None,
            _hit_evidence(m.hit, tr),
            negated=_hit_evidence(m.negated, tr),
        )
        for m in matches
    ]
    flags = [_flag(tr, c, a, b, "phrase", None, company) for c, (a, b) in hits]
    return Coverage(weighted_share([(p.weight, p.covered) for p in points]), points), flags
