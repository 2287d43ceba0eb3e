"""Score one spoken (or typed) answer against a question's rubric.

    from voicecoach.banks import load_bank
    from voicecoach.scoring import score_answer

    q = load_bank("ml-engineer").get("bias-variance")
    result = score_answer(q, "High bias means the model is too simple and underfits...")
    result.overall, result.coverage.fraction, result.to_dict()

The result is a :class:`voicecoach.scoring.result.Result`; its JSON (``to_dict``) is the public
contract documented in docs/result-schema.md. The weights live in
:mod:`voicecoach.scoring.weights`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from voicecoach.banks import Question
from voicecoach.scoring import weights
from voicecoach.scoring.delivery import LONG_PAUSE_S, measure
from voicecoach.scoring.fillers import find_fillers
from voicecoach.scoring.judged import decide
from voicecoach.scoring.result import (
    FillerItem,
    Fillers,
    Result,
    WordSpan,
)
from voicecoach.scoring.textnorm import NormText
from voicecoach.scoring.tips import make_tips
from voicecoach.transcript import Transcript

MAX_TEXT_CHARS = 2_000_000  # ~300k words; longer input is cut (and says so in `warnings`)


@dataclass(frozen=True)
class Settings:
    long_pause_s: float = LONG_PAUSE_S
    # Report voice stretches with no recognised word as "(unrecognized)" fillers.
    unrecognized_as_fillers: bool = False
    # The employer the candidate is preparing for: "I don't know much about <company>" is
    # then flagged as not knowing the company (see redflags.categories).
    company: str | None = None
    # Let the judge (voicecoach.judge) decide with the rules; False: the rules alone.
    judge: bool = True

    def __post_init__(self) -> None:
        # a blank name is no name (frozen: set through object)
        object.__setattr__(self, "company", (self.company or "").strip() or None)


def score_answer(
    question: Question, answer: Transcript | str, settings: Settings | None = None
) -> Result:
    """Score one answer. ``answer`` is typed text or a timed :class:`Transcript`."""
    settings = settings or Settings()
    tr = Transcript.from_text(answer) if isinstance(answer, str) else answer
    warnings: list[str] = []
    if len(tr.text) > MAX_TEXT_CHARS:
        tr = Transcript.from_text(tr.text[:MAX_TEXT_CHARS])
        warnings.append(f"answer cut to its first {MAX_TEXT_CHARS} characters")
    nt = NormText(tr.text)
    coverage, flags = decide(question, nt, tr, settings.company, settings.judge, warnings)
    delivery = measure(tr, nt, settings.long_pause_s)
    fillers = _fillers(nt, tr, settings, delivery.words)
    comp = weights.components(coverage.score, fillers.per_100_words_raw, delivery, len(flags))
    result = Result(
        question_id=question.id,
        question=question.text,
        kind=question.kind,
        transcript=tr.text,
        overall=weights.overall(comp, delivery.words),
        components=comp,
        coverage=coverage,
        fillers=fillers.public,
        red_flags=flags,
        delivery=delivery,
        tips=[],
        warnings=warnings,
        company=settings.company,
        words=[
            WordSpan(w.text, w.start, w.end, a, b)
            for w, (a, b) in zip(tr.words, tr.word_offsets(), strict=True)
        ],
    )
    result.tips = make_tips(result)
    return result


def _times(nt: NormText, tr: Transcript, i: int, j: int) -> tuple[float | None, float | None]:
    a, b = nt.char_span(i, j)
    return tr.time_at(a, b)


@dataclass(frozen=True)
class _FillerCount:
    public: Fillers
    per_100_words_raw: float  # unrounded rate, for the fluency part


def _fillers(nt: NormText, tr: Transcript, settings: Settings, words: int) -> _FillerCount:
    items = []
    for f in find_fillers(nt):
        a, b = nt.char_span(f.i, f.j)
        s, e = _times(nt, tr, f.i, f.j)
        items.append(FillerItem(f.text, s, e, a, b, f.said or nt.text[a:b]))
    if settings.unrecognized_as_fillers:
        items += [FillerItem("(unrecognized)", s, e, None, None, "") for s, e in tr.unrecognized]
    items.sort(
        key=lambda x: (
            x.start if x.start is not None else -1,
            x.char_start if x.char_start is not None else -1,
        )
    )
    rate = 100.0 * len(items) / words if words else 0.0
    by_text = Counter(it.text for it in items)
    public = Fillers(len(items), round(rate, 2) if words else 0.0, dict(by_text), items)
    return _FillerCount(public, rate)
