"""The Markdown report (``voicecoach report --format md``), for pasting into notes.

Transcript marks: red flags **bold**, fillers *italic*, key-point evidence ==highlighted==
(rendered by Obsidian, Typora and others; plain ``==`` elsewhere). Every transcript and
bank character that means something in Markdown or HTML is backslash-escaped.
"""

from __future__ import annotations

import re

from voicecoach.review.figures import fmt_time, summary
from voicecoach.review.marks import delimited
from voicecoach.review.source import Source
from voicecoach.scoring.result import Result

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~=])")
_BLOCK_START = re.compile(r"^(\s*)([#+\-]|\d+(?=[.)]))")
_DELIM = {"flag": "**", "filler": "*", "evidence": "=="}


def md_escape(s: str) -> str:
    """Inline-safe text: Markdown/HTML characters escaped, on one line."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(s.splitlines()))


def md_paragraph(s: str) -> str:
    """An escaped line that does not start a heading, list or quote."""
    m = _BLOCK_START.match(s)
    if not m:
        return s
    lead, tok = m.group(1), m.group(2)
    if tok[0].isdigit():  # "1. " starts a list: escape the dot
        return f"{lead}{tok}\\{s[m.end() :]}"
    return f"{lead}\\{s[m.end() - 1 :]}"


def marked_markdown(result: Result) -> str:
    """The transcript (one paragraph) with marks as Markdown delimiters around them."""
    delims = {k: (v, v) for k, v in _DELIM.items()}
    return md_paragraph(delimited(result, delims, md_escape))


def _cell(v: object) -> str:
    return "–" if v is None else md_escape(str(v))


def render_markdown(src: Source, history: dict | None = None) -> str:
    s = summary(src)
    lines = [f"# {md_escape(src.title)}", ""]
    if src.kind == "session":
        meta = [
            f"{k.replace('_', ' ')}: {md_escape(str(src.info[k]))}"
            for k in ("bank", "started_at", "status")
            if src.info.get(k)
        ]
        if meta:
            lines += [" · ".join(meta), ""]
    lines += [
        "| Answers | Mean score | Key points | Fillers /100 words | Pace | Red flags |",
        "|---:|---:|---:|---:|---:|---:|",
        f"| {s['scored']}/{s['answers']} | {_cell(s['overall'])} | "
        f"{_cell(s['coverage'])}% | {_cell(s['fillers_per_100_words'])} | "
        f"{_cell(s['wpm'])} wpm | {s['red_flags']} |",
        "",
        "Marks: **red flag**, *filler*, ==key point evidence==.",
        "",
    ]
    for a in src.answers:
        att = f" (attempt {a.attempt})" if a.attempt > 1 else ""
        r = a.result
        score = f" — {r.overall}/100" if r else f" — {a.status}"
        lines += [f"## {a.n}. {md_escape(a.question_id)}{att}{score}", ""]
        if a.question:
            company = f" (practising for {md_escape(r.company)})" if r and r.company else ""
            lines += [f"> {md_escape(a.question)}{company}", ""]
        if r is None:
            lines += [
                f"Not scored ({md_escape(a.status)})"
                + (f": {md_escape(a.error)}" if a.error else "")
                + ".",
                "",
            ]
            continue
        lines += [marked_markdown(r) if r.transcript.strip() else "*(no speech)*", ""]
        missed = r.coverage.missed
        if missed:
            lines += ["**Missed key points:**", ""]
            lines += [f"- {md_escape(p.label)}" for p in missed] + [""]
        for h in r.red_flags:
            at = f" at {fmt_time(h.start)}" if h.start is not None else ""
            lines += [
                f"**Red flag ({md_escape(h.category.replace('_', ' '))}){at}:** "
                f"“{md_escape(h.text)}”. {md_escape(h.why)} "
                f"*Instead:* {md_escape(h.instead)}",
                "",
            ]
        d, f = r.delivery, r.fillers
        lines += [
            "| Score | Key points | Fillers | Fillers /100 words | Pace | Duration | "
            "Long pauses | Red flags |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {r.overall} | {r.coverage.shown} | "
            f"{f.count} | {f.per_100_words:.1f} | "
            f"{'–' if d.wpm is None else format(d.wpm, '.0f') + ' wpm'} | "
            f"{'–' if d.duration_s is None else format(d.duration_s, '.1f')} "
            f"s | {len(d.long_pauses)} | {len(r.red_flags)} |",
            "",
        ]
        if r.tips:
            lines += ["Tips:", ""] + [f"- {md_escape(t)}" for t in r.tips] + [""]
        if a.hint:
            lines += [md_paragraph(f"**Hint:** {md_escape(a.hint)}"), ""]
        if a.model_answer:
            lines += [md_paragraph(f"**Model answer:** {md_escape(a.model_answer)}"), ""]
    if history is not None:
        lines += history_markdown(history)
    return "\n".join(lines).rstrip() + "\n"


def history_markdown(t: dict) -> list[str]:
    lines = ["# Progress", ""]
    if not t["answers"]:
        return lines + ["No answers in the history yet.", ""]
    lines += [
        "| Week | Answers | Score | Fillers /100 words | wpm | Red flags |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for w in t["weeks"]:
        lines.append(
            f"| {w['week']} | {w['answers']} | {_cell(w['overall'])} | "
            f"{_cell(w['filler_rate'])} | {_cell(w['wpm'])} | {w['red_flags']} |"
        )
    lines += [
        "",
        "| Question | Attempts | First | Best | Latest | Fillers /100 words | wpm |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for q in t["questions"]:
        lines.append(
            f"| {md_escape(q['question_id'])} | {q['answers']} | {q['first']} | "
            f"{q['best']} | {q['latest']} | {_cell(q['filler_rate'])} | "
            f"{_cell(q['wpm'])} |"
        )
    return lines + [""]
