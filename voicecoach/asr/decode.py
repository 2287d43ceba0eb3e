"""One faster-whisper decode of one piece: the prompt, the call, and its words with times.

The decode is clipped to where sound is heard and stops asking for segments once the words
reach the end of that sound: with word timestamps faster-whisper otherwise starts a new
30 s window after the last word, which costs a whole encoder pass, often several fallback
decodes, and returns an invented "Okay." or "Uh, uh," over the closing silence.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from voicecoach.asr.audio import SAMPLE_RATE
from voicecoach.asr.fillers import normalize_filler
from voicecoach.asr.intervals import Interval, _r, overlap
from voicecoach.transcript import Word

# Chosen on samples/: um/uh recall 98 % vs 86 % with the longer
# "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking.", WER 4.9 % vs 5.0 %.
DISFLUENT_PROMPT = "Um, uh, so, um, I think, uh, like, you know."
MAX_CONTEXT_CHARS = 400
MAX_PREVIOUS_CHARS = 200
TOKENS_PER_S = 10  # more text than any speaker says (5-6 tokens a second when fast)
BOUNDED_S = 20.0  # pieces up to this long get the bound (a prompt of at most ~190 tokens)
REST_S = 0.5  # sound left after the last segment that is worth another 30 s window


@dataclass(frozen=True)
class DecodeOptions:
    """Decoding settings. ``prompt``: "none", "disfluent" or "disfluent+context"."""

    prompt: str = "disfluent+context"
    beam_size: int = 5
    condition_on_previous_text: bool = True


def build_prompt(
    opts: DecodeOptions, context: str | None, previous: str | None = None
) -> str | None:
    """The ``initial_prompt``: the question (``context``), the answer's words just before
    this piece (``previous``, live decoding), then the filler prompt, which stays last so the
    decoder continues in its style."""
    if opts.prompt == "none":
        return None
    parts = []
    if opts.prompt == "disfluent+context" and context and context.strip():
        parts.append(context.strip()[-MAX_CONTEXT_CHARS:])
    if previous and previous.strip():
        tail = previous.strip()[-MAX_PREVIOUS_CHARS:]
        parts.append(tail.split(" ", 1)[-1] if len(previous.strip()) > len(tail) else tail)
    parts.append(DISFLUENT_PROMPT)
    return " ".join(parts)


def decode_words(
    model: Any,
    lock: threading.Lock,
    audio: np.ndarray,
    opts: DecodeOptions,
    prompt: str | None,
    heard: list[Interval] | None = None,
) -> list[Word]:
    """Words of ``audio`` (times in seconds from its start). With ``heard`` (where sound
    is), decoded from 0.5 s before the first sound to 0.5 s after the last, and no further
    than the first segment after which less than ``REST_S`` of sound is left."""
    import ctranslate2

    clip = None
    if heard:
        clip = (max(0.0, heard[0][0] - 0.5), min(len(audio) / SAMPLE_RATE, heard[-1][1] + 0.5))
    span = (clip[1] - clip[0]) if clip is not None else len(audio) / SAMPLE_RATE
    # a loop in a short piece stops where the speech could not hold more text, not after
    # 448 tokens (longer pieces: faster-whisper's prompt grows with the previous window)
    kwargs: dict[str, Any] = {}
    if span <= BOUNDED_S:
        kwargs["max_new_tokens"] = int(TOKENS_PER_S * span) + 20
    if clip is not None:
        kwargs["clip_timestamps"] = [round(clip[0], 2), round(clip[1], 2)]
    with lock:
        ctranslate2.set_random_seed(0)  # temperature fallback samples: keep it repeatable
        segments, _info = model.transcribe(
            audio,
            language="en",
            beam_size=opts.beam_size,
            word_timestamps=True,
            condition_on_previous_text=opts.condition_on_previous_text,
            initial_prompt=prompt,
            **kwargs,
        )
        segs = []
        for seg in segments:
            segs.append(seg)
            if clip is not None and heard and overlap([(seg.end, clip[1])], heard) < REST_S:
                break  # the sound has been decoded: no window for the silence after it
    words: list[Word] = []
    for seg in segs:
        first = True
        for w in seg.words or []:
            text = w.word.strip()
            if not text:
                continue
            if words and not first and not w.word[:1].isspace():
                prev = words[-1]  # "-fold" after "k": one word "k-fold"
                words[-1] = Word(
                    prev.text + text,
                    prev.start,
                    _r(w.end),
                    min(prev.probability or 1.0, _r(w.probability)),
                )
            else:
                words.append(
                    Word(normalize_filler(text), _r(w.start), _r(w.end), _r(w.probability))
                )
            first = False
    return words
