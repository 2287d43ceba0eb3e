"""``voicecoach review``: a session or batch in the terminal, answer by answer.

On a colour terminal the transcript is highlighted (evidence green, fillers yellow, red flags
red); piped or with ``NO_COLOR`` it is marked in text instead (``[evidence]``, ``{filler}``,
``!!red flag!!``) so nothing is lost without colour.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from .render import highlighted_transcript, result_renderable, score_style
from .report_data import Answer, Source, delimited, fmt_time, summary

_PLAIN = {"evidence": ("[", "]"), "filler": ("{", "}"), "flag": ("!!", "!!")}
LEGEND_PLAIN = "marks: [key-point evidence]  {filler}  !!red flag!!"


def plain_marked(result: dict) -> str:
    """The transcript with marks as bracket pairs (for output without colour)."""
    return delimited(result, _PLAIN)


def _moments(r: dict) -> Text | None:
    bits = [f"{f['text']} {fmt_time(f['start'])}" for f in r["fillers"]["items"]
            if f.get("start") is not None]
    bits += [f"red flag {fmt_time(h['start'])}" for h in r["red_flags"]
             if h.get("start") is not None]
    if not bits:
        return None
    return Text.assemble(("Moments ", "bold"), ", ".join(bits))


def answer_renderable(a: Answer, color: bool) -> Panel:
    title = Text(f" {a.n}. {a.question_id}" + (f" (attempt {a.attempt})" if a.attempt > 1
                                                else "") + " ")
    r = a.result
    if r is None:
        body = [Text(a.question, style="dim")] if a.question else []
        body.append(Text(f"Not scored ({a.status})" + (f": {a.error}" if a.error else ""),
                         style="yellow"))
        return Panel(Group(*body), title=title, title_align="left", subtitle=Text(a.label),
                     subtitle_align="right")
    inner = result_renderable(r, show_transcript=False)
    parts: list = [Text(r.get("question") or a.question, style="dim"), Text("")]
    if not r["transcript"].strip():
        parts.append(Text("(no speech)", style="dim"))
    else:
        parts.append(highlighted_transcript(r) if color else Text(plain_marked(r)))
    moments = _moments(r)
    if moments is not None:
        parts.append(moments)
    parts.append(Text(""))
    group = inner.renderable
    parts += list(group.renderables) if isinstance(group, Group) else [group]
    title = Text.assemble((f" {r['overall']}/100 ", f"bold {score_style(r['overall'])}"),
                          title)
    return Panel(Group(*parts), title=title, title_align="left", subtitle=Text(a.label),
                 subtitle_align="right")


def summary_table(src: Source) -> Table:
    s = summary(src)
    t = Table(title=Text(src.title), title_justify="left", show_edge=False)
    for col in ("answers", "mean score", "key points", "fillers /100 w", "wpm", "red flags",
                "missed points"):
        t.add_column(col, justify="right")

    def v(x: object, suffix: str = "") -> str:
        return "–" if x is None else f"{x}{suffix}"

    t.add_row(f"{s['scored']}/{s['answers']}", v(s["overall"]), v(s["coverage"], "%"),
              v(s["fillers_per_100_words"]), v(s["wpm"]), str(s["red_flags"]),
              str(s["missed_points"]))
    return t


def print_review(src: Source, console: Console | None = None) -> None:
    console = console or Console()
    color = console.is_terminal and not console.no_color
    info = src.info
    meta = " · ".join(f"{k.replace('_', ' ')}: {info[k]}" for k in ("bank", "started_at",
                                                                     "status") if info.get(k))
    if meta:
        console.print(meta, style="dim", highlight=False, markup=False)
    console.print(summary_table(src))
    if not color:
        console.print(LEGEND_PLAIN, highlight=False, markup=False)
    for a in src.answers:
        console.print(answer_renderable(a, color))
