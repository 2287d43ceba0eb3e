"""`make demo`: batch-score the bundled sample recordings and show the results.

    .venv/bin/python samples/demo.py [OUT_DIR]

Needs a checkout (it reads samples/manifest.csv); the installed package has no demo.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from voicecoach.batch import Failed, read_manifest, read_row, run_batch
from voicecoach.review.figures import score_band

HERE = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else HERE.parent / "demo-out"
    manifest = HERE / "manifest.csv"
    console = Console()
    if not console.is_terminal:  # `make demo` output piped or logged: keep rows readable
        console = Console(width=120)
    if not manifest.is_file():
        console.print(f"[red]No sample manifest at {manifest}[/red]")
        return 2
    inputs = read_manifest(manifest)
    console.print(
        f"Scoring {len(inputs)} recorded answers from samples/ with the bundled "
        "tiny.en model, on this machine, offline..."
    )
    t0 = time.perf_counter()
    with console.status("transcribing and scoring"):
        s = run_batch(inputs, "ml-engineer", out)
    wall = time.perf_counter() - t0
    rows = [read_row(json.loads(x)) for x in (out / "results.jsonl").read_text().splitlines()]
    t = Table(
        "audio",
        "question",
        "score",
        "points",
        "fillers",
        "red flags",
        "wpm",
        title="voicecoach demo: scored sample answers",
    )
    for r in rows:
        name = Path(r.audio or "").name
        if isinstance(r, Failed):
            t.add_row(name, r.question_id, "error", r.error, "", "", "")
            continue
        flags = ", ".join(sorted({h.category for h in r.red_flags}))
        t.add_row(
            name,
            r.question_id,
            f"[{score_band(r.overall)}]{r.overall}[/]",
            r.coverage.shown,
            str(r.fillers.count),
            flags or "-",
            f"{r.delivery.wpm:.0f}" if r.delivery.wpm else "",
        )
    console.print(t)
    console.print(
        f"{s.done} scored now, {s.skipped} reused from an earlier run, {s.failed} "
        f"failed; {s.audio_s / 60:.1f} min of audio in {wall:.1f} s."
    )
    console.print(
        f"Open {out / 'index.html'} for transcripts with fillers, red flags and "
        "key-point evidence marked."
    )
    return 1 if s.failed else 0


if __name__ == "__main__":
    sys.exit(main())
