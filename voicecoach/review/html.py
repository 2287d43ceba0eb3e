"""The HTML report: one self-contained page (inline CSS, JS and SVG; no URLs).

Each answer shows its audio player and its transcript, every word a
``<span class="w" data-start data-end>`` (click: the audio seeks there and plays) inside
``<mark class="evidence|filler|flag" data-key>`` highlights whose text is exactly the
result's character span (a mark crossing another is split into pieces sharing
``data-key``). Everything from the transcript or the bank is HTML-escaped.
"""

from __future__ import annotations

import html

from voicecoach.review.figures import (
    filler_series,
    fmt_time,
    pace_series,
    score_band,
    summary,
)
from voicecoach.review.marks import marks_of, walk, words_of
from voicecoach.review.source import Answer, Source
from voicecoach.review.svg import line_chart
from voicecoach.scoring.result import Result
from voicecoach.scoring.weights import FILLER_FREE_RATE, PACE_RANGE

esc = html.escape

CSS = """
:root{--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--bg2:#f6f8fa}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);
margin:0 auto;max-width:62rem;padding:1.5rem 1rem 4rem}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.2rem;margin:0}
.muted,.small{color:var(--muted)}.small{font-size:90%}
.cards{display:flex;flex-wrap:wrap;gap:.6rem;margin:1rem 0}
.card{border:1px solid var(--line);border-radius:8px;padding:.5rem .8rem;flex:1;
min-width:6.5rem}
.card b{display:block;font-size:1.35rem}
table{border-collapse:collapse;width:100%;margin:.6rem 0}
th,td{padding:.3rem .55rem;text-align:left;border-bottom:1px solid var(--line)}
th{background:var(--bg2);font-weight:600}td.num,th.num{text-align:right;
font-variant-numeric:tabular-nums}
section.answer{border:1px solid var(--line);border-radius:10px;padding:1rem 1.2rem;
margin:1.4rem 0}
.head{display:flex;align-items:baseline;gap:.8rem;flex-wrap:wrap}
.score{font-weight:700;border-radius:6px;padding:.05rem .5rem;color:#fff}
.green{background:#1a7f37}.yellow{background:#9a6700}.red{background:#cf222e}
audio{width:100%;margin:.6rem 0}
.transcript{font-size:1.05rem;line-height:1.9;background:var(--bg2);border-radius:8px;
padding:.7rem .9rem;white-space:pre-wrap}
.w[data-start]{cursor:pointer;border-radius:3px}.w[data-start]:hover{background:#ddf4ff}
.w.now{outline:2px solid #0969da;background:#ddf4ff}
mark{border-radius:3px;padding:0 .08em;color:inherit}
mark.evidence{background:#d2f4d8;box-shadow:inset 0 -2px #1a7f37}
mark.filler{background:#fff1a8;box-shadow:inset 0 -2px #bf8700}
mark.flag{background:#ffdcd7;box-shadow:inset 0 -2px #cf222e;font-weight:600}
.legend span{margin-right:1rem}.legend mark{padding:0 .3em}
.moments button,.seek{font:inherit;font-size:90%;border:1px solid var(--line);
border-radius:12px;background:#fff;padding:.05rem .55rem;margin:.15rem;cursor:pointer}
.moments button.flag{border-color:#cf222e}.moments button.filler{border-color:#bf8700}
ul.missed li{color:#cf222e}ul.covered li{color:#1a7f37}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:1rem}
@media (max-width:700px){.cols{grid-template-columns:1fr}}
svg.chart{width:100%;height:auto;background:#fff;border:1px solid var(--line);
border-radius:8px}
svg .grid{stroke:#eaeef2}svg .axis,svg .unit{font-size:11px;fill:var(--muted)}
svg .title{font-size:11px;font-weight:600;fill:var(--fg)}svg .value{font-size:12px;font-weight:600}
svg .line{stroke-width:2}svg .band{fill:#1a7f37;opacity:.08}
svg .ref{stroke:#cf222e;stroke-dasharray:4 3}
.flagbox{border-left:4px solid #cf222e;padding:.2rem .8rem;margin:.5rem 0;background:#fff5f4}
.err{color:#cf222e}
"""

JS = """
function audioOf(el){const s=el.closest('section.answer');return s&&s.querySelector('audio');}
document.addEventListener('click',function(e){
  const el=e.target.closest('[data-start]');if(!el)return;
  const a=audioOf(el);if(!a)return;
  a.currentTime=parseFloat(el.dataset.start);
  const p=a.play();if(p&&p.catch)p.catch(function(){});
});
document.querySelectorAll('section.answer audio').forEach(function(a){
  const ws=Array.from(a.closest('section').querySelectorAll('.transcript .w[data-start]'));
  a.addEventListener('timeupdate',function(){const t=a.currentTime;
    ws.forEach(function(w){const on=t>=+w.dataset.start&&t<+w.dataset.end;
      if(on!==w.classList.contains('now'))w.classList.toggle('now',on);});});
});
"""


def _n(v: object, fmt: str = "{}") -> str:
    return "–" if v is None else esc(fmt.format(v))


def transcript_html(result: Result, clickable: bool = True) -> str:
    """The transcript, escaped, with fillers, red flags and evidence marked and (when
    ``clickable``) each timed word a ``<span class="w" data-start data-end>``."""
    text = result.transcript
    words = words_of(result) if clickable else []
    out: list[str] = []
    for piece in walk(text, marks_of(result), words):
        out += ["</mark>"] * len(piece.closes)
        out += [
            f'<mark class="{m.kind}" data-key="{m.key}" title="{esc(m.title)}">'
            for m in piece.opens
        ]
        chunk = esc(text[piece.a : piece.b])
        w = words[piece.word] if piece.word is not None else None
        if w is not None and w.start is not None:
            out.append(
                f'<span class="w" data-w="{piece.word}" data-start="{w.start:.2f}" '
                f'data-end="{(w.end or w.start):.2f}">{chunk}</span>'
            )
        else:
            out.append(chunk)
    return "".join(out)


def _moments(r: Result) -> str:
    items = []
    for f in r.fillers.items:
        if f.start is not None:
            items.append((f.start, "filler", f"{f.text} {fmt_time(f.start)}"))
    for h in r.red_flags:
        if h.start is not None:
            items.append(
                (h.start, "flag", f"red flag: {h.category.replace('_', ' ')} {fmt_time(h.start)}")
            )
    for p in r.delivery.long_pauses:
        items.append((p.start, "pause", f"pause {p.duration_s:.1f} s {fmt_time(p.start)}"))
    if not items:
        return ""
    btns = "".join(
        f'<button class="{k}" data-start="{t:.2f}">{esc(label)}</button>'
        for t, k, label in sorted(items, key=lambda x: x[0])
    )
    return f'<p class="moments"><span class="small">Jump to:</span> {btns}</p>'


def _figures(r: Result) -> str:
    d, f, cov = r.delivery, r.fillers, r.coverage
    rows = [
        ("Overall", f"{r.overall}/100"),
        ("Key points", cov.shown),
        (
            "Fillers",
            f"{f.count} ({f.per_100_words:.1f} per 100 words)"
            + (": " + ", ".join(f"{k} ×{v}" for k, v in f.by_text.items()) if f.count else ""),
        ),
        ("Pace", "–" if d.wpm is None else f"{d.wpm:.0f} words/min"),
        ("Words", str(d.words)),
        ("Duration", "–" if d.duration_s is None else f"{d.duration_s:.1f} s"),
        ("Long pauses", str(len(d.long_pauses))),
        ("Hedges", str(len(d.hedges))),
        ("Red flags", str(len(r.red_flags))),
    ]
    body = "".join(f"<tr><th>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return f'<table class="figures">{body}</table>'


def _points(r: Result) -> str:
    missed, covered = r.coverage.missed, r.coverage.covered
    out = ""
    if missed:
        out += (
            '<h3>Missed key points</h3><ul class="missed">'
            + "".join(f"<li>{esc(p.label)}</li>" for p in missed)
            + "</ul>"
        )
    if covered:
        out += (
            '<h3>Covered</h3><ul class="covered">'
            + "".join(
                f'<li>{esc(p.label)} <span class="small">“{esc(p.evidence.text)}”</span></li>'
                if p.evidence
                else f"<li>{esc(p.label)}</li>"
                for p in covered
            )
            + "</ul>"
        )
    return out


def _charts(r: Result) -> str:
    pace, fill = pace_series(r), filler_series(r)
    if not pace:
        return '<p class="small">No timing (typed answer): no pace or filler charts.</p>'
    dur = r.delivery.duration_s
    return (
        '<div class="cols"><div><h3>Pace over the answer</h3>'
        + line_chart(pace, "words per minute over the answer", "wpm", band=PACE_RANGE, x_max=dur)
        + "</div><div><h3>Filler rate over the answer</h3>"
        + line_chart(
            fill,
            "fillers per 100 words over the answer",
            "per 100 words",
            ref=FILLER_FREE_RATE,
            color="#bf8700",
            x_max=dur,
        )
        + "</div></div>"
    )


def _company(r: Result | None) -> str:
    return f" · practising for {esc(r.company)}" if r and r.company else ""


def answer_html(a: Answer, audio_src: str | None, idx: int) -> str:
    sid = f"answer-{idx}"
    attempt = f" · attempt {a.attempt}" if a.attempt > 1 else ""
    r = a.result
    head = (
        f'<div class="head"><h2>{a.n}. {esc(a.question_id)}{attempt}</h2>'
        + (
            f'<span class="score {score_band(r.overall)}">{r.overall}/100</span>'
            if r
            else f'<span class="small">{esc(a.status)}</span>'
        )
        + f'<span class="small">{esc(a.label)}</span></div>'
        + (f'<p class="muted">{esc(a.question)}{_company(r)}</p>' if a.question else "")
    )
    missing = (
        "(typed answer: no audio)"
        if r is not None and a.audio_path is None and not r.is_timed
        else "(audio not available)"
    )
    audio = (
        f'<audio controls preload="metadata" src="{esc(audio_src)}"></audio>'
        if audio_src
        else f'<p class="small">{missing}</p>'
    )
    if r is None:
        why = f'<p class="err">{esc(a.error)}</p>' if a.error else ""
        return (
            f'<section class="answer" id="{sid}">{head}{audio if audio_src else ""}'
            f'<p class="small">Not scored ({esc(a.status)}).</p>{why}</section>'
        )
    flags = "".join(
        f'<div class="flagbox"><b>Red flag: {esc(h.category.replace("_", " "))}</b> '
        f"“{esc(h.text)}”<br>{esc(h.why)}<br><i>Instead:</i> {esc(h.instead)}</div>"
        for h in r.red_flags
    )
    tips = "".join(f"<li>{esc(t)}</li>" for t in r.tips)
    notes = (f'<p class="hint"><b>Hint:</b> {esc(a.hint)}</p>' if a.hint else "") + (
        f"<details><summary>Model answer</summary><p>{esc(a.model_answer)}</p></details>"
        if a.model_answer
        else ""
    )
    body = transcript_html(r) if r.transcript.strip() else "<i>(no speech)</i>"
    return (
        f'<section class="answer" id="{sid}" data-question="{esc(a.question_id)}">{head}'
        f'{audio}{_moments(r)}<p class="transcript">{body}</p>{flags}'
        f'<div class="cols"><div>{_points(r)}</div><div><h3>Figures</h3>{_figures(r)}'
        f"</div></div>{_charts(r)}"
        + (f"<h3>Tips</h3><ul>{tips}</ul>" if tips else "")
        + notes
        + "</section>"
    )


def _summary_html(src: Source) -> str:
    s = summary(src)
    cards = [
        (
            "Answers",
            f"{s['scored']}/{s['answers']}" if s["scored"] != s["answers"] else str(s["answers"]),
        ),
        ("Mean score", _n(s["overall"])),
        ("Key points (by weight)", _n(s["coverage"], "{}%")),
        ("Fillers /100 w", _n(s["fillers_per_100_words"])),
        ("Pace", _n(s["wpm"], "{} wpm")),
        ("Red flags", str(s["red_flags"])),
        ("Missed points", str(s["missed_points"])),
    ]
    html_cards = "".join(
        f'<div class="card"><span class="small">{esc(k)}</span><b>{v}</b></div>' for k, v in cards
    )
    rows = []
    for i, a in enumerate(src.answers):
        r = a.result
        cells = (
            (
                f'<td class="num">{r.overall}</td>'
                f'<td class="num">{round(100 * r.coverage.score)}%</td>'
                f'<td class="num">{r.fillers.per_100_words:.1f}</td>'
                f'<td class="num">{_n(r.delivery.wpm, "{:.0f}")}</td>'
                f'<td class="num">{len(r.red_flags)}</td>'
            )
            if r
            else f'<td colspan="5" class="small">{esc(a.status)}</td>'
        )
        rows.append(
            f'<tr><td class="num">{a.n}</td><td><a href="#answer-{i}">'
            f"{esc(a.question_id)}</a>{' #' + str(a.attempt) if a.attempt > 1 else ''}"
            f"</td>{cells}</tr>"
        )
    table = (
        '<table><thead><tr><th class="num">#</th><th>Question</th><th class="num">'
        'Score</th><th class="num">Key points</th><th class="num">Fillers /100 w</th>'
        '<th class="num">wpm</th><th class="num">Red flags</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table>"
    )
    return f'<div class="cards">{html_cards}</div>{table}'


LEGEND = (
    '<p class="legend small"><span><mark class="evidence">key point</mark></span>'
    '<span><mark class="filler">filler</mark></span><span><mark class="flag">red flag'
    "</mark></span><span>Click a word to hear it.</span></p>"
)


def page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport"'
        f' content="width=device-width,initial-scale=1"><title>{esc(title)}</title>'
        f"<style>{CSS}</style></head><body>{body}<script>{JS}</script></body></html>\n"
    )


def render_source(src: Source, audio_srcs: list[str | None], history_html: str = "") -> str:
    meta = []
    if src.kind == "session":
        i = src.info
        for k in ("bank", "started_at", "status", "model"):
            if i.get(k):
                meta.append(f"{k.replace('_', ' ')}: {i[k]}")
    else:
        meta.append(str(src.path))
    body = (
        f'<h1>{esc(src.title)}</h1><p class="muted">{esc(" · ".join(meta))}</p>'
        + _summary_html(src)
        + LEGEND
        + "".join(
            answer_html(a, s, i)
            for i, (a, s) in enumerate(zip(src.answers, audio_srcs, strict=True))
        )
        + history_html
    )
    return page(src.title, body)
