"""Hesitations and sounds that are not words (no speech libraries imported here).

* :func:`normalize_filler`: one spelling per filler ("Umm," -> "Um,", "mhm" -> "mm-hmm").
* :func:`drop_sounds`: laughter and other non-speech written as text ("Ha.", "(laughs)",
  "[BLANK_AUDIO]", "♪") never becomes a word.
* :func:`drop_improbable_fillers`: a filler the model itself gives almost no chance
  (p < ``IMPROBABLE_FILLER``). The filler prompt makes Whisper write "uh" over a pause or over
  the end of a drawn-out word; those come out near p = 0, real ones above it (on samples/,
  every false um/uh but one had p <= 0.002 and every true one p >= 0.012).
* :func:`keep_fillers`: when a piece is re-decoded without the filler prompt, the hesitations
  of the first pass that the re-decode lacks, found by aligning the two word sequences (not
  by time: Whisper stretches a word over the pause before it) and kept where sound is heard.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher

from voicecoach.asr.intervals import Interval, core, overlap, pad, point_span, times
from voicecoach.transcript import Word

FILLER_WORDS = frozenset({"um", "uh", "hmm", "erm", "er", "ah", "eh", "mm-hmm"})
IMPROBABLE_FILLER = 0.01
_LAUGH = re.compile(r"^(?:ha)+h?$|^heh+$|^(?:he){2,}h?$")
_OPEN, _CLOSE = "([*♪", ")]*♪"


def is_sound(text: str) -> bool:
    """Text Whisper writes for laughter or a non-speech sound: "Ha.", "haha", "heh"."""
    return bool(_LAUGH.match(core(text).replace("-", ""))) or text.strip(" .,!?") in (
        "♪",
        "♪♪",
        "*",
    )


def drop_sounds(words: list[Word]) -> tuple[list[Word], list[str]]:
    """Remove laughter tokens and bracketed annotations ("(laughs)", "[BLANK_AUDIO]",
    "*coughs*"), even when the annotation spans several words."""
    kept: list[Word] = []
    dropped: list[str] = []
    inside = False
    for w in words:
        t = w.text.strip()
        opens = t[:1] in _OPEN
        if inside or opens:
            dropped.append(t)
            closes = t.rstrip(".,!?")[-1:] in _CLOSE and (len(t) > 1 or inside)
            inside = not closes
            continue
        if is_sound(t):
            dropped.append(t)
            continue
        kept.append(w)
    return kept, dropped


def is_filler(w: Word) -> bool:
    return core(w.text) in FILLER_WORDS


def drop_improbable_fillers(words: list[Word]) -> tuple[list[Word], list[str]]:
    """Remove fillers whose probability is below ``IMPROBABLE_FILLER``."""
    kept, dropped = [], []
    for w in words:
        p = w.probability if w.probability is not None else 1.0
        if is_filler(w) and p < IMPROBABLE_FILLER:
            dropped.append(w.text)
        else:
            kept.append(w)
    return kept, dropped


def keep_fillers(
    safe: list[Word],
    first: list[Word],
    heard: list[Interval] | None = None,
    skip: list[Interval] | None = None,
) -> list[Word]:
    """``safe`` plus the fillers of ``first`` that ``safe`` has no counterpart for (found by
    aligning the two word sequences), each where ``heard`` has sound (within 0.2 s) and not
    inside ``skip`` (a loop's span). A ``safe`` word stretched back over an added filler
    (Whisper starts it at the end of the previous word) is made to start after it."""
    a = [core(w.text) for w in first]
    b = [core(w.text) for w in safe]
    near = pad(heard, 0.2) if heard is not None else None
    out: list[Word] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("delete", "replace"):
            for w in first[i1:i2]:
                span = [point_span(w)]
                if not is_filler(w) or (skip and overlap(span, skip) > 0):
                    continue
                if near is not None and overlap(span, near) == 0.0:
                    continue
                out.append(w)
        for w in safe[j1:j2]:
            if out and is_filler(out[-1]) and times(w)[0] < times(out[-1])[1] < times(w)[1]:
                w = Word(w.text, times(out[-1])[1], w.end, w.probability)
            out.append(w)
    return sorted(out, key=lambda w: times(w)[0])


_FILLER_FORMS = [
    (re.compile(r"^(?:u+h*m+|u+m+h*|e+h*m+)$", re.I), "um"),
    (re.compile(r"^u+h+$", re.I), "uh"),
    (re.compile(r"^h+m+$|^h+u*m+$", re.I), "hmm"),
    (re.compile(r"^(?:m+-?h+m+|m+h+m+|m+-h+m+|m+m+-?h+m+)$", re.I), "mm-hmm"),
    (re.compile(r"^e+r+m+$", re.I), "erm"),
    (re.compile(r"^a+h+$", re.I), "ah"),
    (re.compile(r"^e+h+$", re.I), "eh"),
]
_EDGE = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)


def normalize_filler(text: str) -> str:
    """Spell a filler word one way ("Umm," -> "Um,"), keeping case and punctuation."""
    m = _EDGE.match(text)
    assert m is not None  # the pattern matches any string
    lead, body, trail = m.groups()
    for pattern, canon in _FILLER_FORMS:
        if body and pattern.match(body):
            if body[0].isupper():
                canon = canon[0].upper() + canon[1:]
            return f"{lead}{canon}{trail}"
    return text
