"""Cutting an answer into the windows the judge reads: sentences, and overlapping stretches of
long unpunctuated speech. Pure Python, shared by training and inference.

A window is a character span of the transcript. Sentences end at ``.``, ``!``, ``?`` or a line
break; a sentence of fewer than :data:`MIN_WORDS` words ("No.", "Hmm, okay.") joins the next
one (or the previous one at the end); a sentence longer than :data:`MAX_WORDS` words (a
recogniser that writes no full stops) is cut into windows of :data:`CHUNK_WORDS` words that
overlap by half, preferring to end at a comma.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MIN_WORDS = 4
MAX_WORDS = 40
CHUNK_WORDS = 24

_SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*(?=\s|$)|\n+")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Window:
    start: int  # character offsets into the transcript
    end: int

    def text(self, transcript: str) -> str:
        return transcript[self.start : self.end]


def _sentences(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for m in _SENTENCE_END.finditer(text):
        spans.append((pos, m.end()))
        pos = m.end()
    spans.append((pos, len(text)))
    out = []
    for a, b in spans:
        sub = text[a:b]
        lead = len(sub) - len(sub.lstrip())
        trail = len(sub.rstrip())
        if trail > lead:
            out.append((a + lead, a + trail))
    return out


def _n_words(text: str, a: int, b: int) -> int:
    return len(_WORD.findall(text, a, b))


def _chunks(text: str, a: int, b: int) -> list[tuple[int, int]]:
    """Overlapping windows of about CHUNK_WORDS words over text[a:b]."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(text, a, b)]
    out: list[tuple[int, int]] = []
    step = CHUNK_WORDS // 2
    i = 0
    while i < len(words):
        j = min(len(words), i + CHUNK_WORDS)
        if j < len(words):  # end at a comma in the last third, if there is one
            for k in range(j - 1, i + 2 * CHUNK_WORDS // 3 - 1, -1):
                if text[words[k][1] - 1] in ",;:":
                    j = k + 1
                    break
        out.append((words[i][0], words[j - 1][1]))
        if j >= len(words):
            break
        i = max(i + 1, min(i + step, j - step // 2))
    return out


def split_windows(text: str) -> list[Window]:
    """The windows of an answer, in order (overlapping only inside long sentences)."""
    sents = _sentences(text)
    merged: list[tuple[int, int]] = []
    carry: int | None = None
    for a, b in sents:
        start = carry if carry is not None else a
        if _n_words(text, start, b) < MIN_WORDS:
            carry = start
            continue
        merged.append((start, b))
        carry = None
    if carry is not None:
        if merged:
            merged[-1] = (merged[-1][0], sents[-1][1])
        else:
            merged.append((carry, sents[-1][1]))
    out: list[Window] = []
    for a, b in merged:
        if _n_words(text, a, b) > MAX_WORDS:
            out += [Window(x, y) for x, y in _chunks(text, a, b)]
        else:
            out.append(Window(a, b))
    return out
