"""The overall score: how coverage, fluency, delivery and red flags combine (0-100).

    overall = 100 * (W_COVERAGE*coverage + gate*(W_FLUENCY*fluency + W_DELIVERY*delivery))
              - FLAG_PENALTY per red flag (at most MAX_FLAG_PENALTY), clamped to 0..100
    gate    = min(1, coverage / FULL_CREDIT_COVERAGE)

Fluent delivery of an answer that makes no key point earns nothing; from half of the points
on, fluency and delivery count fully (docs/result-schema.md).
"""

from __future__ import annotations

from voicecoach.scoring.result import Delivery

FULL_CREDIT_COVERAGE = 0.5
W_COVERAGE = 0.60
W_FLUENCY = 0.20
W_DELIVERY = 0.20
FLAG_PENALTY = 15
MAX_FLAG_PENALTY = 45
# Fillers: up to 1.3 per 100 words costs nothing (occasional fillers do not hurt perceived
# credibility); the fluency part falls linearly to 0 at 10 per 100 words.
FILLER_FREE_RATE = 1.3
FILLER_ZERO_RATE = 10.0
PACE_RANGE = (110.0, 170.0)  # comfortable interview pace, words per minute


def fluency(rate: float) -> float:
    """The fluency part (0..1) for a filler rate per 100 words."""
    if rate <= FILLER_FREE_RATE:
        return 1.0
    return max(0.0, 1.0 - (rate - FILLER_FREE_RATE) / (FILLER_ZERO_RATE - FILLER_FREE_RATE))


def delivery_score(d: Delivery) -> float:
    """The delivery part (0..1): pace, long pauses and hedges."""
    score = 1.0
    if d.wpm is not None:
        lo, hi = PACE_RANGE
        if d.wpm < lo:
            score = max(0.0, 1.0 - (lo - d.wpm) / 60.0)
        elif d.wpm > hi:
            score = max(0.0, 1.0 - (d.wpm - hi) / 70.0)
        score -= min(0.6, 0.15 * len(d.long_pauses))
    score -= min(0.4, 0.1 * len(d.hedges))
    return max(0.0, score)


def components(coverage: float, filler_rate: float, d: Delivery, flags: int) -> dict[str, float]:
    comp = {
        "coverage": coverage,
        "fluency": round(fluency(filler_rate), 3),
        "delivery": round(delivery_score(d), 3),
        "red_flag_penalty": min(MAX_FLAG_PENALTY, FLAG_PENALTY * flags),
    }
    if d.words == 0:
        comp.update(fluency=0.0, delivery=0.0)
    return comp


def overall(comp: dict[str, float], words: int) -> int:
    if words == 0:
        return 0
    gate = min(1.0, comp["coverage"] / FULL_CREDIT_COVERAGE)
    raw = (
        100
        * (
            W_COVERAGE * comp["coverage"]
            + gate * (W_FLUENCY * comp["fluency"] + W_DELIVERY * comp["delivery"])
        )
        - comp["red_flag_penalty"]
    )
    return int(round(min(100.0, max(0.0, raw))))
