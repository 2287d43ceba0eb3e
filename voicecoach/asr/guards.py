"""Checks and repairs for Whisper word lists (no speech libraries imported here).

Intervals are ``(start, end)`` seconds. ``speech`` is the fine-grained VAD stretches of one
piece. Used by :mod:`voicecoach.transcribe`; each function is pure and testable on its own.

* :func:`find_problems`: reasons to distrust a decode (low coverage, a word swallowing seconds
  of speech, loops, prompt echo, words where the VAD hears nothing).
* Coverage counts at most :func:`word_cap` seconds per word, so one word stretched over 10 s
  of speech (Whisper skipping the rest of its 30 s window) cannot hide the dropped words.
* :func:`drop_stock_endings`: "Thank you." and similar stock endings Whisper invents at the
  end, when they are unlikely or lie outside speech, and any trailing sentence whose first
  word is near-impossible (p < 0.05) and whose words average p < 0.5.
* :func:`keep_fillers`: fillers from the prompted decode placed where a safer re-decode
  (which usually deletes them) has no word.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

from voicecoach.transcript import Word

Interval = tuple[float, float]
LONG_WORD_SPEECH_S = 1.0  # VAD speech beyond a word's cap that makes it a "long word"
FILLER_WORDS = frozenset({"um", "uh", "hmm", "erm", "ah", "eh", "mm-hmm"})
_STOCK_ENDINGS = [
    ("thank", "you"),
    ("thanks",),
    ("thank", "you", "for", "watching"),
    ("thanks", "for", "watching"),
    ("bye",),
    ("you",),
    ("thank",),
]


@dataclass(frozen=True)
class Problem:
    """A reason to distrust a decode. ``kind``: "low-coverage", "long-word", "repeat",
    "compression-ratio", "prompt-echo" or "words-outside-speech"; ``detail`` says more.
    ``str(problem)`` ("repeat:so the model") is how it appears in ``asr.fallbacks``."""

    kind: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.detail}" if self.detail else self.kind

    @property
    def redecode(self) -> bool:
        """Does this problem call for re-decoding the whole piece? (Words outside speech are
        dropped instead; a stretched word is repaired by decoding the gap it hides.)"""
        return self.kind not in ("words-outside-speech", "long-word")


def _r(x: float, nd: int = 3) -> float:
    return round(float(x), nd)


def merge(iv: list[Interval], gap: float = 0.0) -> list[Interval]:
    out: list[Interval] = []
    for a, b in sorted(iv):
        if out and a <= out[-1][1] + gap:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def overlap(a: list[Interval], b: list[Interval]) -> float:
    """Total length where (sorted, disjoint) ``a`` and ``b`` overlap."""
    total, j = 0.0, 0
    for s, e in a:
        while j < len(b) and b[j][1] <= s:
            j += 1
        k = j
        while k < len(b) and b[k][0] < e:
            total += max(0.0, min(e, b[k][1]) - max(s, b[k][0]))
            k += 1
    return total


def subtract(a: list[Interval], b: list[Interval]) -> list[Interval]:
    """Parts of intervals ``a`` not covered by (merged, sorted) intervals ``b``."""
    out = []
    for s, e in a:
        cur = s
        for bs, be in b:
            if be <= cur or bs >= e:
                continue
            if bs > cur:
                out.append((cur, bs))
            cur = max(cur, be)
        if cur < e:
            out.append((cur, e))
    return out


def core(text: str) -> str:
    return re.sub(r"[^\w'-]", "", text.lower())


def times(w: Word) -> Interval:
    """A decoded word's (start, end); decoded words always carry times."""
    start = w.start if w.start is not None else 0.0
    return start, w.end if w.end is not None else start


def word_cap(w: Word) -> float:
    """Most speech one word can plausibly account for: 0.8 s, 0.12 s a letter for long words
    (tiny.en stretches a word over a pause or over speech it skipped)."""
    return max(0.8, 0.12 * len(core(w.text)))


def word_spans(words: list[Word], pad: float = 0.15) -> list[Interval]:
    """Merged time spans the words account for, each word capped at :func:`word_cap`."""
    out = []
    for w in words:
        a, b = times(w)
        out.append((a - pad, min(b, a + word_cap(w)) + pad))
    return merge(out)


def coverage(words: list[Word], speech: list[Interval]) -> float:
    total = sum(e - s for s, e in speech)
    return overlap(speech, word_spans(words)) / total if total else 1.0


def long_words(words: list[Word], speech: list[Interval]) -> list[Word]:
    """Words stretched over more than ``LONG_WORD_SPEECH_S`` of speech beyond their cap."""
    out = []
    for w in words:
        a, b = times(w)
        if b - a > word_cap(w) and overlap([(a + word_cap(w), b)], speech) > LONG_WORD_SPEECH_S:
            out.append(w)
    return out


def near_speech(speech: list[Interval], pad: float = 0.4) -> list[Interval]:
    return merge([(s - pad, e + pad) for s, e in speech])


def outside_speech(words: list[Word], speech: list[Interval]) -> list[Word]:
    """Words that do not touch any speech stretch (padded by 0.4 s)."""
    near = near_speech(speech)
    return [w for w in words if overlap([_point_span(w)], near) == 0.0]


def _point_span(w: Word) -> Interval:
    a, b = times(w)
    return a, max(b, a + 0.01)


def find_problems(words: list[Word], speech: list[Interval], prompt: str | None) -> list[Problem]:
    """Reasons to distrust a decode: low speech coverage, long words, loops, prompt echo,
    invented words outside speech."""
    problems = []
    speech_total = sum(e - s for s, e in speech)
    cov = coverage(words, speech)
    if speech_total > 1.5 and cov < 0.6:
        problems.append(Problem("low-coverage", f"{cov:.2f}"))
    for w in long_words(words, speech):
        problems.append(Problem("long-word", f"{core(w.text)}:{w.start:.2f}-{w.end:.2f}"))
    toks = [t for t in (core(w.text) for w in words) if t]
    for n in range(1, 9):  # the same n words back to back, 4x for single words, 2x for n>=4
        need = 4 if n == 1 else 3 if n < 4 else 2
        for i in range(0, max(0, len(toks) - n * need + 1)):
            if all(toks[i + k * n : i + (k + 1) * n] == toks[i : i + n] for k in range(1, need)):
                problems.append(Problem("repeat", " ".join(toks[i : i + n])))
                break
        else:
            continue
        break
    text = " ".join(w.text for w in words).encode()
    if len(text) > 120 and len(text) / len(zlib.compress(text)) > 2.4:
        problems.append(Problem("compression-ratio"))
    if prompt:
        ptoks = re.sub(r"[^\w' ]", "", prompt.lower()).split()
        grams = {tuple(ptoks[i : i + 5]) for i in range(len(ptoks) - 4)}
        if any(tuple(toks[i : i + 5]) in grams for i in range(len(toks) - 4)):
            problems.append(Problem("prompt-echo"))
    outside = outside_speech(words, speech)
    if len(outside) >= 2 or (outside and len(words) <= 2):
        problems.append(Problem("words-outside-speech", str(len(outside))))
    return problems


def drop_outside(words: list[Word], speech: list[Interval]) -> list[Word]:
    out = set(map(id, outside_speech(words, speech)))
    return [w for w in words if id(w) not in out]


def drop_stock_endings(
    words: list[Word], speech: list[Interval], max_prob: float = 0.35
) -> tuple[list[Word], list[str]]:
    """Remove trailing "Thank you." / "Thanks." / "Bye." that Whisper invents after the last
    sentence: dropped when its first word is unlikely (< ``max_prob``) or when less than
    30 % of it lies in speech. Repeated ("Thank you. Thank you.") endings go one by one."""
    words = list(words)
    dropped: list[str] = []
    while words:
        for phrase in _STOCK_ENDINGS:
            n = len(phrase)
            tail = words[-n:]
            if len(tail) < n or tuple(core(w.text) for w in tail) != phrase:
                continue
            a, b = times(tail[0])[0], times(tail[-1])[1]
            inside = overlap([(a, max(b, a + 0.01))], speech) / max(b - a, 0.01)
            if (tail[0].probability or 1.0) < max_prob or inside < 0.3:
                dropped.append(" ".join(w.text for w in tail))
                words = words[:-n]
                break
        else:
            n_tail = _unlikely_tail(words)
            if not n_tail:
                break
            dropped.append(" ".join(w.text for w in words[-n_tail:]))
            words = words[:-n_tail]
    return words, dropped


def _unlikely_tail(words: list[Word], max_words: int = 8) -> int:
    """Length of a trailing sentence Whisper most likely invented ("So, that's the first
    one." after the answer; "Uh, uh," in the closing silence): its first word has
    probability < 0.05 and its words average < 0.5. 0 when there is none."""
    n = 0
    while n < min(max_words, len(words) - 1) and not (
        words[-n - 2].text.rstrip("\"'").endswith((".", "?", "!"))
    ):
        n += 1
    n += 1
    if n > max_words or n >= len(words):
        return 0
    tail = words[-n:]
    probs = [w.probability if w.probability is not None else 1.0 for w in tail]
    return n if probs[0] < 0.05 and sum(probs) / n < 0.5 else 0


def keep_fillers(safe: list[Word], first: list[Word], pad: float = 0.05) -> list[Word]:
    """``safe`` plus the fillers of ``first`` at times where ``safe`` has no word."""
    taken = merge([(times(w)[0] - pad, times(w)[1] + pad) for w in safe])
    add = [
        w for w in first if core(w.text) in FILLER_WORDS and overlap([_point_span(w)], taken) == 0.0
    ]
    return sorted(safe + add, key=lambda w: times(w)[0])


def uncovered_runs(
    words: list[Word],
    speech: list[Interval],
    pad: float = 0.15,
    join: float = 0.4,
    min_speech: float = 0.8,
) -> list[Interval]:
    """Spans where the VAD hears at least ``min_speech`` s of speech that no word covers
    (each word counted for at most :func:`word_cap` seconds; a :func:`long_words` word for
    nothing, so the span starts where it does)."""
    stretched = set(map(id, long_words(words, speech)))
    gaps = subtract(speech, word_spans([w for w in words if id(w) not in stretched], pad))
    return [(a, b) for a, b in merge(gaps, join) if overlap([(a, b)], gaps) >= min_speech]


def unrecognized_stretches(
    words: list[Word],
    speech: list[Interval],
    min_s: float = 0.15,
    max_s: float = 1.5,
    pad: float = 0.08,
) -> list[Interval]:
    """Speech with no word over it, ``min_s``..``max_s`` long (typically a deleted filler)."""
    gaps = subtract(speech, word_spans(words, pad))
    return [(_r(a, 2), _r(b, 2)) for a, b in gaps if min_s <= b - a <= max_s]


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
