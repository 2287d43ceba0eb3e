"""What practice shows and says: the live recording meter, the spoken summary of an answer,
and the session summary at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from rich.console import Console
from rich.table import Table
from rich.text import Text

from voicecoach.review.figures import summary
from voicecoach.review.source import load_session
from voicecoach.scoring.result import Result


class Meterable(Protocol):
    level_db: float
    elapsed: float
    muted: bool
    speech_heard: bool
    disk_free: int | None


LOW_DISK = 10 * 2**20


def meter(rec: Meterable, keys_active: bool) -> Text:
    level = rec.level_db
    width = 30
    fill = int(max(0.0, min(1.0, (level + 60) / 60)) * width)
    bar = "█" * fill + "░" * (width - fill)
    style = "green" if level > -35 else "yellow" if level > -55 else "red"
    t = Text.assemble(
        ("● REC ", "bold red"), f"{rec.elapsed:5.1f} s  ", (bar, style), f" {level:6.1f} dBFS"
    )
    if rec.muted:
        t.append(
            "\nNo signal from the microphone: is it muted? (see 'voicecoach devices')",
            style="bold red",
        )
    elif rec.elapsed > 4 and not rec.speech_heard:
        t.append("\nListening... (no speech heard yet)", style="yellow")
    if rec.disk_free is not None and rec.disk_free < LOW_DISK:
        t.append(
            f"\nThe disk is almost full ({rec.disk_free / 2**20:.1f} MB left): finish "
            "this answer and free some space",
            style="bold red",
        )
    if keys_active:
        t.append("\nEnter stop · r redo · s skip · q quit", style="dim")
    return t


def spoken_summary(r: Result) -> str:
    parts = [
        f"You scored {r.overall} out of 100, with {r.coverage.made} of "
        f"{r.coverage.total} key points."
    ]
    if r.red_flags:
        parts.append(f"Watch out: {r.red_flags[0].category.replace('_', ' ')}.")
    if r.fillers.count:
        parts.append(f"{r.fillers.count} filler words.")
    if r.tips:
        parts.append(r.tips[0].split(":")[0] + ".")
    return " ".join(parts)


def print_summary(folder: Path, console: Console) -> None:
    """The session summary table, then the session's mean figures."""
    src = load_session(folder)
    t = Table(
        "#", "question", "score", "points", "fillers", "flags", "wpm", title="Session summary"
    )
    for a in src.answers:
        r = a.result
        if r is None:
            t.add_row(str(a.n), a.question_id, a.status, "", "", "", "")
            continue
        t.add_row(
            str(a.n),
            a.question_id,
            str(r.overall),
            r.coverage.shown,
            str(r.fillers.count),
            str(len(r.red_flags)),
            f"{r.delivery.wpm:.0f}" if r.delivery.wpm else "",
        )
    console.print(t)
    summ = summary(src)
    if summ["scored"]:
        console.print(
            f"Mean score {summ['overall']}, "
            f"{summ['fillers_per_100_words']} fillers per 100 words, "
            f"{summ['red_flags']} red flag(s). Review: voicecoach review "
            f"{folder}"
        )
