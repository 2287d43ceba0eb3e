"""voicecoach: private, offline mock-interview practice by voice.

The public Python API (the names below; everything else is internal)::

    import voicecoach

    q = voicecoach.find_question("bias-variance")[1]          # or load_bank(...).get(...)
    r = voicecoach.score_text(q, "High bias means the model is too simple...")
    r.overall, r.coverage.fraction, [p.label for p in r.coverage.missed]
    r = voicecoach.score_audio(q, "answer.m4a")                # transcribed on this machine
    t = voicecoach.transcribe("answer.m4a")                    # words with times
    voicecoach.Result.from_dict(r.to_dict()) == r              # the JSON contract, typed

Errors the user can fix are :class:`UserError` (one-line messages). Names are imported on
first use, so ``import voicecoach`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from voicecoach.answer import score_audio, score_text, transcribe
    from voicecoach.banks import Bank, BankError, Question, find_question, load_bank
    from voicecoach.errors import UserError
    from voicecoach.scoring.result import Result
    from voicecoach.scoring.score import Settings
    from voicecoach.transcript import Transcript

_EXPORTS = {
    "score_text": "voicecoach.answer",
    "score_audio": "voicecoach.answer",
    "transcribe": "voicecoach.answer",
    "load_bank": "voicecoach.banks",
    "find_question": "voicecoach.banks",
    "Bank": "voicecoach.banks",
    "Question": "voicecoach.banks",
    "BankError": "voicecoach.banks",
    "Result": "voicecoach.scoring.result",
    "Settings": "voicecoach.scoring.score",
    "Transcript": "voicecoach.transcript",
    "UserError": "voicecoach.errors",
}
__all__ = [
    "Bank",
    "BankError",
    "Question",
    "Result",
    "Settings",
    "Transcript",
    "UserError",
    "find_question",
    "load_bank",
    "score_audio",
    "score_text",
    "transcribe",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'voicecoach' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
