"""Scoring: a transcript against a question's rubric, with evidence for every mark.

Owns the English normaliser (:mod:`.textnorm`, rules in ``voicecoach/data``), the phrase
matcher (:mod:`.match`), key-point coverage (:mod:`.coverage`), fillers (:mod:`.fillers`),
red flags (:mod:`.redflags`; their compiled patterns are kept on disk by :mod:`.patterns`),
delivery (:mod:`.delivery`), tips (:mod:`.tips`), the overall score's weights
(:mod:`.weights`), the typed result (:mod:`.result`), and measurement against hand-marked
answers (:mod:`.evaluation`). Nothing here imports speech libraries.

Exports: :func:`score_answer`, :class:`Settings`, :class:`Result` (and its parts in
:mod:`.result`), ``SCHEMA``.
"""

from voicecoach.scoring.result import SCHEMA, Result, ResultFormatError
from voicecoach.scoring.score import Settings, score_answer

__all__ = ["SCHEMA", "Result", "ResultFormatError", "Settings", "score_answer"]
