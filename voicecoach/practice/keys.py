"""Single-key input while recording (Enter, r, s, q) and after feedback, without waiting
for a newline."""

from __future__ import annotations

import os
import select
import sys
from collections.abc import Callable

from rich.console import Console
from rich.text import Text

from voicecoach.banks import Question
from voicecoach.display import clean


class KeyReader:
    """``with KeyReader() as keys: k = keys.get(0.1)``. On a non-terminal stdin, ``get``
    always returns None (scripted runs never wait for a key)."""

    def __init__(self) -> None:
        self.active = sys.stdin is not None and sys.stdin.isatty()
        self._old: list | None = None

    def __enter__(self) -> KeyReader:
        if self.active:
            import termios
            import tty

            fd = sys.stdin.fileno()
            self._old = termios.tcgetattr(fd)
            tty.setcbreak(fd)
        return self

    def __exit__(self, *exc) -> None:
        if self._old is not None:
            import termios

            termios.tcsetattr(sys.stdin.fileno(), termios.TCSADRAIN, self._old)
            self._old = None

    def get(self, timeout: float) -> str | None:
        if not self.active:
            return None
        r, _, _ = select.select([sys.stdin], [], [], timeout)
        if not r:
            return None
        ch = os.read(sys.stdin.fileno(), 1).decode("utf-8", "replace")
        return "enter" if ch in ("\n", "\r") else ch.lower()


def feedback_menu(q: Question, console: Console, tick: Callable[[Console], None] | None) -> str:
    """The keys after feedback: "next", "again" or "quit" ("m" shows the model answer).
    ``tick`` runs about four times a second while it waits (the whole-recording check
    shows its outcome with it)."""
    with KeyReader() as keys:
        if not keys.active:
            return "next"
        console.print(
            "[cyan]Enter[/cyan] next · [cyan]m[/cyan] model answer · "
            "[cyan]a[/cyan] try again · [cyan]q[/cyan] quit"
        )
        while True:
            k = keys.get(0.25)
            if tick is not None:
                tick(console)
            if k in ("enter", " ", "n"):
                return "next"
            if k == "q":
                return "quit"
            if k == "a":
                return "again"
            if k == "m":
                console.print(Text.assemble(("Model answer: ", "bold"), clean(q.model_answer)))
