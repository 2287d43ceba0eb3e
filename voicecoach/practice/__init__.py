"""Practice: the spoken rehearsal loop behind ``voicecoach practice``.

Owns the loop (:mod:`.loop`: ask, record while transcribing live, score, save, feedback),
the session folder on disk (:mod:`.session`, format in docs/session-format.md), single-key
input (:mod:`.keys`) and what the screen shows and the speaker says (:mod:`.screen`).

Exports: :class:`Practice`, :class:`PracticeOptions`, :func:`pick_questions`,
:class:`Session`.
"""

from voicecoach.practice.loop import Practice, PracticeOptions, pick_questions
from voicecoach.practice.session import Session

__all__ = ["Practice", "PracticeOptions", "Session", "pick_questions"]
