"""The aggregate files of an output folder (``results.jsonl``, ``summary.csv``,
``index.html``), kept in memory and written at a bounded rate.

The folder remembers every input it has been given (``inputs.jsonl``: name, absolute path,
question, company and result key, one line each), so runs one after the other with other
manifests add to it: the aggregates hold the latest result of every input any run listed,
in the order they were first listed. An input is the same input again when its path,
question and company are; several inputs may share one result (the same bytes), each still
its own row.

Each row is rendered once, when its result arrives (JSON line, CSV line, HTML row and
section); a write joins the rendered pieces, atomically. Writes are spaced so that writing
stays a small share of the run (the gap grows with the time one write takes), plus one at the
end (Ctrl-C included).
"""

from __future__ import annotations

import copy
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from voicecoach.batch.html import RowHtml, page, row_html
from voicecoach.batch.output import read_item, summary_header, summary_line
from voicecoach.batch.rows import Failed, Row, row_dict
from voicecoach.scoring.result import Result
from voicecoach.storage import atomic_write_text

INDEX = "inputs.jsonl"
WRITE_SHARE = 0.05  # at most this share of the run goes into writing the aggregates


@dataclass(frozen=True)
class Listed:
    """One input the output folder has been given."""

    audio: str  # as given in the manifest or on the command line
    path: str  # absolute ("" when unknown: rows of folders made before inputs.jsonl)
    question: str
    company: str | None
    key: str  # its result's item file: items/<key>.json

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.path or self.audio, self.question, self.company or "")


@dataclass(frozen=True)
class _Parts:
    json: str
    csv: str
    html: RowHtml


class Aggregates:
    def __init__(self, out: Path, refresh_s: float = 1.0) -> None:
        self.out = out
        self.refresh_s = refresh_s
        self.entries: list[Listed] = []
        self.scored_keys: set[str] = set()  # keys whose item file holds a scored row
        self.write_s = 0.0  # time spent writing, all writes
        self._where: dict[tuple[str, str, str], int] = {}
        self._by_key: dict[str, list[int]] = {}
        self._parts: dict[int, _Parts] = {}
        self._base = out
        self._next = 0.0

    @classmethod
    def open(cls, out: Path, listed: list[Listed], refresh_s: float = 1.0) -> Aggregates:
        """The folder's aggregates with ``listed`` added (or updated), every result already
        in ``items/`` loaded, and the new input list saved."""
        agg = cls(out, refresh_s)
        for e in agg._read_index():
            agg._add(e)
        for e in listed:
            agg._add(e)
        for pos, e in enumerate(agg.entries):
            agg._by_key.setdefault(e.key, []).append(pos)
        dirs = [os.path.dirname(e.path) for e in agg.entries if e.path]
        agg._base = Path(os.path.commonpath(dirs)) if dirs else out
        for key in agg._by_key:
            row = read_item(out, key)
            if row is not None:
                agg.update(key, row)
        atomic_write_text(
            out / INDEX,
            "".join(json.dumps(asdict(e), ensure_ascii=False) + "\n" for e in agg.entries),
        )
        return agg

    def _add(self, e: Listed) -> None:
        pos = self._where.get(e.identity)
        if pos is None:
            self._where[e.identity] = len(self.entries)
            self.entries.append(e)
        else:
            self.entries[pos] = e

    def _read_index(self) -> list[Listed]:
        try:
            lines = (self.out / INDEX).read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return self._seed_from_items()
        found = []
        for line in lines:
            try:
                found.append(Listed(**json.loads(line)))
            except (ValueError, TypeError):
                continue  # a damaged line: that input is listed again by the run naming it
        return found

    def _seed_from_items(self) -> list[Listed]:
        """A folder written before inputs.jsonl existed: one input per item file."""
        files = sorted((self.out / "items").glob("*.json"), key=lambda f: f.stat().st_mtime)
        found = []
        for f in files:
            try:
                d = json.loads(f.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if isinstance(d, dict):
                audio = str(d.get("audio") or f.stem)
                path = str(d.get("audio_path") or "")
                found.append(Listed(audio, path, str(d.get("question_id") or ""), None, f.stem))
        return found

    # ---------------------------------------------------------------- rows

    def update(self, key: str, row: Row) -> None:
        """The result for ``key`` has arrived (or was loaded): render it for every input
        that has this key."""
        if isinstance(row, Failed):
            self.scored_keys.discard(key)
        else:
            self.scored_keys.add(key)
        for pos in self._by_key.get(key, ()):
            self._parts[pos] = self._render(pos, row)

    def _render(self, pos: int, row: Row) -> _Parts:
        e = self.entries[pos]
        r = copy.copy(row)
        r.audio = e.audio  # inputs sharing one result each name their own file
        if isinstance(r, Result) and e.path:
            r.audio_path = e.path
        label = os.path.relpath(e.path, self._base) if e.path else e.audio
        href = os.path.relpath(e.path, self.out) if e.path and os.path.isfile(e.path) else None
        shown = r
        if isinstance(r, Failed) and e.audio and e.audio != label:  # the page names it short
            shown = Failed(label, r.question_id, r.error.replace(e.audio, label))
        return _Parts(
            json.dumps(row_dict(r), ensure_ascii=False) + "\n",
            summary_line(r),
            row_html(pos + 1, shown, label, href),
        )

    # ---------------------------------------------------------------- writing

    def maybe_write(self) -> None:
        """Write the aggregates if the last write was long enough ago."""
        if time.monotonic() >= self._next:
            self.write()

    def write(self) -> None:
        t0 = time.monotonic()
        parts = [self._parts[pos] for pos in sorted(self._parts)]
        atomic_write_text(self.out / "results.jsonl", "".join(p.json for p in parts))
        csv_text = summary_header() + "".join(p.csv for p in parts)
        atomic_write_text(self.out / "summary.csv", csv_text)
        atomic_write_text(self.out / "index.html", page([p.html for p in parts]))
        took = time.monotonic() - t0
        self.write_s += took
        self._next = time.monotonic() + max(self.refresh_s, took / WRITE_SHARE)

    @property
    def rows(self) -> int:
        return len(self._parts)
