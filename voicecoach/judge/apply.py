"""The judge applied to one answer, beside the rules' findings (see :mod:`.decide`).

Input: the question, the transcript, and what the rules found (each point's phrase hit and
each red-flag hit, as character spans). Output: the decision for every point and every flag,
each saying what made it (``phrase`` or ``judge``) and the judge's probability. Nothing here
imports the scorer, so the scorer can import this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from voicecoach.banks import Question
from voicecoach.judge.decide import (
    Thresholds,
    point_made,
    read_points,
    rule_flag_stands,
    window_flag,
)
from voicecoach.judge.labels import CATEGORIES
from voicecoach.judge.model import JudgeModel
from voicecoach.judge.windows import Window, split_windows

Span = tuple[int, int]

# A window whose words are nearly all the question's own only echoes it (marking rule 3:
# a point echoed from the question is not made). Words of three letters or fewer are left
# out of the count (articles, pronouns, "is", "the").
ECHO_SHARE = 0.8
_WORD = re.compile(r"[a-z][a-z'-]{3,}")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def echoes_question(window: str, question: str) -> bool:
    """True when at least ECHO_SHARE of the window's words are words of the question."""
    own = _words(window)
    return bool(own) and len(own & _words(question)) >= ECHO_SHARE * len(own)


@dataclass(frozen=True)
class PointCall:
    made: bool
    method: str  # "phrase" | "judge"
    span: Span | None  # the evidence: the phrase hit, or the judged window
    probability: float | None  # the judge's, for the evidence window


@dataclass(frozen=True)
class FlagCall:
    category: str
    method: str  # "phrase" (a rule pattern) | "judge"
    span: Span
    probability: float


def _window_of(windows: list[Window], span: Span) -> int | None:
    best, best_o = None, 0
    for i, w in enumerate(windows):
        o = min(span[1], w.end) - max(span[0], w.start)
        if o > best_o:
            best, best_o = i, o
    return best


def judge_answer(
    model: JudgeModel,
    question: Question,
    text: str,
    hits: list[Span | None],
    rule_flags: list[tuple[str, Span]],
    once: frozenset[str] = frozenset(),
    cancelled: frozenset[str] = frozenset(),
) -> tuple[list[PointCall], list[FlagCall]]:
    """Decide every key point (``hits``: each point's phrase hit or None, in bank order) and
    every red flag (``rule_flags``: the rules' (category, span) hits) of one answer.

    ``once``: categories that flag an answer at most once; ``cancelled``: categories the
    answer rules out (see :func:`voicecoach.scoring.redflags.answer_limits`). The judge adds
    neither a second ``once`` flag nor a cancelled one, and one statement the judge flags in
    two neighbouring windows is one flag."""
    t = Thresholds.from_config(model.config.get("thresholds", {}))
    windows = split_windows(text)
    texts = [w.text(text) for w in windows]
    reading = model.read_windows(question.text, texts)
    hint_windows = [_window_of(windows, h) if h else None for h in hits]
    labels = [p.label for p in question.points]
    reads = read_points(
        model, labels, texts, reading, hint_windows, t.candidates, t.overrule, t.min_similarity
    )
    points = []
    for hit, hw, r in zip(hits, hint_windows, reads, strict=True):
        made, method = point_made(r, hit is not None and hw is not None, t)
        if made and method == "judge":
            assert r.best is not None
            made = not echoes_question(texts[r.best], question.text)
        if not made:
            points.append(PointCall(False, "judge", None, r.p_best))
        elif method == "phrase":
            points.append(PointCall(True, "phrase", hit, r.p_hint))
        else:
            assert r.best is not None
            w = windows[r.best]
            points.append(PointCall(True, "judge", (w.start, w.end), r.p_best))
    flags: list[FlagCall] = []
    flagged: set[tuple[int, int]] = set()  # (window, category) already raised
    for cat, span in rule_flags:
        wi = _window_of(windows, span)
        if wi is None:
            continue
        probs = reading.flag_probs[wi]
        if rule_flag_stands(probs, cat, t):
            ci = CATEGORIES.index(cat)
            flags.append(FlagCall(cat, "phrase", span, float(probs[ci])))
            flagged.add((wi, ci))
    raised = {f.category for f in flags}
    last: dict[str, int] = {}  # category -> the window of its latest judge flag
    for wi, w in enumerate(windows):
        ci = window_flag(reading.flag_probs[wi], question.kind, t)
        cat = CATEGORIES[ci]
        if not ci or (wi, ci) in flagged or cat in cancelled or _overlaps(flags, cat, w):
            continue
        p = float(reading.flag_probs[wi][ci])
        if last.get(cat) == wi - 1:  # the same statement, seen from the next window
            i = max(k for k, f in enumerate(flags) if f.category == cat and f.method == "judge")
            f = flags[i]
            flags[i] = FlagCall(cat, "judge", (f.span[0], w.end), max(f.probability, p))
        elif cat in once and cat in raised:
            continue
        else:
            flags.append(FlagCall(cat, "judge", (w.start, w.end), p))
            raised.add(cat)
        last[cat] = wi
        flagged.add((wi, ci))
    flags.sort(key=lambda f: f.span[0])
    return points, flags


def _overlaps(flags: list[FlagCall], category: str, w: Window) -> bool:
    """A flag of this category already covers part of the window (overlapping windows of a
    long unpunctuated answer see the same statement twice)."""
    return any(f.category == category and f.span[0] < w.end and w.start < f.span[1] for f in flags)
