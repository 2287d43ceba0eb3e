"""Marks over a transcript: key-point evidence, fillers and red flags as character spans,
and the one walk that nests them for every view (terminal, HTML, Markdown).

Marks may overlap. :func:`walk` cuts the transcript at every mark (and word) boundary and
yields pieces with the marks to open and close before each, innermost closed first, so every
renderer emits properly nested delimiters or tags.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from voicecoach.scoring.result import Result, WordSpan

KINDS = ("evidence", "filler", "flag")


@dataclass(frozen=True)
class Mark:
    kind: str  # "evidence" | "filler" | "flag"
    key: str  # unique within the answer, e.g. "filler-0"
    a: int
    b: int
    title: str
    start: float | None = None


def words_of(result: Result) -> list[WordSpan]:
    """The result's timed words, else the transcript split at whitespace (times None)."""
    if result.words:
        return list(result.words)
    out, text, pos = [], result.transcript, 0
    for tok in text.split():
        a = text.index(tok, pos)
        out.append(WordSpan(tok, None, None, a, a + len(tok)))
        pos = a + len(tok)
    return out


def marks_of(result: Result) -> list[Mark]:
    """Every marked span of the transcript, in text order (overlaps allowed)."""
    n = len(result.transcript)
    out: list[Mark] = []
    for i, p in enumerate(result.coverage.points):
        ev = p.evidence
        if ev is not None:
            out.append(
                Mark(
                    "evidence",
                    f"evidence-{i}",
                    ev.char_start,
                    ev.char_end,
                    f"key point: {p.label}",
                    ev.start,
                )
            )
    for i, f in enumerate(result.fillers.items):
        if f.char_start is not None and f.char_end is not None:
            out.append(
                Mark(
                    "filler", f"filler-{i}", f.char_start, f.char_end, f"filler: {f.text}", f.start
                )
            )
    for i, h in enumerate(result.red_flags):
        if h.char_start is not None and h.char_end is not None:
            out.append(
                Mark(
                    "flag",
                    f"flag-{i}",
                    h.char_start,
                    h.char_end,
                    f"red flag ({h.category.replace('_', ' ')}): {h.why}",
                    h.start,
                )
            )
    out = [m for m in out if 0 <= m.a < m.b <= n]
    rank = {"flag": 0, "evidence": 1, "filler": 2}  # outermost first at equal spans
    return sorted(out, key=lambda m: (m.a, -m.b, rank[m.kind]))


@dataclass(frozen=True)
class Piece:
    """A stretch of transcript: close ``closes`` marks, open ``opens``, then the text."""

    a: int
    b: int
    closes: tuple[Mark, ...]
    opens: tuple[Mark, ...]
    word: int | None  # index into the words given to :func:`walk`


def walk(text: str, marks: list[Mark], words: list[WordSpan] | None = None) -> Iterator[Piece]:
    """Cut ``text`` at every mark and word boundary; a final piece with no text closes what is
    still open. Marks crossing each other are closed and reopened so they always nest."""
    words = words or []
    cuts = {0, len(text)}
    for w in words:
        cuts.update((w.char_start, w.char_end))
    for m in marks:
        cuts.update((m.a, m.b))
    pts = sorted(c for c in cuts if 0 <= c <= len(text))
    owner: dict[int, int] = {}
    for i, w in enumerate(words):
        for c in range(w.char_start, w.char_end):
            owner.setdefault(c, i)
    stack: list[Mark] = []
    for a, b in zip(pts, pts[1:], strict=False):
        inside = [m for m in marks if m.a <= a and b <= m.b]
        keep = 0
        while keep < min(len(stack), len(inside)) and stack[keep] is inside[keep]:
            keep += 1
        closes = tuple(reversed(stack[keep:]))
        opens = tuple(inside[keep:])
        stack = stack[:keep] + list(opens)
        yield Piece(a, b, closes, opens, owner.get(a))
    if stack:
        yield Piece(len(text), len(text), tuple(reversed(stack)), (), None)


def delimited(
    result: Result, delims: dict[str, tuple[str, str]], escape: Callable[[str], str] = lambda s: s
) -> str:
    """The transcript with each mark wrapped in its kind's (open, close) delimiters."""
    text = result.transcript
    out: list[str] = []
    for piece in walk(text, marks_of(result)):
        out += [delims[m.kind][1] for m in piece.closes]
        out += [delims[m.kind][0] for m in piece.opens]
        out.append(escape(text[piece.a : piece.b]))
    return "".join(out)
