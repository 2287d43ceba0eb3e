"""One to three concrete, prioritised tips for a scored answer."""

from __future__ import annotations

from collections import Counter

from voicecoach.scoring.result import Result
from voicecoach.scoring.weights import FILLER_FREE_RATE, PACE_RANGE

MAX_TIPS = 3
UNRECOGNIZED = "(unrecognized)"


def make_tips(r: Result) -> list[str]:
    tips: list[str] = []
    d = r.delivery
    if d.words == 0:
        return [
            "No answer was heard. Speak for 60-90 seconds and cover the key points; "
            "check the microphone if you did speak."
        ]
    for h in r.red_flags[:1]:
        tips.append(f'Drop "{h.text}" ({h.category.replace("_", " ")}): {h.instead}')
    missed = sorted(r.coverage.missed, key=lambda p: -p.weight)
    negated = [p for p in missed if p.negated is not None]
    if negated:
        p = negated[0]
        assert p.negated is not None
        tips.append(
            f'You raised "{p.negated.text}" but did not explain it: '
            f"make the point that {_lower_first(p.label)}."
        )
        missed = [m for m in missed if m is not p]
    if missed:
        labels = "; ".join(_lower_first(p.label) for p in missed[:2])
        tips.append(f"Also cover: {labels}.")
    f = r.fillers
    if f.per_100_words > FILLER_FREE_RATE and f.count >= 2:
        common = Counter(x.text for x in f.items if x.text != UNRECOGNIZED).most_common(2)
        what = ", ".join(f'"{t}" x{n}' for t, n in common) or "unrecognized sounds"
        tips.append(
            f"Cut fillers: {f.count} in {d.words} words ({what}). "
            "Pause silently instead of filling the gap."
        )
    if d.wpm is not None:
        lo, hi = PACE_RANGE
        if d.wpm > hi:
            tips.append(f"Slow down: {d.wpm:.0f} words a minute; aim for {lo:.0f}-{hi:.0f}.")
        elif d.wpm < lo:
            tips.append(f"Pick up the pace: {d.wpm:.0f} words a minute; aim for {lo:.0f}-{hi:.0f}.")
    if d.long_pauses:
        tips.append(
            f"{len(d.long_pauses)} long pause(s); if you need time, say "
            '"let me think for a second" once, then answer.'
        )
    if len(d.hedges) >= 2:
        tips.append(
            f'Sound surer: {len(d.hedges)} hedges ("{d.hedges[0].text}"...). '
            "State what you know plainly."
        )
    if not tips:
        tips.append("Strong answer. Next time add a concrete example from your own work.")
    return tips[:MAX_TIPS]


def _lower_first(s: str) -> str:
    return s[:1].lower() + s[1:] if s[:2] != s[:2].upper() else s
