"""`make demo`: batch-score the bundled sample recordings and show the results.

    python -m voicecoach.demo [OUT_DIR]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .batch import read_manifest, run_batch
from .render import score_style

REPO = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else REPO / "demo-out"
    manifest = REPO / "samples" / "manifest.csv"
    console = Console()
    if not console.is_terminal:  # `make demo` output piped or logged: keep rows readable
        console = Console(width=120)
    if not manifest.is_file():
        console.print(f"[red]No sample manifest at {manifest}[/red]")
        return 2
    inputs = read_manifest(manifest)
    console.print(f"Scoring {len(inputs)} recorded answers from samples/ with the bundled "
                  "tiny.en model, on this machine, offline...")
    t0 = time.perf_counter()
    with console.status("transcribing and scoring"):
        s = run_batch(inputs, "ml-engineer", out)
    wall = time.perf_counter() - t0
    rows = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    t = Table("audio", "question", "score", "points", "fillers", "red flags", "wpm",
              title="voicecoach demo: scored sample answers")
    for d in rows:
        if d.get("error"):
            t.add_row(Path(d["audio"]).name, d.get("question_id") or "", "error", d["error"],
                      "", "", "")
            continue
        pts = d["coverage"]["points"]
        flags = ", ".join(sorted({h["category"] for h in d["red_flags"]}))
        t.add_row(Path(d["audio"]).name, d["question_id"],
                  f"[{score_style(d['overall'])}]{d['overall']}[/]",
                  f"{sum(p['covered'] for p in pts)}/{len(pts)}",
                  str(d["fillers"]["count"]), flags or "-",
                  f"{d['delivery']['wpm']:.0f}" if d["delivery"]["wpm"] else "")
    console.print(t)
    console.print(f"{s.done} scored now, {s.skipped} reused from an earlier run, {s.failed} "
                  f"failed; {s.audio_s / 60:.1f} min of audio in {wall:.1f} s.")
    console.print(f"Open {out / 'index.html'} for transcripts with fillers, red flags and "
                  "key-point evidence marked.")
    return 1 if s.failed else 0


if __name__ == "__main__":
    sys.exit(main())
