"""From an answer to a stored result: the one path ``practice``, ``score``, ``score-text``
and ``batch`` share.

    from voicecoach.answer import score_audio, score_text
    result = score_audio(question, "answer.m4a", history=True)   # transcribe, score, store
    result = score_text(question, "High bias means ...")          # typed text

:func:`score_text` scores typed text or a finished transcript; :func:`score_audio`
transcribes a recording first (the question text and company name as decoding context).
Both record the result in the progress history when ``history`` is given: ``True`` for a
one-off run (source ``score``), or a :class:`voicecoach.history.Provenance` (practice, batch).
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from voicecoach.banks import Question
from voicecoach.scoring.result import Result
from voicecoach.scoring.score import Settings, score_answer
from voicecoach.storage import now_iso
from voicecoach.transcript import Transcript

if TYPE_CHECKING:
    import numpy as np

    from voicecoach.asr.transcribe import Transcriber
    from voicecoach.history.record import Provenance


def decode_context(question: Question | None, company: str | None = None) -> str | None:
    """The decoding context for an answer: the question text, then the company's name in
    brackets. The name in the prompt is what makes Whisper spell it (tiny.en heard
    "Northwind" as "North one" without it), so that the red flag for not knowing the company
    can find it."""
    parts = [question.text if question else "", f"({company.strip()})" if company else ""]
    return " ".join(p for p in parts if p) or None


def transcribe_for(
    question: Question | None,
    source: str | os.PathLike | np.ndarray,
    transcriber: Transcriber | None = None,
    model: str | None = None,
    allow_download: bool | None = None,
    company: str | None = None,
) -> Transcript:
    """Transcribe ``source`` with the question text (and company name) as decoding context."""
    if transcriber is None:
        from voicecoach.asr.transcribe import get_transcriber

        transcriber = get_transcriber(model, allow_download=allow_download)
    return transcriber.transcribe(source, context=decode_context(question, company))


def score_text(
    question: Question,
    answer: str | Transcript,
    settings: Settings | None = None,
    history: bool | Provenance = False,
) -> Result:
    """Score typed text, or a finished :class:`Transcript` (its ``info`` becomes
    ``result.asr``), and record it in the history when asked."""
    result = score_answer(question, answer, settings)
    if isinstance(answer, Transcript) and answer.info:
        result.asr = answer.info
    _store(result, history, text=answer if isinstance(answer, str) else answer.text)
    return result


def prime(question: Question, partial: str, settings: Settings | None = None) -> None:
    """Let the judge read the finished part of an answer while it is still being spoken
    (practice): its readings are cached, so scoring the whole answer at the end reads only
    what is new."""
    if partial.strip() and (settings is None or settings.judge):
        score_answer(question, partial, settings)


def score_audio(
    question: Question,
    source: str | os.PathLike | np.ndarray,
    transcriber: Transcriber | None = None,
    settings: Settings | None = None,
    model: str | None = None,
    allow_download: bool | None = None,
    history: bool | Provenance = False,
) -> Result:
    """Transcribe and score one recorded answer; ``result.asr`` holds the model, decoding
    fallbacks and timings, ``result.audio`` the file as given."""
    if isinstance(source, str | os.PathLike):
        from voicecoach.asr.audio import check_audio_file

        check_audio_file(source)  # before loading the model: a bad path fails at once
    t0 = time.perf_counter()
    company = settings.company if settings else None
    tr = transcribe_for(question, source, transcriber, model, allow_download, company)
    t1 = time.perf_counter()
    result = score_answer(question, tr, settings)
    info = dict(tr.info)
    timings = dict(info.get("timings", {}))
    timings.update(transcribe_s=round(t1 - t0, 3), score_s=round(time.perf_counter() - t1, 4))
    info["timings"] = timings
    result.asr = info
    result.warnings += [w for w in info.get("warnings", []) if w not in result.warnings]
    if isinstance(source, str | os.PathLike):
        result.audio = str(source)
    _store(result, history, audio=source if isinstance(source, str | os.PathLike) else None)
    return result


def _store(
    result: Result,
    history: bool | Provenance,
    audio: str | os.PathLike | None = None,
    text: str | None = None,
) -> None:
    if history is False:
        return
    from voicecoach.history.record import Provenance, record_quietly, score_key

    if history is True:
        now = now_iso()
        path = str(Path(audio).resolve()) if audio is not None else None
        history = Provenance(
            "score", score_key(audio, now, None if audio else text), now, audio_path=path
        )
    record_quietly(result, history)


def transcribe(
    source: str | os.PathLike | np.ndarray,
    context: str | None = None,
    model: str | None = None,
    allow_download: bool | None = None,
) -> Transcript:
    """Transcribe a recording on this machine (words with times). ``context``: the question
    text, which helps with domain words."""
    from voicecoach.asr.transcribe import get_transcriber

    return get_transcriber(model, allow_download=allow_download).transcribe(source, context)
