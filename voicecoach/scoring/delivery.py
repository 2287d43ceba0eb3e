"""Delivery: words, speaking time, pace, long pauses and hedges."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache

from voicecoach.scoring.result import Delivery, Hedge, Pause
from voicecoach.scoring.textnorm import NormText
from voicecoach.storage import package_text
from voicecoach.transcript import Transcript

_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

LONG_PAUSE_S = 2.0


@dataclass(frozen=True)
class HedgeHit:
    text: str
    i: int
    j: int


def count_words(text: str) -> int:
    return len(_WORD_RE.findall(text))


@cache
def hedge_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    d = tomllib.loads(package_text("hedges.toml"))
    return tuple((h["text"], re.compile(h["pattern"])) for h in d["hedge"])


def find_hedges(nt: NormText) -> list[HedgeHit]:
    hits: list[HedgeHit] = []
    taken: list[tuple[int, int]] = []
    for text, pat in hedge_patterns():
        for m in pat.finditer(nt.norm):
            i, j = nt.token_range(m.start(), m.end())
            if any(i < b and a < j for a, b in taken):
                continue
            taken.append((i, j))
            hits.append(HedgeHit(text, i, j))
    hits.sort(key=lambda h: h.i)
    return hits


def measure(tr: Transcript, nt: NormText, long_pause_s: float = LONG_PAUSE_S) -> Delivery:
    """Words, pace, long pauses (gaps of ``long_pause_s`` or more) and hedges."""
    words = len(tr.words) if tr.words else count_words(tr.text)
    hedges = []
    for h in find_hedges(nt):
        a, b = nt.char_span(h.i, h.j)
        hedges.append(Hedge(h.text, *tr.time_at(a, b), a, b))
    timed = [(w.start, w.end) for w in tr.words if w.start is not None and w.end is not None]
    if not timed:
        return Delivery(
            words=words, duration_s=tr.duration, speaking_s=None, wpm=None, hedges=hedges
        )
    speaking = max(timed[-1][1] - timed[0][0], 0.0)
    wpm = round(words / (speaking / 60.0), 1) if speaking >= 1.0 else None
    pauses = []
    for (_, a_end), (b_start, _) in zip(timed, timed[1:], strict=False):
        if b_start - a_end >= long_pause_s:
            start, end = round(a_end, 2), round(b_start, 2)
            pauses.append(Pause(start, end, round(end - start, 2)))
    return Delivery(
        words=words,
        duration_s=tr.duration,
        speaking_s=round(speaking, 2),
        wpm=wpm,
        long_pauses=pauses,
        hedges=hedges,
    )
