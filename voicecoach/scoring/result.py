"""The scored answer as typed objects: :class:`Result` and its parts.

This is the public JSON contract ``voicecoach.result/1`` (docs/result-schema.md) as
dataclasses. Scoring builds a :class:`Result`; sessions, batch results, the history, review
and reports keep it typed and read it back with :meth:`Result.from_dict`. ``to_dict`` and
``from_dict`` live here and nowhere else, and ``Result.from_dict(r.to_dict()) == r``.
Fields this version does not know are kept in ``extra`` and written back unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, Self

SCHEMA = "voicecoach.result/1"


class ResultFormatError(ValueError):
    """A dict that is not a ``voicecoach.result/1`` object (missing or mistyped fields)."""


class _Record:
    """A flat part of the result: its JSON object has exactly its fields, in order."""

    def to_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self:
        """Required fields must be present; the others default."""
        kw = {
            f.name: d[f.name]
            for f in fields(cls)  # type: ignore[arg-type]
            if f.name in d or f.default is MISSING
        }
        return cls(**kw)


@dataclass
class Evidence(_Record):
    """The words that make a key point: ``transcript[char_start:char_end]``."""

    text: str
    char_start: int
    char_end: int
    start: float | None = None
    end: float | None = None
    matched: str = ""  # the rubric phrase that matched ("" when the judge decided)
    method: str = "phrase"  # "phrase" (the rules) | "judge"
    probability: float | None = None  # the judge's, that these words make the point


@dataclass
class PointResult:
    id: str
    label: str
    weight: float
    covered: bool
    evidence: Evidence | None
    # A mention that was negated ("I don't know what X is"); used for tips, not stored.
    negated: Evidence | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "weight": self.weight,
            "covered": self.covered,
            "evidence": self.evidence.to_dict() if self.evidence else None,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> PointResult:
        ev = d.get("evidence")
        return cls(
            d["id"],
            d["label"],
            d.get("weight", 1.0),
            bool(d["covered"]),
            Evidence.from_dict(ev) if ev else None,
        )


@dataclass
class Coverage:
    score: float  # weighted share of the points made, 0..1
    points: list[PointResult]

    @property
    def covered(self) -> list[PointResult]:
        return [p for p in self.points if p.covered]

    @property
    def missed(self) -> list[PointResult]:
        return [p for p in self.points if not p.covered]

    @property
    def made(self) -> int:
        """How many key points were made (unweighted)."""
        return len(self.covered)

    @property
    def total(self) -> int:
        return len(self.points)

    @property
    def shown(self) -> str:
        """How every view shows coverage: "4/5 (89% by weight)": points made out of all, and
        the weighted share that goes into the score."""
        return f"{self.fraction} ({round(100 * self.score)}% by weight)"

    @property
    def fraction(self) -> str:
        """ "4/5": points made out of all points."""
        return f"{self.made}/{self.total}"

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "points": [p.to_dict() for p in self.points]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Coverage:
        return cls(d["score"], [PointResult.from_dict(p) for p in d["points"]])


@dataclass
class FillerItem(_Record):
    text: str  # canonical lowercase form: "um", "like", "you know", "(restart)"...
    start: float | None = None
    end: float | None = None
    char_start: int | None = None
    char_end: int | None = None
    said: str = ""


@dataclass
class Fillers:
    count: int
    per_100_words: float
    by_text: dict[str, int]
    items: list[FillerItem]

    def __iter__(self) -> Iterator[FillerItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "per_100_words": self.per_100_words,
            "by_text": dict(self.by_text),
            "items": [f.to_dict() for f in self.items],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Fillers:
        items = [FillerItem.from_dict(f) for f in d.get("items", [])]
        by_text = d.get("by_text")
        if by_text is None:
            by_text = {}
            for f in items:
                by_text[f.text] = by_text.get(f.text, 0) + 1
        return cls(d["count"], d["per_100_words"], dict(by_text), items)


@dataclass
class RedFlag(_Record):
    category: str
    text: str
    why: str = ""
    instead: str = ""
    start: float | None = None
    end: float | None = None
    char_start: int | None = None
    char_end: int | None = None
    method: str = "phrase"  # "phrase" (a rule pattern) | "judge"
    probability: float | None = None  # the judge's, for this category here


@dataclass
class Pause(_Record):
    start: float
    end: float
    duration_s: float


@dataclass
class Hedge(_Record):
    text: str
    start: float | None = None
    end: float | None = None
    char_start: int | None = None
    char_end: int | None = None


@dataclass
class Delivery:
    words: int
    duration_s: float | None  # length of the recording
    speaking_s: float | None  # first word start to last word end
    wpm: float | None
    long_pauses: list[Pause] = field(default_factory=list)
    hedges: list[Hedge] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "words": self.words,
            "duration_s": self.duration_s,
            "speaking_s": self.speaking_s,
            "wpm": self.wpm,
            "long_pauses": [p.to_dict() for p in self.long_pauses],
            "hedges": {"count": len(self.hedges), "items": [h.to_dict() for h in self.hedges]},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Delivery:
        hedges = (d.get("hedges") or {}).get("items", [])
        return cls(
            d["words"],
            d.get("duration_s"),
            d.get("speaking_s"),
            d.get("wpm"),
            [Pause.from_dict(p) for p in d.get("long_pauses", [])],
            [Hedge.from_dict(h) for h in hedges],
        )


@dataclass
class WordSpan(_Record):
    """A recognised word, its time and where it sits in ``transcript``."""

    text: str
    start: float | None
    end: float | None
    char_start: int
    char_end: int


# Keys written by to_dict; anything else read by from_dict goes to ``extra``.
_KNOWN = frozenset(
    {
        "schema",
        "question_id",
        "question",
        "kind",
        "transcript",
        "overall",
        "components",
        "coverage",
        "fillers",
        "red_flags",
        "delivery",
        "tips",
        "warnings",
        "words",
        "company",
        "asr",
        "audio",
        "audio_path",
    }
)


@dataclass
class Result:
    """One scored answer (schema ``voicecoach.result/1``)."""

    question_id: str
    question: str
    kind: str
    transcript: str
    overall: int
    components: dict[str, float]
    coverage: Coverage
    fillers: Fillers
    red_flags: list[RedFlag]
    delivery: Delivery
    tips: list[str]
    warnings: list[str] = field(default_factory=list)
    words: list[WordSpan] = field(default_factory=list)
    company: str | None = None  # the employer practised for, when given
    asr: dict[str, Any] | None = None  # audio only: model, decoding fallbacks, timings
    audio: str | None = None  # the recording as the user named it
    audio_path: str | None = None  # the recording's absolute path (batch)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_timed(self) -> bool:
        return any(w.start is not None for w in self.words)

    def to_dict(self) -> dict[str, Any]:
        """The public JSON object."""
        out: dict[str, Any] = {
            "schema": SCHEMA,
            "question_id": self.question_id,
            "question": self.question,
            "kind": self.kind,
            "transcript": self.transcript,
            "overall": self.overall,
            "components": dict(self.components),
            "coverage": self.coverage.to_dict(),
            "fillers": self.fillers.to_dict(),
            "red_flags": [h.to_dict() for h in self.red_flags],
            "delivery": self.delivery.to_dict(),
            "tips": list(self.tips),
            "warnings": list(self.warnings),
            "words": [w.to_dict() for w in self.words],
        }
        if self.company:
            out["company"] = self.company
        if self.asr is not None:
            out["asr"] = self.asr
        if self.audio is not None:
            out["audio"] = self.audio
        if self.audio_path is not None:
            out["audio_path"] = self.audio_path
        out.update(self.extra)
        return out

    @classmethod
    def from_dict(cls, d: object) -> Result:
        """Read a stored result; raises :class:`ResultFormatError` for anything else."""
        if not isinstance(d, dict):
            raise ResultFormatError(f"a result is a JSON object, not {type(d).__name__}")
        shapes = {
            "transcript": str,
            "coverage": dict,
            "fillers": dict,
            "red_flags": list,
            "delivery": dict,
        }
        for key, kind in shapes.items():
            if not isinstance(d.get(key), kind):
                raise ResultFormatError(
                    f"not a voicecoach result: '{key}' is missing or not a {kind.__name__}"
                )
        try:
            return cls(
                question_id=str(d.get("question_id") or ""),
                question=str(d.get("question") or ""),
                kind=str(d.get("kind") or ""),
                transcript=d["transcript"],
                overall=int(d["overall"]),
                components=dict(d.get("components") or {}),
                coverage=Coverage.from_dict(d["coverage"]),
                fillers=Fillers.from_dict(d["fillers"]),
                red_flags=[RedFlag.from_dict(h) for h in d["red_flags"]],
                delivery=Delivery.from_dict(d["delivery"]),
                tips=list(d.get("tips") or []),
                warnings=list(d.get("warnings") or []),
                words=[WordSpan.from_dict(w) for w in d.get("words") or []],
                company=d.get("company"),
                asr=d.get("asr"),
                audio=d.get("audio"),
                audio_path=d.get("audio_path"),
                extra={k: v for k, v in d.items() if k not in _KNOWN},
            )
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            raise ResultFormatError(f"not a voicecoach result ({type(e).__name__}: {e})") from None
