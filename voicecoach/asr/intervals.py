"""Time intervals ``(start, end)`` in seconds, and the time span of a decoded word.

Pure helpers shared by the guards, the VAD and the live transcriber (no speech libraries).
"""

from __future__ import annotations

import re

from voicecoach.transcript import Word

Interval = tuple[float, float]


def _r(x: float, nd: int = 3) -> float:
    return round(float(x), nd)


def merge(iv: list[Interval], gap: float = 0.0) -> list[Interval]:
    """Sorted, disjoint union of ``iv``; intervals less than ``gap`` apart are joined."""
    out: list[Interval] = []
    for a, b in sorted(iv):
        if out and a <= out[-1][1] + gap:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def overlap(a: list[Interval], b: list[Interval]) -> float:
    """Total length where (sorted, disjoint) ``a`` and ``b`` overlap."""
    total, j = 0.0, 0
    for s, e in a:
        while j < len(b) and b[j][1] <= s:
            j += 1
        k = j
        while k < len(b) and b[k][0] < e:
            total += max(0.0, min(e, b[k][1]) - max(s, b[k][0]))
            k += 1
    return total


def subtract(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """Parts of intervals ``a`` not covered by (merged, sorted) intervals ``b``."""
    out = []
    for s, e in a:
        cur = s
        for bs, be in b:
            if be <= cur or bs >= e:
                continue
            if bs > cur:
                out.append((cur, bs))
            cur = max(cur, be)
        if cur < e:
            out.append((cur, e))
    return out


def pad(iv: list[Interval], by: float) -> list[Interval]:
    return merge([(s - by, e + by) for s, e in iv])


def total(iv: list[Interval]) -> float:
    return sum(e - s for s, e in iv)


def core(text: str) -> str:
    """A word without case or punctuation ("Um," -> "um", "k-fold." -> "k-fold")."""
    return re.sub(r"[^\w'-]", "", text.lower())


def times(w: Word) -> Interval:
    """A decoded word's (start, end); decoded words always carry times."""
    start = w.start if w.start is not None else 0.0
    return start, w.end if w.end is not None else start


def point_span(w: Word) -> Interval:
    """A word's span, at least 10 ms long (Whisper gives some words no duration)."""
    a, b = times(w)
    return a, max(b, a + 0.01)


def shift(words: list[Word], by: float) -> list[Word]:
    return [Word(w.text, _r(times(w)[0] + by), _r(times(w)[1] + by), w.probability) for w in words]
