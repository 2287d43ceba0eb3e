"""Score one spoken (or typed) answer against a question's rubric.

This is the library behind ``voicecoach score-text`` and ``voicecoach score``::

    from voicecoach.banks import load_bank
    from voicecoach.scoring import score_answer

    q = load_bank("ml-engineer").get("bias-variance")
    result = score_answer(q, "High bias means the model is too simple and underfits...")
    result.overall, result.to_dict()

The JSON object (``to_dict``) is a public contract, documented in docs/result-schema.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .banks import Question
from .coverage import CoverageResult, SemanticMatcher, score_coverage
from .delivery import LONG_PAUSE_S, PACE_RANGE, Delivery, measure
from .fillers import FillerHit, find_fillers
from .redflags import FlagHit, find_red_flags
from .textnorm import NormText
from .transcript import Transcript

SCHEMA = "voicecoach.result/1"

# Overall score = 100 * (W_COVERAGE*coverage + gate*(W_FLUENCY*fluency + W_DELIVERY*delivery))
#                 - FLAG_PENALTY per red flag (at most MAX_FLAG_PENALTY), clamped to 0..100.
# gate = min(1, coverage / FULL_CREDIT_COVERAGE): fluent delivery of an answer that makes no
# key point earns nothing; from half the points on, fluency and delivery count fully.
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
MAX_TEXT_CHARS = 2_000_000  # ~300k words; longer input is cut (and says so in `warnings`)


@dataclass(frozen=True)
class Settings:
    long_pause_s: float = LONG_PAUSE_S
    # Report voice stretches with no recognised word as "(unrecognized)" fillers.
    unrecognized_as_fillers: bool = False
    semantic: SemanticMatcher | None = None
    # The employer the candidate is preparing for: "I don't know much about <company>" is
    # then flagged as not knowing the company (see redflags.categories).
    company: str | None = None

    def __post_init__(self) -> None:
        # a blank name is no name (frozen: set through object)
        object.__setattr__(self, "company", (self.company or "").strip() or None)


@dataclass
class ScoreResult:
    question_id: str
    question: str
    kind: str
    transcript: Transcript
    nt: NormText
    coverage: CoverageResult
    fillers: list[FillerHit]
    unrecognized: list[tuple[float, float]]
    red_flags: list[FlagHit]
    delivery: Delivery
    overall: int
    components: dict[str, float]
    tips: list[str]
    warnings: list[str] = field(default_factory=list)
    company: str | None = None

    @property
    def filler_count(self) -> int:
        return len(self.fillers) + len(self.unrecognized)

    @property
    def filler_rate(self) -> float:
        w = self.delivery.words
        return round(100.0 * self.filler_count / w, 2) if w else 0.0

    def _times(self, i: int, j: int) -> tuple[float | None, float | None]:
        a, b = self.nt.char_span(i, j)
        return self.transcript.time_at(a, b)

    def to_dict(self) -> dict:
        """The public JSON object (schema ``voicecoach.result/1``)."""
        nt = self.nt
        filler_items = []
        for f in self.fillers:
            a, b = nt.char_span(f.i, f.j)
            s, e = self._times(f.i, f.j)
            item = {"text": f.text, "start": s, "end": e, "char_start": a, "char_end": b,
                    "said": f.said or nt.text[a:b]}
            filler_items.append(item)
        for s, e in self.unrecognized:
            filler_items.append({"text": "(unrecognized)", "start": s, "end": e,
                                 "char_start": None, "char_end": None, "said": ""})
        filler_items.sort(key=lambda x: (x["start"] if x["start"] is not None else -1,
                                         x["char_start"] if x["char_start"] is not None else -1))
        points = []
        for p in self.coverage.points:
            ev = None
            if p.evidence is not None:
                s, e = self.transcript.time_at(p.evidence.char_start, p.evidence.char_end)
                ev = {"text": p.evidence.text, "char_start": p.evidence.char_start,
                      "char_end": p.evidence.char_end, "start": s, "end": e,
                      "matched": p.evidence.matched, "method": p.evidence.method}
            points.append({"id": p.id, "label": p.label, "weight": p.weight,
                           "covered": p.covered, "evidence": ev})
        flags = []
        for h in self.red_flags:
            a, b = nt.char_span(h.i, h.j)
            s, e = self._times(h.i, h.j)
            flags.append({"category": h.category, "text": nt.text[a:b], "why": h.why,
                          "instead": h.instead, "start": s, "end": e,
                          "char_start": a, "char_end": b})
        d = self.delivery
        hedges = []
        for h in d.hedges:
            a, b = nt.char_span(h.i, h.j)
            s, e = self._times(h.i, h.j)
            hedges.append({"text": h.text, "start": s, "end": e, "char_start": a,
                           "char_end": b})
        counts: dict[str, int] = {}
        for it in filler_items:
            counts[it["text"]] = counts.get(it["text"], 0) + 1
        out = {
            "schema": SCHEMA,
            "question_id": self.question_id,
            "question": self.question,
            "kind": self.kind,
            "transcript": self.transcript.text,
            "overall": self.overall,
            "components": self.components,
            "coverage": {"score": self.coverage.score, "points": points},
            "fillers": {"count": self.filler_count, "per_100_words": self.filler_rate,
                        "by_text": counts, "items": filler_items},
            "red_flags": flags,
            "delivery": {
                "words": d.words, "duration_s": d.duration_s, "speaking_s": d.speaking_s,
                "wpm": d.wpm,
                "long_pauses": [{"start": p.start, "end": p.end, "duration_s": p.duration_s}
                                for p in d.long_pauses],
                "hedges": {"count": len(hedges), "items": hedges},
            },
            "tips": self.tips,
            "warnings": self.warnings,
            "words": [{"text": w.text, "start": w.start, "end": w.end, "char_start": a,
                       "char_end": b}
                      for w, (a, b) in zip(self.transcript.words,
                                           self.transcript.word_offsets(), strict=True)],
        }
        if self.company:
            out["company"] = self.company
        return out


def _fluency(rate: float) -> float:
    if rate <= FILLER_FREE_RATE:
        return 1.0
    return max(0.0, 1.0 - (rate - FILLER_FREE_RATE) / (FILLER_ZERO_RATE - FILLER_FREE_RATE))


def _delivery_score(d: Delivery) -> float:
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


def score_answer(question: Question, answer: Transcript | str,
                 settings: Settings | None = None) -> ScoreResult:
    """Score one answer. ``answer`` is typed text or a timed :class:`Transcript`."""
    settings = settings or Settings()
    tr = Transcript.from_text(answer) if isinstance(answer, str) else answer
    warnings: list[str] = []
    if len(tr.text) > MAX_TEXT_CHARS:
        tr = Transcript.from_text(tr.text[:MAX_TEXT_CHARS])
        warnings.append(f"answer cut to its first {MAX_TEXT_CHARS} characters")
    nt = NormText(tr.text)
    coverage = score_coverage(question, nt, settings.semantic)
    fillers = find_fillers(nt)
    unrec = list(tr.unrecognized) if settings.unrecognized_as_fillers else []
    flags = find_red_flags(nt, question.kind, question.text, settings.company)
    delivery = measure(tr, nt, settings.long_pause_s)
    words = delivery.words
    rate = 100.0 * (len(fillers) + len(unrec)) / words if words else 0.0
    comp = {"coverage": coverage.score, "fluency": round(_fluency(rate), 3),
            "delivery": round(_delivery_score(delivery), 3),
            "red_flag_penalty": min(MAX_FLAG_PENALTY, FLAG_PENALTY * len(flags))}
    if words == 0:
        overall = 0
        comp.update(fluency=0.0, delivery=0.0)
    else:
        gate = min(1.0, comp["coverage"] / FULL_CREDIT_COVERAGE)
        raw = 100 * (W_COVERAGE * comp["coverage"] + gate * (
            W_FLUENCY * comp["fluency"] + W_DELIVERY * comp["delivery"])) \
            - comp["red_flag_penalty"]
        overall = int(round(min(100.0, max(0.0, raw))))
    result = ScoreResult(
        question_id=question.id, question=question.text, kind=question.kind, transcript=tr,
        nt=nt, coverage=coverage, fillers=fillers, unrecognized=unrec, red_flags=flags,
        delivery=delivery, overall=overall, components=comp, tips=[], warnings=warnings,
        company=settings.company)
    from .tips import make_tips

    result.tips = make_tips(result)
    return result
