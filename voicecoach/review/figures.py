"""Figures shared by the terminal, HTML and Markdown views: times, score bands, session
summaries and the pace and filler series behind the charts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from voicecoach.review.marks import words_of
from voicecoach.review.source import Source
from voicecoach.scoring.result import Result

GOOD_SCORE = 75  # green from here
FAIR_SCORE = 50  # yellow from here, red below


def score_band(overall: float | None) -> str:
    """ "green", "yellow" or "red" for an overall score; "muted" when there is none."""
    if overall is None:
        return "muted"
    return "green" if overall >= GOOD_SCORE else "yellow" if overall >= FAIR_SCORE else "red"


def fmt_time(t: float | None) -> str:
    if t is None:
        return ""
    m, s = divmod(float(t), 60)
    return f"{int(m)}:{s:04.1f}"


def _binned(result: Result) -> tuple[float, float, list[int], list[int]] | None:
    """Split a timed answer into equal time bins: (duration, bin width, words per bin,
    fillers per bin); None for untimed answers."""
    words = [w for w in words_of(result) if w.start is not None]
    last_end = words[-1].end if words and words[-1].end is not None else 0
    duration = result.delivery.duration_s or last_end
    if not words or not duration:
        return None
    width = max(5.0, duration / 12.0)
    n = max(1, int(-(-duration // width)))
    wc, fc = [0] * n, [0] * n
    for w in words:
        assert w.start is not None
        wc[min(n - 1, int(w.start // width))] += 1
    for f in result.fillers.items:
        if f.start is not None:
            fc[min(n - 1, int(f.start // width))] += 1
    return duration, width, wc, fc


def _series(result: Result, value: Callable[[int, int, float], float]) -> list[tuple[float, float]]:
    """(bin middle in s, value(words, fillers, seconds)) for bins longer than half a second."""
    b = _binned(result)
    if b is None:
        return []
    duration, width, wc, fc = b
    out = []
    for i, (w, f) in enumerate(zip(wc, fc, strict=True)):
        span = min(width, duration - i * width)
        if span > 0.5:
            out.append((round(i * width + span / 2, 2), round(value(w, f, span), 1)))
    return out


def pace_series(result: Result) -> list[tuple[float, float]]:
    """(bin middle in s, words per minute) over the answer; [] for untimed answers."""
    return _series(result, lambda w, f, span: 60.0 * w / span)


def filler_series(result: Result) -> list[tuple[float, float]]:
    """(bin middle in s, fillers per 100 words) over the answer, same bins as the pace."""
    return _series(result, lambda w, f, span: 100.0 * f / w if w else (100.0 if f else 0.0))


def summary(source: Source) -> dict[str, Any]:
    """Session figures: answers, mean overall and coverage, filler rate, wpm, red flags."""
    rs = [a.result for a in source.answers if a.result is not None]
    words = sum(r.delivery.words for r in rs)
    fillers = sum(r.fillers.count for r in rs)
    wpms = [r.delivery.wpm for r in rs if r.delivery.wpm is not None]
    return {
        "answers": len(source.answers),
        "scored": len(rs),
        "overall": round(sum(r.overall for r in rs) / len(rs), 1) if rs else None,
        "coverage": round(100 * sum(r.coverage.score for r in rs) / len(rs), 1) if rs else None,
        "words": words,
        "fillers": fillers,
        "fillers_per_100_words": round(100.0 * fillers / words, 2) if words else 0.0,
        "wpm": round(sum(wpms) / len(wpms), 1) if wpms else None,
        "red_flags": sum(len(r.red_flags) for r in rs),
        "missed_points": sum(len(r.coverage.missed) for r in rs),
    }
