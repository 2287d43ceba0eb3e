"""index.html for a batch run: one self-contained page (inline CSS and JS, no network), a
table sortable by any column, each row linking to its transcript with marks."""

from __future__ import annotations

import html

from voicecoach.batch.rows import Failed, Row
from voicecoach.review.figures import score_band
from voicecoach.review.html import transcript_html

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;padding:0 1rem;
color:#222}
table{border-collapse:collapse;width:100%}th,td{padding:.3rem .6rem;text-align:left;
border-bottom:1px solid #ddd}th{cursor:pointer;background:#f4f4f4;user-select:none}
th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
td.num{text-align:right;font-variant-numeric:tabular-nums}.green{color:#1a7f37}
.yellow{color:#9a6700}.red{color:#cf222e}.err{color:#cf222e}
mark.filler{background:#fff3b0}mark.flag{background:#ffd6d6;font-weight:600}
mark.evidence{background:#d7f5dd}section{margin:2rem 0;border-top:2px solid #eee}
.missed{color:#cf222e}.small{color:#666;font-size:90%}
"""

_JS = """
document.querySelectorAll('th').forEach((th, col) => th.addEventListener('click', () => {
  const tbody = th.closest('table').tBodies[0];
  const asc = th.getAttribute('aria-sort') !== 'ascending';
  th.closest('tr').querySelectorAll('th').forEach(h => h.removeAttribute('aria-sort'));
  th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
  const key = td => { const v = td.dataset.v ?? td.textContent;
    const n = parseFloat(v); return isNaN(n) ? v.toLowerCase() : n; };
  [...tbody.rows].sort((a, b) => { const x = key(a.cells[col]), y = key(b.cells[col]);
    return (x > y ? 1 : x < y ? -1 : 0) * (asc ? 1 : -1); })
    .forEach(r => tbody.appendChild(r));
}));
"""


def _cell(v: object, num: bool = False, cls: str = "") -> str:
    s = "" if v is None else str(v)
    klass = " ".join(c for c in ("num" if num else "", cls) if c)
    attr = f' class="{klass}"' if klass else ""
    return f'<td{attr} data-v="{html.escape(s)}">{html.escape(s)}</td>'


def render_index(rows: list[Row], title: str = "voicecoach batch results") -> str:
    head = (
        "<tr><th>#</th><th>audio</th><th>question</th><th>overall</th><th>coverage</th>"
        "<th>fillers /100w</th><th>red flags</th><th>wpm</th><th>error</th></tr>"
    )
    body, sections = [], []
    for n, d in enumerate(rows, 1):
        audio = html.escape(d.audio or "")
        link = f'<a href="#item-{n}">{audio}</a>'
        if isinstance(d, Failed):
            body.append(
                f'<tr>{_cell(n, True)}<td data-v="{audio}">{link}'
                f"</td>{_cell(d.question_id)}{_cell(None)}{_cell(None)}"
                f"{_cell(None)}{_cell(None)}{_cell(None)}"
                f"{_cell(d.error, cls='err')}</tr>"
            )
            sections.append(
                f'<section id="item-{n}"><h3>{audio}</h3>'
                f'<p class="err">{html.escape(d.error)}</p></section>'
            )
            continue
        flags = ", ".join(h.category for h in d.red_flags)
        body.append(
            f'<tr>{_cell(n, True)}<td data-v="{audio}">{link}</td>'
            f"{_cell(d.question_id)}"
            f"{_cell(d.overall, True, score_band(d.overall))}"
            f"{_cell(round(d.coverage.score * 100), True)}"
            f"{_cell(d.fillers.per_100_words, True)}"
            f'<td class="num" data-v="{len(d.red_flags)}" title="{html.escape(flags)}">'
            f"{len(d.red_flags)}</td>{_cell(d.delivery.wpm, True)}{_cell('')}</tr>"
        )
        missed = "".join(f"<li>{html.escape(p.label)}</li>" for p in d.coverage.missed)
        tips = "".join(f"<li>{html.escape(t)}</li>" for t in d.tips)
        sections.append(
            f'<section id="item-{n}"><h3>{audio} '
            f'<span class="{score_band(d.overall)}">{d.overall}/100</span></h3>'
            f'<p class="small">{html.escape(d.question or d.question_id)}</p>'
            f"<p>{transcript_html(d, clickable=False)}</p>"
            + (f'<p class="missed">Missed key points:</p><ul>{missed}</ul>' if missed else "")
            + f"<p>Tips:</p><ul>{tips}</ul></section>"
        )
    return (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{html.escape(title)}"
        f"</title><style>{_CSS}</style><h1>{html.escape(title)}</h1>"
        f"<p class=small>{len(rows)} answers. Click a column to sort; click a file to "
        f"read its transcript (green: key-point evidence, yellow: filler, red: red flag)."
        f"</p><table><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"
        f"{''.join(sections)}<script>{_JS}</script></html>\n"
    )
