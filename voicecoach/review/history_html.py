"""The progress part of the HTML report (``voicecoach report --history``): weekly trend
charts, a per-question table, and best vs latest attempt side by side."""

from __future__ import annotations

import html

from voicecoach.review.figures import score_band
from voicecoach.review.svg import line_chart
from voicecoach.scoring.weights import FILLER_FREE_RATE, PACE_RANGE

esc = html.escape


def _v(v: object, fmt: str = "{}") -> str:
    return "–" if v is None else esc(fmt.format(v))


def _side_by_side(d: dict) -> str:
    b, la = d["best"], d["latest"]
    same = b["key"] == la["key"]
    rows = [
        ("When", b["recorded_at"][:16].replace("T", " "), la["recorded_at"][:16].replace("T", " ")),
        ("From", b["source"], la["source"]),
        ("Score", f"{b['overall']}/100", f"{la['overall']}/100"),
        (
            "Key points",
            f"{b['points_covered']}/{b['points_total']}",
            f"{la['points_covered']}/{la['points_total']}",
        ),
        ("Fillers /100 w", _v(b["filler_rate"]), _v(la["filler_rate"])),
        ("Pace (wpm)", _v(b["wpm"], "{:.0f}"), _v(la["wpm"], "{:.0f}")),
        ("Red flags", str(b["red_flags"]), str(la["red_flags"])),
        ("Missed", "; ".join(b["missed"]) or "none", "; ".join(la["missed"]) or "none"),
    ]
    body = "".join(
        f"<tr><th>{esc(k)}</th><td>{esc(x)}</td><td>{esc(y)}</td></tr>" for k, x, y in rows
    )
    note = ' <span class="small">(the latest attempt is the best)</span>' if same else ""
    chart = ""
    if len(d["attempts"]) > 1:
        pts = [(a["recorded_at"][5:10], a["overall"]) for a in d["attempts"]]
        chart = line_chart(pts, f"score per attempt: {d['question_id']}", "score")
    return (
        f'<div class="qdetail" data-question="{esc(d["question_id"])}"><h3>'
        f'{esc(d["question_id"])}{note}</h3><p class="muted">{esc(d["question"] or "")}'
        f'</p><div class="cols"><table><thead><tr><th></th><th>Best</th><th>Latest</th>'
        f"</tr></thead><tbody>{body}</tbody></table><div>{chart}</div></div></div>"
    )


def history_html(t: dict) -> str:
    """The progress section; ``t`` is :func:`voicecoach.history_trends.trends`."""
    if not t["answers"]:
        return (
            '<section class="history"><h1>Progress</h1><p>No answers in the history yet: '
            "practise with <code>voicecoach practice</code>.</p></section>"
        )
    weeks = t["weeks"]
    charts = [
        line_chart([(w["week"], w["overall"]) for w in weeks], "mean score per week", "score"),
        line_chart(
            [(w["week"], w["filler_rate"]) for w in weeks],
            "fillers per 100 words per week",
            "per 100 words",
            ref=FILLER_FREE_RATE,
            color="#bf8700",
            ref_label=f"{FILLER_FREE_RATE:g} per 100 w: no cost below",
        ),
        line_chart(
            [(w["week"], w["wpm"]) for w in weeks],
            "pace per week",
            "wpm",
            band=PACE_RANGE,
            color="#8250df",
        ),
        line_chart(
            [(w["week"], w["red_flags_per_answer"]) for w in weeks],
            "red flags per answer per week",
            "per answer",
            color="#cf222e",
        ),
    ]
    grid = "".join(f"<div>{c}</div>" for c in charts)
    wrows = "".join(
        f'<tr><td>{esc(w["week"])}</td><td class="num">{w["answers"]}</td>'
        f'<td class="num">{_v(w["overall"])}</td><td class="num">{_v(w["filler_rate"])}</td>'
        f'<td class="num">{_v(w["wpm"], "{:.0f}")}</td><td class="num">{w["red_flags"]}</td>'
        "</tr>"
        for w in weeks
    )
    qrows = "".join(
        f'<tr><td>{esc(q["question_id"])}</td><td class="num">{q["answers"]}</td>'
        f'<td class="num">{q["first"]}</td><td class="num"><span class="score '
        f'{score_band(q["best"])}">{q["best"]}</span></td><td class="num">{q["latest"]}</td>'
        f'<td class="num">{q["change"]:+d}</td><td class="num">{_v(q["filler_rate"])}</td>'
        f'<td class="num">{_v(q["wpm"], "{:.0f}")}</td><td class="num">{q["red_flags"]}</td>'
        "</tr>"
        for q in t["questions"]
    )
    details = "".join(_side_by_side(d) for d in t["details"])
    return (
        '<section class="history"><h1>Progress</h1>'
        f'<p class="muted">{t["answers"]} scored answers in the history.</p>'
        f'<h2>Per week</h2><div class="cols">{grid}</div>'
        '<table><thead><tr><th>Week</th><th class="num">Answers</th><th class="num">Score</th>'
        '<th class="num">Fillers /100 w</th><th class="num">wpm</th><th class="num">Red flags'
        f"</th></tr></thead><tbody>{wrows}</tbody></table>"
        '<h2>Per question</h2><table><thead><tr><th>Question</th><th class="num">Attempts'
        '</th><th class="num">First</th><th class="num">Best</th><th class="num">Latest</th>'
        '<th class="num">Change</th><th class="num">Fillers /100 w</th><th class="num">wpm'
        f'</th><th class="num">Red flags</th></tr></thead><tbody>{qrows}</tbody></table>'
        f"<h2>Best and latest attempt</h2>{details}</section>"
    )
