"""Audio file in, scored answer out: transcription (``voicecoach.transcribe``) followed by
scoring (``voicecoach.scoring``). Shared by ``score``, ``batch`` and ``practice``."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from .banks import Question
from .scoring import ScoreResult, Settings, score_answer
from .transcript import Transcript

if TYPE_CHECKING:
    import numpy as np

    from .transcribe import Transcriber


def decode_context(question: Question | None, company: str | None = None) -> str | None:
    """The decoding context for an answer: the question text, then the company's name in
    brackets. The name in the prompt is what makes Whisper spell it (tiny.en heard
    "Northwind" as "North one" without it), so that the red flag for not knowing the company
    can find it."""
    parts = [question.text if question else "", f"({company.strip()})" if company else ""]
    return " ".join(p for p in parts if p) or None


def transcribe_for(question: Question | None, source: str | os.PathLike | np.ndarray,
                   transcriber: Transcriber | None = None, model: str | None = None,
                   allow_download: bool | None = None,
                   company: str | None = None) -> Transcript:
    """Transcribe ``source`` with the question text (and company name) as decoding context."""
    if transcriber is None:
        from .transcribe import get_transcriber

        transcriber = get_transcriber(model, allow_download=allow_download)
    return transcriber.transcribe(source, context=decode_context(question, company))


def score_audio(question: Question, source: str | os.PathLike | np.ndarray,
                transcriber: Transcriber | None = None, settings: Settings | None = None,
                model: str | None = None, allow_download: bool | None = None) -> dict:
    """Transcribe and score one recorded answer; returns the public result dict with
    ``asr`` (model, decoding fallbacks, timings) added."""
    t0 = time.perf_counter()
    company = settings.company if settings else None
    tr = transcribe_for(question, source, transcriber, model, allow_download, company)
    t1 = time.perf_counter()
    result: ScoreResult = score_answer(question, tr, settings)
    d = result.to_dict()
    info = dict(tr.info)
    timings = dict(info.get("timings", {}))
    timings.update(transcribe_s=round(t1 - t0, 3),
                   score_s=round(time.perf_counter() - t1, 4))
    info["timings"] = timings
    d["asr"] = info
    return d
