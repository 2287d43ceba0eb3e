"""Text from banks, transcripts and files made safe to show in a terminal.

Bank and transcript text is data, not instructions: terminal control sequences in it
(``\\x1b[2J`` clears the screen) are removed, and square brackets are never read as rich markup
(``a[i]`` stays ``a[i]``). Every view that prints such text passes it through :func:`clean`,
and through :func:`escape` when it goes into a markup string.
"""

from __future__ import annotations

import re

# ANSI escape sequences (CSI, OSC, two-character escapes), then any other control character
# except tab and newline (C0, DEL and C1).
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str) -> str:
    """``text`` without terminal control sequences or control characters."""
    return _CONTROL.sub("", _ANSI.sub("", text))


def escape(text: str) -> str:
    """``text`` cleaned and escaped for a rich markup string."""
    from rich.markup import escape as rich_escape

    return rich_escape(clean(text))


def clean_span(text: str) -> str:
    """``text`` with each control character replaced by U+FFFD, so character offsets into it
    (evidence spans, marks) stay valid."""
    return _CONTROL.sub("\ufffd", text)
