"""The learned judge: a small sentence encoder with three heads, shipped in ``model/``.

It reads an answer in windows (:mod:`.windows`: sentences, long ones cut in chunks) and says,
for each key point of the question, whether a window makes it (the point's *label* is all it
needs, so it judges banks that have no phrases), and, for each window, whether it is a red
flag and of which category. :mod:`.decide` holds the rules that combine its readings with the
phrase rules' hits, :mod:`.apply` runs them on one answer, :mod:`.model` loads the int8
CTranslate2 encoder and the numpy heads (no PyTorch at run time). Training, data and figures:
``training/`` and ``voicecoach/judge/model/MODEL_CARD.md``.

Exports: :func:`judge_answer`, :class:`JudgeModel`, :func:`get_model`, :class:`JudgeError`.
"""

from voicecoach.judge.apply import FlagCall, PointCall, judge_answer
from voicecoach.judge.model import JudgeError, JudgeModel, get_model

__all__ = ["FlagCall", "JudgeError", "JudgeModel", "PointCall", "get_model", "judge_answer"]
