"""Checks and repairs for Whisper word lists (no speech libraries imported here).

Intervals are ``(start, end)`` seconds. ``speech`` is the fine-grained VAD stretches of one
piece; ``heard`` is wherever sound stands above the noise floor (``speech`` included), which
also holds the whispered or falsetto speech the VAD misses. A word is removed only on
positive evidence that it was not said (see :func:`clean`); everything else that looks wrong
is a :class:`Problem` that calls for a second decode.

* :func:`clean`: laughter and sounds written as words, stacked copies that cannot fit
  (:mod:`.loops`), fillers the model gives no chance (:mod:`.fillers`), words where nothing
  at all is heard, stock endings and improbable last fragments.
* :func:`find_problems`: decoder loops, the prompt echoed back, a word swallowing seconds of
  speech, low coverage of the VAD's speech.
* Coverage counts at most :func:`word_cap` seconds per word, so one word stretched over 10 s
  of speech (Whisper skipping the rest of its 30 s window) cannot hide the dropped words:
  :func:`uncovered_runs` gives the spans (2 s of speech or more) to decode again on their
  own. Shorter gaps are left as they are: decoded in context, the first pass chose to write
  nothing there (a long "uhhh", laughter), and decoded alone they come back as invented
  words or filler loops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from voicecoach.asr import fillers, loops
from voicecoach.asr.fillers import (  # noqa: F401  (re-exported)
    FILLER_WORDS,
    is_filler,
    keep_fillers,
    normalize_filler,
)
from voicecoach.asr.intervals import (  # noqa: F401  (re-exported)
    Interval,
    _r,
    core,
    merge,
    overlap,
    pad,
    point_span,
    subtract,
    times,
    total,
)
from voicecoach.transcript import Word

LONG_WORD_SPEECH_S = 1.0  # VAD speech beyond a word's cap that makes it a "long word"
FRAGMENT_P = 0.2  # a last fragment of one or two words this unlikely was not said
_STOCK_ENDINGS = [
    ("thank", "you"),
    ("thanks",),
    ("thank", "you", "for", "watching"),
    ("thanks", "for", "watching"),
    ("bye",),
    ("you",),
    ("thank",),
]
Fallback = dict[str, Any]  # one entry of info["fallbacks"]: reason, action, ...


@dataclass(frozen=True)
class Problem:
    """A reason to distrust a decode. ``kind``: "low-coverage", "long-word", "repeat",
    "prompt-echo" or "words-outside-speech"; ``detail`` says more. ``str(problem)``
    ("repeat:so the model") is how it appears in ``asr.fallbacks``."""

    kind: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.detail}" if self.detail else self.kind

    @property
    def redecode(self) -> bool:
        """Does this problem call for re-decoding the whole piece? Only a loop or an echo
        of the prompt does: missing words are decoded again span by span
        (:func:`uncovered_runs`), words where nothing is heard are dropped."""
        return self.kind in ("repeat", "prompt-echo")


def word_cap(w: Word) -> float:
    """Most speech one word can plausibly account for: 0.8 s, 0.12 s a letter for long words
    (tiny.en stretches a word over a pause or over speech it skipped)."""
    return max(0.8, 0.12 * len(core(w.text)))


def word_spans(words: list[Word], pad_s: float = 0.15) -> list[Interval]:
    """Merged time spans the words account for, each word capped at :func:`word_cap`."""
    out = []
    for w in words:
        a, b = times(w)
        out.append((a - pad_s, min(b, a + word_cap(w)) + pad_s))
    return merge(out)


def coverage(words: list[Word], speech: list[Interval]) -> float:
    whole = total(speech)
    return overlap(speech, word_spans(words)) / whole if whole else 1.0


def long_words(words: list[Word], speech: list[Interval]) -> list[Word]:
    """Words stretched over more than ``LONG_WORD_SPEECH_S`` of speech beyond their cap."""
    out = []
    for w in words:
        a, b = times(w)
        if b - a > word_cap(w) and overlap([(a + word_cap(w), b)], speech) > LONG_WORD_SPEECH_S:
            out.append(w)
    return out


def near_speech(speech: list[Interval], by: float = 0.4) -> list[Interval]:
    return pad(speech, by)


def outside_speech(words: list[Word], speech: list[Interval]) -> list[Word]:
    """Words that touch no stretch of ``speech`` (padded by 0.4 s)."""
    near = near_speech(speech)
    return [w for w in words if overlap([point_span(w)], near) == 0.0]


def find_problems(
    words: list[Word],
    speech: list[Interval],
    prompt: str | None,
    heard: list[Interval] | None = None,
) -> list[Problem]:
    """Reasons to distrust a decode (see :class:`Problem`). ``heard`` defaults to
    ``speech``."""
    heard = speech if heard is None else heard
    problems = []
    cov = coverage(words, speech)
    if total(speech) > 1.5 and cov < 0.6:
        problems.append(Problem("low-coverage", f"{cov:.2f}"))
    for w in long_words(words, speech):
        problems.append(Problem("long-word", f"{core(w.text)}:{w.start:.2f}-{w.end:.2f}"))
    for i, n, k, why in loops.loops(words, heard):
        unit = " ".join(core(w.text) for w in words[i : i + n])
        problems.append(Problem("repeat", f"{unit} x{k} ({why})"))
    if loops.prompt_echo(words, prompt, speech):
        problems.append(Problem("prompt-echo"))
    outside = outside_speech(words, heard)
    if len(outside) >= 2 or (outside and len(words) <= 2):
        problems.append(Problem("words-outside-speech", str(len(outside))))
    return problems


def drop_outside(words: list[Word], speech: list[Interval]) -> list[Word]:
    out = set(map(id, outside_speech(words, speech)))
    return [w for w in words if id(w) not in out]


def clean(
    words: list[Word], speech: list[Interval], heard: list[Interval]
) -> tuple[list[Word], list[Fallback]]:
    """Remove what was positively not said, recording each removal as a fallback: sounds
    written as words, stacked copies, improbable fillers, words where nothing is heard (two
    or more, the only ones, or any after all sound), then stock endings and an improbable
    last fragment."""
    fallbacks: list[Fallback] = []

    def note(reason: str, dropped: list[str]) -> None:
        if dropped:
            fallbacks.append({"reason": [reason], "action": f"dropped {' '.join(dropped)!r}"})

    words, dropped = fillers.drop_sounds(words)
    note("non-speech-sound", dropped)
    words, dropped = loops.collapse_stacks(words)
    note("stacked-copies", dropped)
    words, dropped = loops.trim_runs(words, heard)
    note("copies-over-too-little-sound", dropped)
    words, dropped = fillers.drop_improbable_fillers(words)
    note("improbable-filler", dropped)
    outside = outside_speech(words, heard)
    if not (len(outside) >= 2 or (outside and len(words) <= 2)):  # one stray word: its time
        end = heard[-1][1] + 0.4 if heard else 0.0  # may be off, unless it is after all sound
        outside = [w for w in outside if times(w)[0] > end]
    if outside:
        gone = set(map(id, outside))
        note("words-outside-speech", [w.text for w in outside])
        words = [w for w in words if id(w) not in gone]
    words, dropped = drop_stock_endings(words, speech)
    note("stock-ending", dropped)
    return words, fallbacks


def drop_stock_endings(
    words: list[Word], speech: list[Interval], max_prob: float = 0.35
) -> tuple[list[Word], list[str]]:
    """Remove trailing "Thank you." / "Thanks." / "Bye." that Whisper invents after the last
    sentence: dropped when its first word is unlikely (< ``max_prob``) or when less than
    30 % of it lies in speech. Repeated ("Thank you. Thank you.") endings go one by one.
    Then any improbable last sentence (:func:`_unlikely_tail`)."""
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
    one." after the answer; "Uh, uh," in the closing silence; "Here." over a breath): its
    first word has probability < 0.05 and its words average < 0.5, or it is a fragment of
    one or two words (not fillers) averaging < ``FRAGMENT_P``. 0 when there is none."""
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
    mean = sum(probs) / n
    if probs[0] < 0.05 and mean < 0.5:
        return n
    return n if n <= 2 and mean < FRAGMENT_P and not any(map(is_filler, tail)) else 0


def uncovered_runs(
    words: list[Word],
    speech: list[Interval],
    pad_s: float = 0.15,
    join: float = 0.4,
    min_speech: float = 2.0,
) -> list[Interval]:
    """Spans where the VAD hears at least ``min_speech`` s of speech that no word covers
    (each word counted for at most :func:`word_cap` seconds; a :func:`long_words` word for
    nothing, so the span starts where it does)."""
    stretched = set(map(id, long_words(words, speech)))
    gaps = subtract(speech, word_spans([w for w in words if id(w) not in stretched], pad_s))
    return [(a, b) for a, b in merge(gaps, join) if overlap([(a, b)], gaps) >= min_speech]


def unrecognized_stretches(
    words: list[Word],
    speech: list[Interval],
    min_s: float = 0.15,
    max_s: float = 1.5,
    pad_s: float = 0.08,
) -> list[Interval]:
    """Speech with no word over it, ``min_s``..``max_s`` long (typically a deleted filler)."""
    gaps = subtract(speech, word_spans(words, pad_s))
    return [(_r(a, 2), _r(b, 2)) for a, b in gaps if min_s <= b - a <= max_s]


def confident(words: list[Word], min_mean: float = 0.5) -> bool:
    """Words a decode of a gap on its own may add: their probabilities average at least
    ``min_mean``. Decoded out of context, laughter and breaths come back as one unlikely
    word ("oh", "here")."""
    if not words:
        return False
    probs = [w.probability if w.probability is not None else 1.0 for w in words]
    return sum(probs) / len(probs) >= min_mean
