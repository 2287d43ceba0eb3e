"""What a practice run is set up with: its options, the questions it asks, and the process
around it (signals, start-up time)."""

from __future__ import annotations

import contextlib
import random
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field

from voicecoach.banks import Bank, Question
from voicecoach.errors import UserError


@dataclass
class PracticeOptions:
    question_ids: list[str] = field(default_factory=list)
    count: int | None = None
    shuffle: bool = False
    kind: str | None = None
    seed: int | None = None
    auto_stop_s: float | None = 3.0
    max_seconds: float = 180.0
    input_device: str | None = None
    output_device: str | None = None
    voice: str | None = None
    speak: bool = True
    speak_feedback: bool = False
    interactive: bool = True
    sessions_dir: str | None = None
    model: str | None = None
    company: str | None = None  # the employer practised for (red flag: not knowing it)
    judge: bool = True  # the learned judge decides with the rules
    record_only: bool = False  # save the answers to score later (voicecoach batch SESSION)
    check: bool = True  # decode each recording whole after its feedback, keep that result


DEFAULT_COUNT = 5


def pick_questions(bank: Bank, opts: PracticeOptions) -> list[Question]:
    if opts.question_ids:
        qs = [bank.get(qid) for qid in opts.question_ids]
    else:
        qs = [q for q in bank.questions if opts.kind is None or q.kind == opts.kind]
        if not qs:
            raise UserError(f"bank '{bank.id}' has no {opts.kind} questions")
    if opts.shuffle:
        random.Random(opts.seed).shuffle(qs)
    if opts.count is not None:
        qs = qs[: opts.count]
    elif not opts.question_ids:
        qs = qs[:DEFAULT_COUNT]
    return qs


@contextlib.contextmanager
def interrupt_on_term() -> Iterator[None]:
    """SIGTERM (a kill) and SIGHUP (the terminal closed) end practice as Ctrl-C does: the
    answer in progress is kept as a partial recording and the session is marked
    interrupted."""

    def handler(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signal.Signals(signum).name)

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    old = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


def process_start_age() -> float:
    """Seconds since this process was launched (Linux /proc), else since import."""
    try:
        with open("/proc/self/stat") as fh:
            start_ticks = int(fh.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime") as fh:
            uptime = float(fh.read().split()[0])
        import os

        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0
