"""Scored answers in the terminal (rich): one result after ``score`` or a practice answer,
and whole sessions or batches for ``voicecoach review``.

On a colour terminal the transcript is highlighted (evidence green, fillers yellow, red flags
red); piped or with ``NO_COLOR`` it is marked in text instead (``[evidence]``, ``{filler}``,
``!!red flag!!``) so nothing is lost without colour.
"""

from __future__ import annotations

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from voicecoach.display import clean, clean_span
from voicecoach.review.figures import fmt_time, score_band, summary
from voicecoach.review.marks import delimited, marks_of
from voicecoach.review.source import Answer, Source
from voicecoach.scoring.result import Result

_PLAIN = {"evidence": ("[", "]"), "filler": ("{", "}"), "flag": ("!!", "!!")}
LEGEND_PLAIN = "marks: [key-point evidence]  {filler}  !!red flag!!"
_STYLE = {"evidence": "bold green", "filler": "black on yellow", "flag": "bold white on red"}
_PAINT_ORDER = {"evidence": 0, "filler": 1, "flag": 2}  # later styles win where marks overlap


def plain_marked(result: Result) -> str:
    """The transcript with marks as bracket pairs (for output without colour)."""
    return delimited(result, _PLAIN)


def highlighted_transcript(r: Result) -> Text:
    """The transcript with fillers (yellow), red flags (red) and evidence (green) marked."""
    t = Text(clean_span(r.transcript))
    for m in sorted(marks_of(r), key=lambda m: _PAINT_ORDER[m.kind]):
        t.stylize(_STYLE[m.kind], m.a, m.b)
    return t


def _points_table(r: Result) -> Table:
    pts = Table(box=None, show_header=False, pad_edge=False)
    pts.add_column(width=2)
    pts.add_column(ratio=1)
    for p in r.coverage.points:
        if p.covered and p.evidence is not None:
            pts.add_row(
                Text("✓", style="green"),
                Text.assemble(clean(p.label), (f'  "{clean(p.evidence.text)}"', "dim green")),
            )
        else:
            pts.add_row(Text("✗", style="red"), Text(clean(p.label), style="red"))
    return pts


def _delivery_line(r: Result) -> Text:
    d = r.delivery
    bits = [f"{d.words} words"]
    if d.wpm is not None:
        bits.append(f"{d.wpm:.0f} wpm")
    if d.duration_s is not None:
        bits.append(f"{d.duration_s:.1f} s")
    if d.long_pauses:
        bits.append(
            f"{len(d.long_pauses)} long pause(s) at "
            + ", ".join(fmt_time(p.start) for p in d.long_pauses[:4])
        )
    if d.hedges:
        bits.append(f"{len(d.hedges)} hedge(s)")
    return Text.assemble(("Delivery ", "bold"), " · ".join(bits))


def result_renderable(r: Result, show_transcript: bool = True, color: bool = True) -> Panel:
    """One scored answer as a panel. Without ``color`` the transcript's marks are brackets
    (see :data:`LEGEND_PLAIN`), so piped or ``NO_COLOR`` output keeps them."""
    parts: list[RenderableType] = []
    if show_transcript:
        if not r.transcript.strip():
            parts.append(Text("(no speech)", style="dim"))
        elif color:
            parts.append(highlighted_transcript(r))
        else:
            parts += [Text(clean(plain_marked(r))), Text(LEGEND_PLAIN, style="dim")]
        parts.append(Text(""))
    parts.append(Text(f"Key points {r.coverage.shown}", style="bold"))
    parts.append(_points_table(r))
    f = r.fillers
    if f.count:
        counts = ", ".join(f"{k} x{v}" for k, v in sorted(f.by_text.items(), key=lambda kv: -kv[1]))
        parts.append(
            Text.assemble(
                ("Fillers ", "bold"), f"{f.count} ({f.per_100_words:.1f} per 100 words): ", counts
            )
        )
    else:
        parts.append(Text.assemble(("Fillers ", "bold"), "none"))
    for h in r.red_flags:
        at = f" at {fmt_time(h.start)}" if h.start is not None else ""
        parts.append(
            Text.assemble(
                ("Red flag ", "bold red"),
                (h.category.replace("_", " "), "red"),
                at,
                f': "{clean(h.text)}"',
            )
        )
        parts.append(Text(f"   why: {clean(h.why)}\n   instead: {clean(h.instead)}", style="dim"))
    parts.append(_delivery_line(r))
    parts.append(Text(""))
    for tip in r.tips:
        parts.append(Text.assemble(("→ ", "cyan"), clean(tip)))
    for w in r.warnings:
        parts.append(Text(f"warning: {clean(w)}", style="yellow"))
    title = Text.assemble(
        (f" {r.overall}/100 ", f"bold {score_band(r.overall)}"),
        clean(f" {r.question_id}: {r.question} "),
    )
    company = clean(f" practising for {r.company} ") if r.company else None
    return Panel(
        Group(*parts), title=title, title_align="left", subtitle=company, subtitle_align="right"
    )


def print_result(r: Result, console: Console | None = None, show_transcript: bool = True) -> None:
    console = console or Console()
    color = console.is_terminal and not console.no_color
    console.print(result_renderable(r, show_transcript, color))


def _moments(r: Result) -> Text | None:
    bits = [f"{f.text} {fmt_time(f.start)}" for f in r.fillers.items if f.start is not None]
    bits += [f"red flag {fmt_time(h.start)}" for h in r.red_flags if h.start is not None]
    if not bits:
        return None
    return Text.assemble(("Moments ", "bold"), ", ".join(bits))


def answer_renderable(a: Answer, color: bool) -> Panel:
    title = Text(
        clean(f" {a.n}. {a.question_id}")
        + (f" (attempt {a.attempt})" if a.attempt > 1 else "")
        + " "
    )
    r = a.result
    if r is None:
        body: list[RenderableType] = [Text(clean(a.question), style="dim")] if a.question else []
        body.append(
            Text(
                clean(f"Not scored ({a.status})" + (f": {a.error}" if a.error else "")),
                style="yellow",
            )
        )
        return Panel(
            Group(*body),
            title=title,
            title_align="left",
            subtitle=Text(clean(a.label)),
            subtitle_align="right",
        )
    inner = result_renderable(r, show_transcript=False)
    parts: list[RenderableType] = [Text(clean(r.question or a.question), style="dim"), Text("")]
    if not r.transcript.strip():
        parts.append(Text("(no speech)", style="dim"))
    else:
        parts.append(highlighted_transcript(r) if color else Text(clean(plain_marked(r))))
    moments = _moments(r)
    if moments is not None:
        parts.append(moments)
    parts.append(Text(""))
    group = inner.renderable
    parts += list(group.renderables) if isinstance(group, Group) else [group]
    title = Text.assemble((f" {r.overall}/100 ", f"bold {score_band(r.overall)}"), title)
    return Panel(
        Group(*parts),
        title=title,
        title_align="left",
        subtitle=Text(clean(a.label)),
        subtitle_align="right",
    )


def summary_table(src: Source) -> Table:
    s = summary(src)
    t = Table(title=Text(clean(src.title)), title_justify="left", show_edge=False)
    for col in (
        "answers",
        "mean score",
        "key points",
        "fillers /100 w",
        "wpm",
        "red flags",
        "missed points",
    ):
        t.add_column(col, justify="right")

    def v(x: object, suffix: str = "") -> str:
        return "–" if x is None else f"{x}{suffix}"

    t.add_row(
        f"{s['scored']}/{s['answers']}",
        v(s["overall"]),
        v(s["coverage"], "%"),
        v(s["fillers_per_100_words"]),
        v(s["wpm"]),
        str(s["red_flags"]),
        str(s["missed_points"]),
    )
    return t


def print_review(src: Source, console: Console | None = None) -> None:
    console = console or Console()
    color = console.is_terminal and not console.no_color
    info = src.info
    meta = " · ".join(
        clean(f"{k.replace('_', ' ')}: {info[k]}")
        for k in ("bank", "started_at", "status")
        if info.get(k)
    )
    if meta:
        console.print(meta, style="dim", highlight=False, markup=False)
    console.print(summary_table(src))
    if not color:
        console.print(LEGEND_PLAIN, highlight=False, markup=False)
    for a in src.answers:
        console.print(answer_renderable(a, color))
