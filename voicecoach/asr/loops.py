"""Repetitions: said by the person, or written by a looping decoder? (no speech libraries)

A person who repeats a word ("words, words, words") says each copy on its own stretch of
audio; a decoder loop writes more copies than the audio under them could hold. So:

* :func:`collapse_stacks`: copies of one word that Whisper stacks on (nearly) the same
  instant keep only as many as the time up to the next word holds at ``SYLLABLE_S`` a
  syllable ("uh uh uh uh uh" within 0.1 s before "forced" is one "uh").
* :func:`trim_runs`: copies of one word in a row keep only as many as the sound heard under
  them holds.
* :func:`loops`: runs of a repeated word group that are faster than speech over the sound
  heard under them (``MAX_SYLLABLES_PER_S``), or longer than people repeat themselves
  (``MAX_REPEATS``): re-decoded. A repetition at a speaking pace, over speech, is left
  alone.
* :func:`prompt_echo`: the prompt written back, over no speech, or verbatim at length.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from voicecoach.asr.intervals import Interval, core, overlap, pad, point_span, times
from voicecoach.transcript import Word

SYLLABLE_S = 0.15  # the shortest a repeated syllable takes
STACK_S = 0.1  # copies starting closer than this share one instant
MAX_SYLLABLES_PER_S = 8.0  # faster than any speaker
MAX_REPEATS = {1: 10}  # copies of one word people do not exceed; 5 for longer groups
ECHO_GRAM = 5  # words in a row taken from the prompt that count as an echo
ECHO_LONG = 10  # echoed words that are an echo wherever they lie


def syllables(text: str) -> int:
    """A rough syllable count (vowel groups), at least 1."""
    return max(1, len(re.findall(r"[aeiouy]+", core(text))))


def _same_word_runs(
    words: list[Word],
    together: Callable[[Word, Word], bool],
    fits: Callable[[list[Word], int], int],
) -> tuple[list[Word], list[str]]:
    """Walk runs of copies of one word (``together`` says whether the next copy belongs to
    the run); of each run keep the first ``fits(run, end)`` copies (``end``: the index after
    the run). Returns the words kept and the texts dropped."""
    out: list[Word] = []
    dropped: list[str] = []
    i = 0
    while i < len(words):
        key = core(words[i].text)
        j = i + 1
        while (
            j < len(words)
            and key
            and core(words[j].text) == key
            and together(words[j - 1], words[j])
        ):
            j += 1
        group = words[i:j]
        if len(group) > 1:
            keep = fits(group, j)
            dropped += [w.text for w in group[keep:]]
            group = group[:keep]
        out += group
        i = j
    return out, dropped


def collapse_stacks(words: list[Word]) -> tuple[list[Word], list[str]]:
    """Drop the copies of a word that cannot fit where Whisper placed them."""

    def fits(group: list[Word], j: int) -> int:
        start = times(group[0])[0]
        until = max(times(words[j])[0] if j < len(words) else 0.0, times(group[-1])[1])
        return max(1, int((until - start) / (SYLLABLE_S * syllables(group[0].text))))

    return _same_word_runs(words, lambda prev, w: times(w)[0] - times(prev)[0] < STACK_S, fits)


def trim_runs(words: list[Word], heard: list[Interval]) -> tuple[list[Word], list[str]]:
    """Copies of one word in a row keep only as many as the sound heard under them holds at
    ``SYLLABLE_S`` a syllable ("uh" written six times over 0.3 s of a drawn-out "-er" is one
    "uh"; "words, words, words" over a second of speech stays)."""

    def fits(group: list[Word], j: int) -> int:
        a = times(group[0])[0]
        b = max(times(w)[1] for w in group)
        held = overlap([(a - 0.1, b + 0.1)], heard)
        return max(1, int(held / (SYLLABLE_S * syllables(group[0].text))))

    return _same_word_runs(words, lambda prev, w: True, fits)


def repeat_runs(words: list[Word]) -> list[tuple[int, int, int]]:
    """Maximal runs of one word group said again and again: ``(first index, group size n,
    copies k)``, with k >= 3 for groups of up to 3 words and k >= 2 for longer ones."""
    toks = [core(w.text) for w in words]
    runs: list[tuple[int, int, int]] = []
    taken = [False] * len(toks)
    for n in range(1, 9):
        need = 3 if n < 4 else 2
        i = 0
        while i + n * need <= len(toks):
            unit = toks[i : i + n]
            k = 1
            while toks[i + k * n : i + (k + 1) * n] == unit:
                k += 1
            if k >= need and all(unit) and not any(taken[i : i + n * k]):
                runs.append((i, n, k))
                taken[i : i + n * k] = [True] * (n * k)
                i += n * k
            else:
                i += 1
    return sorted(runs)


def loops(words: list[Word], heard: list[Interval]) -> list[tuple[int, int, int, str]]:
    """The :func:`repeat_runs` that are decoder loops, each with the evidence."""
    out = []
    for i, n, k in repeat_runs(words):
        run = words[i : i + n * k]
        a = times(run[0])[0]
        b = max(times(w)[1] for w in run)
        held = overlap([(a - 0.1, b + 0.1)], heard)
        said = sum(syllables(w.text) for w in run)
        if said > MAX_SYLLABLES_PER_S * held + 2:
            out.append((i, n, k, f"{said} syllables in {held:.1f} s of sound"))
        elif k >= MAX_REPEATS.get(n, 5):
            out.append((i, n, k, f"{k} copies"))
    return out


def loop_spans(words: list[Word], heard: list[Interval]) -> list[Interval]:
    """Time spans of the decoder loops (for keeping fillers out of them)."""
    spans = []
    for i, n, k, _ in loops(words, heard):
        run = words[i : i + n * k]
        spans.append((times(run[0])[0], max(times(w)[1] for w in run)))
    return spans


def prompt_echo(words: list[Word], prompt: str | None, speech: list[Interval]) -> bool:
    """``ECHO_GRAM`` or more words in a row copied from the prompt, lying mostly outside the
    VAD's speech, or ``ECHO_LONG`` or more echoed words anywhere."""
    if not prompt:
        return False
    ptoks = re.sub(r"[^\w' -]", " ", prompt.lower()).split()
    grams = {tuple(ptoks[i : i + ECHO_GRAM]) for i in range(len(ptoks) - ECHO_GRAM + 1)}
    toks = [core(w.text) for w in words]
    echoed: set[int] = set()
    for i in range(len(toks) - ECHO_GRAM + 1):
        if tuple(toks[i : i + ECHO_GRAM]) in grams:
            echoed.update(range(i, i + ECHO_GRAM))
    if not echoed:
        return False
    near = pad(speech, 0.2)
    outside = sum(overlap([point_span(words[i])], near) == 0.0 for i in echoed)
    return len(echoed) >= ECHO_LONG or outside * 2 >= len(echoed)
