"""index.html for a batch run: one self-contained page (inline CSS and JS, no network), a
table sortable by any column, each row linking to its transcript with marks and an audio
player.

Rows are rendered one at a time (:func:`row_html`) and kept, so a growing run only renders
what is new (:mod:`voicecoach.batch.aggregate`); :func:`page` puts them together. Answers
with speech come first; silent files and files that could not be scored are listed apart
(sorted within their own group), never as a red 0.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from urllib.parse import quote

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
.yellow{color:#9a6700}.red{color:#cf222e}.err{color:#cf222e}.muted{color:#777}
td.audio{max-width:22rem;overflow-wrap:anywhere}
tbody.unscored tr:first-child td{border-top:2px solid #999}
mark.filler{background:#fff3b0}mark.flag{background:#ffd6d6;font-weight:600}
mark.evidence{background:#d7f5dd}section{margin:2rem 0;border-top:2px solid #eee}
.missed{color:#cf222e}.small{color:#666;font-size:90%}audio{width:100%;max-width:30rem}
"""

_JS = """
document.querySelectorAll('th').forEach((th, col) => th.addEventListener('click', () => {
  const table = th.closest('table');
  const asc = th.getAttribute('aria-sort') !== 'ascending';
  th.closest('tr').querySelectorAll('th').forEach(h => h.removeAttribute('aria-sort'));
  th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
  const key = td => { const v = td.dataset.v ?? td.textContent;
    const n = parseFloat(v); return isNaN(n) ? v.toLowerCase() : n; };
  [...table.tBodies].forEach(tbody => [...tbody.rows].sort((a, b) => {
    const x = key(a.cells[col]), y = key(b.cells[col]);
    return (x > y ? 1 : x < y ? -1 : 0) * (asc ? 1 : -1); })
    .forEach(r => tbody.appendChild(r)));
}));
"""

HEAD = (
    "<tr><th>#</th><th>audio</th><th>question</th><th>overall</th><th>coverage</th>"
    "<th>fillers /100w</th><th>red flags</th><th>wpm</th><th>error</th></tr>"
)


@dataclass(frozen=True)
class RowHtml:
    """One input's table row and transcript section; ``scored`` False: silent or failed."""

    scored: bool
    tr: str
    section: str


def _cell(v: object, num: bool = False, cls: str = "") -> str:
    s = "" if v is None else str(v)
    klass = " ".join(c for c in ("num" if num else "", cls) if c)
    attr = f' class="{klass}"' if klass else ""
    return f'<td{attr} data-v="{html.escape(s)}">{html.escape(s)}</td>'


def _player(href: str | None) -> str:
    if not href:
        return ""
    src = html.escape(quote(href, safe="/:._-~"))
    return f'<p><audio controls preload="none" src="{src}"></audio></p>'


def is_silent(row: Row) -> bool:
    return not isinstance(row, Failed) and not row.transcript.strip()


def row_html(n: int, d: Row, label: str, href: str | None) -> RowHtml:
    """Row ``n`` (its anchor ``item-n``): ``label`` names the file (its path relative to the
    inputs' common folder), ``href`` links its audio (relative to the output folder)."""
    name = html.escape(label)
    link = f'<td class="audio" data-v="{name}"><a href="#item-{n}">{name}</a></td>'
    if isinstance(d, Failed):
        return RowHtml(
            False,
            f"<tr>{_cell(n, True)}{link}{_cell(d.question_id)}"
            f"{_cell('failed', cls='err')}{_cell(None)}{_cell(None)}{_cell(None)}"
            f"{_cell(None)}{_cell(d.error, cls='err')}</tr>",
            f'<section id="item-{n}"><h3>{name} <span class="err">not scored</span></h3>'
            f'<p class="err">{html.escape(d.error)}</p>{_player(href)}</section>',
        )
    if is_silent(d):
        return RowHtml(
            False,
            f"<tr>{_cell(n, True)}{link}{_cell(d.question_id)}"
            f"{_cell('no speech', cls='muted')}{_cell(None)}{_cell(None)}{_cell(None)}"
            f"{_cell(None)}{_cell('no speech heard in this file', cls='muted')}</tr>",
            f'<section id="item-{n}"><h3>{name} <span class="muted">no speech</span></h3>'
            f'<p class="small">{html.escape(d.question or d.question_id)}</p>'
            f'<p class="muted">No speech was heard in this recording (silent, or too '
            f"quiet): it was not scored as an answer.</p>{_player(href)}</section>",
        )
    flags = ", ".join(h.category for h in d.red_flags)
    tr = (
        f"<tr>{_cell(n, True)}{link}{_cell(d.question_id)}"
        f"{_cell(d.overall, True, score_band(d.overall))}"
        f"{_cell(round(d.coverage.score * 100), True)}"
        f"{_cell(d.fillers.per_100_words, True)}"
        f'<td class="num" data-v="{len(d.red_flags)}" title="{html.escape(flags)}">'
        f"{len(d.red_flags)}</td>{_cell(d.delivery.wpm, True)}{_cell('')}</tr>"
    )
    missed = "".join(f"<li>{html.escape(p.label)}</li>" for p in d.coverage.missed)
    tips = "".join(f"<li>{html.escape(t)}</li>" for t in d.tips)
    section = (
        f'<section id="item-{n}"><h3>{name} '
        f'<span class="{score_band(d.overall)}">{d.overall}/100</span></h3>'
        f'<p class="small">{html.escape(d.question or d.question_id)}</p>{_player(href)}'
        f"<p>{transcript_html(d, clickable=False)}</p>"
        + (f'<p class="missed">Missed key points:</p><ul>{missed}</ul>' if missed else "")
        + f"<p>Tips:</p><ul>{tips}</ul></section>"
    )
    return RowHtml(True, tr, section)


def page(rows: list[RowHtml], title: str = "voicecoach batch results") -> str:
    """The whole index.html from rendered rows (in input order)."""
    scored = [r for r in rows if r.scored]
    unscored = [r for r in rows if not r.scored]
    note = (
        f" {len(unscored)} silent or failed file(s) are listed apart, after the answers."
        if unscored
        else ""
    )
    tail = f'<tbody class="unscored">{"".join(r.tr for r in unscored)}</tbody>' if unscored else ""
    return (
        f"<!doctype html><html lang=en><meta charset=utf-8><title>{html.escape(title)}"
        f"</title><style>{_CSS}</style><h1>{html.escape(title)}</h1>"
        f"<p class=small>{len(scored)} answers scored.{note} Click a column to sort; click "
        f"a file to read its transcript and hear it (green: key-point evidence, yellow: "
        f"filler, red: red flag).</p><table><thead>{HEAD}</thead>"
        f"<tbody>{''.join(r.tr for r in scored)}</tbody>{tail}</table>"
        f"{''.join(r.section for r in rows)}<script>{_JS}</script></html>\n"
    )
