"""Practice: the spoken rehearsal loop behind ``voicecoach practice``.

Owns the loop (:mod:`.loop`: ask, record while transcribing live, score, save, feedback), its
set-up (:mod:`.setup`: options, question choice, signals),
the session folder on disk (:mod:`.session`, format in docs/session-format.md), single-key
input (:mod:`.keys`) and what the screen shows and the speaker says (:mod:`.screen`).

Exports: :class:`Practice`, :class:`PracticeOptions`, :func:`pick_questions`,
:class:`Session`.
"""

from voicecoach.practice.loop import Practice
from voicecoach.practice.session import Session
from voicecoach.practice.setup import PracticeOptions, pick_questions

__all__ = ["Practice", "PracticeOptions", "Session", "pick_questions"]
