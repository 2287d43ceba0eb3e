"""Terminal rendering of scored answers (rich). Takes the public result dict, so it can
render fresh results and stored ones alike."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text


def _fmt_t(t: float | None) -> str:
    if t is None:
        return ""
    m, s = divmod(t, 60)
    return f"{int(m)}:{s:04.1f}"


def score_style(overall: int) -> str:
    return "green" if overall >= 75 else "yellow" if overall >= 50 else "red"


def highlighted_transcript(r: dict) -> Text:
    """The transcript with fillers (yellow), red flags (red) and evidence (green) marked."""
    text = r["transcript"]
    t = Text(text)
    for p in r["coverage"]["points"]:
        ev = p.get("evidence")
        if ev and ev.get("char_start") is not None:
            t.stylize("bold green", ev["char_start"], ev["char_end"])
    for f in r["fillers"]["items"]:
        if f.get("char_start") is not None:
            t.stylize("black on yellow", f["char_start"], f["char_end"])
    for h in r["red_flags"]:
        if h.get("char_start") is not None:
            t.stylize("bold white on red", h["char_start"], h["char_end"])
    return t


def result_renderable(r: dict, show_transcript: bool = True) -> Panel:
    parts: list = []
    if show_transcript:
        parts.append(highlighted_transcript(r) if r["transcript"].strip()
                     else Text("(no speech)", style="dim"))
        parts.append(Text(""))
    cov = r["coverage"]
    pts = Table(box=None, show_header=False, pad_edge=False)
    pts.add_column(width=2)
    pts.add_column(ratio=1)
    for p in cov["points"]:
        if p["covered"]:
            ev = p["evidence"]
            pts.add_row(Text("✓", style="green"),
                        Text.assemble(p["label"], (f'  "{ev["text"]}"', "dim green")))
        else:
            pts.add_row(Text("✗", style="red"), Text(p["label"], style="red"))
    parts.append(Text(f"Key points {sum(p['covered'] for p in cov['points'])}"
                      f"/{len(cov['points'])}", style="bold"))
    parts.append(pts)
    f = r["fillers"]
    if f["count"]:
        counts = ", ".join(f"{k} x{v}" for k, v in sorted(f["by_text"].items(),
                                                         key=lambda kv: -kv[1]))
        parts.append(Text.assemble(("Fillers ", "bold"),
                                   f"{f['count']} ({f['per_100_words']:.1f} per 100 words): ",
                                   counts))
    else:
        parts.append(Text.assemble(("Fillers ", "bold"), "none"))
    for h in r["red_flags"]:
        at = f" at {_fmt_t(h['start'])}" if h.get("start") is not None else ""
        parts.append(Text.assemble(("Red flag ", "bold red"),
                                   (h["category"].replace("_", " "), "red"), at,
                                   f': "{h["text"]}"'))
        parts.append(Text(f"   why: {h['why']}\n   instead: {h['instead']}", style="dim"))
    d = r["delivery"]
    bits = [f"{d['words']} words"]
    if d.get("wpm") is not None:
        bits.append(f"{d['wpm']:.0f} wpm")
    if d.get("duration_s") is not None:
        bits.append(f"{d['duration_s']:.1f} s")
    if d["long_pauses"]:
        bits.append(f"{len(d['long_pauses'])} long pause(s) at "
                    + ", ".join(_fmt_t(p["start"]) for p in d["long_pauses"][:4]))
    if d["hedges"]["count"]:
        bits.append(f"{d['hedges']['count']} hedge(s)")
    parts.append(Text.assemble(("Delivery ", "bold"), " · ".join(bits)))
    parts.append(Text(""))
    for tip in r["tips"]:
        parts.append(Text.assemble(("→ ", "cyan"), tip))
    for w in r.get("warnings", []):
        parts.append(Text(f"warning: {w}", style="yellow"))
    title = Text.assemble((f" {r['overall']}/100 ", f"bold {score_style(r['overall'])}"),
                          f" {r['question_id']}: {r.get('question', '')} ")
    company = f" practising for {r['company']} " if r.get("company") else None
    return Panel(Group(*parts), title=title, title_align="left", subtitle=company,
                 subtitle_align="right")


def print_result(r: dict, console: Console | None = None, show_transcript: bool = True
                 ) -> None:
    (console or Console()).print(result_renderable(r, show_transcript))
