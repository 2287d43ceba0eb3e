"""Delivery: words, speaking time, pace, long pauses and hedges."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache

from .textnorm import NormText, _data_text
from .transcript import Transcript

_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

LONG_PAUSE_S = 2.0
PACE_RANGE = (110.0, 170.0)  # comfortable interview pace, words per minute


@dataclass(frozen=True)
class Pause:
    start: float
    end: float

    @property
    def duration_s(self) -> float:
        return round(self.end - self.start, 2)


@dataclass(frozen=True)
class HedgeHit:
    text: str
    i: int
    j: int


@dataclass(frozen=True)
class Delivery:
    words: int
    duration_s: float | None  # length of the recording
    speaking_s: float | None  # first word start to last word end
    wpm: float | None
    long_pauses: tuple[Pause, ...] = ()
    hedges: tuple[HedgeHit, ...] = field(default_factory=tuple)


def count_words(text: str) -> int:
    return len(_WORD_RE.findall(text))


@cache
def hedge_patterns() -> tuple[tuple[str, re.Pattern[str]], ...]:
    d = tomllib.loads(_data_text("hedges.toml"))
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
    words = len(tr.words) if tr.words else count_words(tr.text)
    hedges = tuple(find_hedges(nt))
    timed = [w for w in tr.words if w.start is not None and w.end is not None]
    if not timed:
        return Delivery(words=words, duration_s=tr.duration, speaking_s=None, wpm=None,
                        hedges=hedges)
    speaking = max(timed[-1].end - timed[0].start, 0.0)  # type: ignore[operator]
    wpm = round(words / (speaking / 60.0), 1) if speaking >= 1.0 else None
    pauses = []
    for a, b in zip(timed, timed[1:], strict=False):
        gap = b.start - a.end  # type: ignore[operator]
        if gap >= long_pause_s:
            pauses.append(Pause(round(a.end, 2), round(b.start, 2)))  # type: ignore[arg-type]
    return Delivery(words=words, duration_s=tr.duration, speaking_s=round(speaking, 2),
                    wpm=wpm, long_pauses=tuple(pauses), hedges=hedges)
