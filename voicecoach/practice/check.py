"""The second pass of practice: the whole recording decoded again while feedback is read.

Live transcription cuts the answer into short pieces so that feedback is ready within a
second of the stop; short pieces carry less context than one decode of the whole answer
(about 2-3 WER points here, BENCHMARKS.md). So once the feedback is on screen,
:class:`Check` decodes the saved recording whole, exactly as ``voicecoach score`` would,
and scores that transcript on a background thread while the candidate reads. The practice
loop then keeps the checked result (session, history) and says what changed, before the
next question. If the check fails or is interrupted, the live result stands.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.text import Text

from voicecoach.banks import Question
from voicecoach.history.record import Provenance, record_quietly
from voicecoach.scoring.result import Result
from voicecoach.scoring.score import Settings

if TYPE_CHECKING:
    from voicecoach.practice.session import Session


@dataclass
class CheckOutcome:
    """The answer scored on its whole-recording transcript, and how it differs from live."""

    result: Result
    seconds: float  # recording stopped -> checked result ready
    words_changed: int  # word edits from the live transcript to the whole one
    changes: list[str] = field(default_factory=list)  # what changed in the feedback
    live: dict[str, Any] = field(default_factory=dict)  # the live result, in brief

    def summary(self) -> dict[str, Any]:
        """The record of the check kept with the answer in session.json (``live``: the
        transcript, score and pieces of the feedback shown first)."""
        return {
            "checked_s": round(self.seconds, 3),
            "words_changed": self.words_changed,
            "feedback_changes": self.changes,
            "live": self.live,
        }


def live_brief(live: Result) -> dict[str, Any]:
    """What is kept of the live result once the checked one replaces it."""
    pieces = (live.asr or {}).get("pieces")
    return {
        "transcript": live.transcript,
        "overall": live.overall,
        "pieces": len(pieces) if isinstance(pieces, list) else pieces,
    }


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


def word_edits(a: str, b: str) -> int:
    """Words substituted, inserted or deleted from ``a`` to ``b`` (case and punctuation
    ignored)."""
    wa, wb = _words(a), _words(b)
    edits = 0
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, wa, wb, autojunk=False).get_opcodes():
        if tag != "equal":
            edits += max(i2 - i1, j2 - j1)
    return edits


def feedback_changes(live: Result, whole: Result) -> list[str]:
    """What the candidate would see differently, in words: points, flags, fillers, score."""
    out = []
    was = {p.id: p for p in live.coverage.points}
    for p in whole.coverage.points:
        old = was.get(p.id)
        if old is not None and old.covered != p.covered:
            out.append(f"{'now covered' if p.covered else 'no longer covered'}: {p.label}")
    before = {f.category for f in live.red_flags}
    after = {f.category for f in whole.red_flags}
    out += [f"now flagged: {c.replace('_', ' ')}" for c in sorted(after - before)]
    out += [f"no longer flagged: {c.replace('_', ' ')}" for c in sorted(before - after)]
    if live.fillers.count != whole.fillers.count:
        out.append(f"fillers {live.fillers.count} -> {whole.fillers.count}")
    if live.overall != whole.overall:
        out.append(f"score {live.overall} -> {whole.overall}")
    return out


class Check:
    """Decode ``audio`` whole and score it on a background thread (see the module doc).

    ``model`` is the practice loop's Future (or callable) of a loaded
    :class:`voicecoach.asr.transcribe.Transcriber`; the recording is scored by
    :func:`voicecoach.answer.score_audio` (the company of ``settings`` in the decoding
    context, as for ``voicecoach score``); ``t_stop`` is the ``time.monotonic()`` of the end
    of the recording. Nothing is written here: :meth:`wait` hands the outcome to the
    caller, which keeps it.
    """

    def __init__(
        self,
        model: Future | Callable[[], Any],
        question: Question,
        audio: Path,
        settings: Settings,
        live: Result,
        t_stop: float,
    ):
        self._args = (model, question, audio, settings, live, t_stop)
        self._outcome: CheckOutcome | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="whole-check", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from voicecoach.answer import score_audio

        model, question, audio, settings, live, t_stop = self._args
        try:
            transcriber = model.result() if isinstance(model, Future) else model()
            result = score_audio(question, audio, transcriber, settings)
            result.asr = {**(result.asr or {}), "mode": "whole (checked after live feedback)"}
            self._outcome = CheckOutcome(
                result,
                time.monotonic() - t_stop,
                word_edits(live.transcript, result.transcript),
                feedback_changes(live, result),
                live_brief(live),
            )
        except Exception as e:  # the live result stands; the caller says why
            self._error = e

    def done(self) -> bool:
        return not self._thread.is_alive()

    @property
    def error(self) -> BaseException | None:
        return self._error

    def wait(self, timeout: float | None = None) -> CheckOutcome | None:
        """The outcome, or None if the check failed or is not done within ``timeout``."""
        self._thread.join(timeout)
        return self._outcome


def announce(outcome: CheckOutcome | None, error: BaseException | None, console: Console) -> None:
    """One line on the check: what changed in the feedback, or that nothing did."""
    if outcome is None:
        console.print(
            f"[dim]The whole-recording check did not finish ({error or 'interrupted'}); "
            "the live result is kept.[/dim]"
        )
        return
    head = (
        f"Checked against the whole recording ({outcome.seconds:.1f} s after the stop): "
        f"{outcome.words_changed} word(s) differ"
    )
    if outcome.changes:
        console.print(Text(f"{head}; " + "; ".join(outcome.changes) + ".", style="yellow"))
    else:
        console.print(Text(f"{head}; the feedback is unchanged.", style="dim"))


@dataclass
class Pending:
    """A check in progress for answer ``n`` of a session, with the history provenance of
    its live result (False: not recorded)."""

    check: Check
    n: int
    history: Provenance | bool
    shown: bool = False

    def show_if_done(self, console: Console) -> None:
        if not self.shown and self.check.done():
            announce(self.check.wait(), self.check.error, console)
            self.shown = True

    def settle(self, session: Session, console: Console) -> None:
        """Wait for the check, then keep its result in place of the live one."""
        if not self.check.done():
            with console.status("Checking the answer against the whole recording..."):
                self.check.wait()
        self.show_if_done(console)
        out = self.check.wait()  # done: returns at once
        if out is None:
            session.update_answer(self.n, check={"error": str(self.check.error)})
            return
        session.update_answer(self.n, result=out.result.to_dict(), check=out.summary())
        if isinstance(self.history, Provenance):
            record_quietly(out.result, self.history)
