"""Terminal tables for ``voicecoach history`` (rich)."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from voicecoach.review.figures import score_band


def _v(x: object, fmt: str = "{}") -> str:
    return "–" if x is None else fmt.format(x)


def _score(x: int | float | None) -> Text:
    return Text("–") if x is None else Text(_v(x), style=score_band(x))


def _spark(values: list[int]) -> str:
    bars = "▁▂▃▄▅▆▇█"
    return "".join(bars[min(7, max(0, int(v) * 8 // 101))] for v in values)


def print_trends(t: dict, console: Console | None = None) -> None:
    console = console or Console()
    if not t["answers"]:
        console.print(
            "No answers in the history yet: run voicecoach practice (or "
            "voicecoach history --rebuild to read existing sessions).",
            markup=False,
        )
        return
    w = Table(
        title=Text(f"Per week ({t['answers']} answers)"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1),
        collapse_padding=True,
        show_edge=False,
    )
    for col, j in (
        ("week", "left"),
        ("answers", "right"),
        ("score", "right"),
        ("fillers /100 w", "right"),
        ("wpm", "right"),
        ("red flags", "right"),
    ):
        w.add_column(col, justify=j)  # type: ignore[arg-type]
    for r in t["weeks"]:
        w.add_row(
            r["week"],
            str(r["answers"]),
            _score(r["overall"]),
            _v(r["filler_rate"], "{:.1f}"),
            _v(r["wpm"], "{:.0f}"),
            str(r["red_flags"]),
        )
    console.print(w)
    q = Table(
        title=Text("Per question"),
        title_justify="left",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        padding=(0, 1),
        collapse_padding=True,
        show_edge=False,
    )
    longest = max(len(r["question_id"]) for r in t["questions"])
    q.add_column("question", no_wrap=True, min_width=min(28, longest))
    for col in ("tries", "best", "latest", "±"):
        q.add_column(col, justify="right", no_wrap=True, min_width=len(col))
    q.add_column("trend", no_wrap=True)
    for col in ("fillers", "wpm", "flags"):
        q.add_column(col, justify="right", no_wrap=True, min_width=len(col))
    details = {d["question_id"]: d for d in t.get("details", [])}
    for r in t["questions"]:
        d = details.get(r["question_id"])
        spark = _spark([a["overall"] for a in d["attempts"]]) if d else ""
        q.add_row(
            Text(r["question_id"]),
            str(r["answers"]),
            _score(r["best"]),
            _score(r["latest"]),
            Text(
                f"{r['change']:+d}",
                style="green" if r["change"] > 0 else "red" if r["change"] < 0 else "",
            ),
            spark,
            _v(r["filler_rate"], "{:.1f}"),
            _v(r["wpm"], "{:.0f}"),
            str(r["red_flags"]),
        )
    console.print(q)
    console.print(
        "± latest vs first · trend: score per attempt · fillers per 100 words",
        style="dim",
        markup=False,
    )
    console.print(
        "Best vs latest attempt at one question: voicecoach history --question ID",
        style="dim",
        markup=False,
    )


def print_question(d: dict, console: Console | None = None) -> None:
    console = console or Console()
    b, la = d["best"], d["latest"]
    t = Table(title=Text(f"{d['question_id']}: {d.get('question') or ''}"), title_justify="left")
    t.add_column("")
    t.add_column("best", overflow="fold")
    t.add_column("latest", overflow="fold")

    def when(a: dict) -> str:
        return a["recorded_at"][:16].replace("T", " ") + f" ({a['source']})"

    t.add_row("when", when(b), when(la))
    t.add_row("score", _score(b["overall"]), _score(la["overall"]))
    t.add_row(
        "key points",
        f"{b['points_covered']}/{b['points_total']}",
        f"{la['points_covered']}/{la['points_total']}",
    )
    t.add_row("fillers /100 w", _v(b["filler_rate"]), _v(la["filler_rate"]))
    t.add_row("wpm", _v(b["wpm"], "{:.0f}"), _v(la["wpm"], "{:.0f}"))
    t.add_row("red flags", str(b["red_flags"]), str(la["red_flags"]))
    t.add_row(
        "missed", Text("\n".join(b["missed"]) or "none"), Text("\n".join(la["missed"]) or "none")
    )
    console.print(t)
    if b["key"] == la["key"]:
        console.print("Your latest attempt is your best.", style="green", markup=False)
    scores = ", ".join(str(a["overall"]) for a in d["attempts"])
    console.print(f"{len(d['attempts'])} attempt(s), oldest first: {scores}", markup=False)
