"""Benchmark (issue 4): `voicecoach batch` over samples/ against the ground truth.

Prints word error rate, coverage precision/recall/F1, red-flag precision/recall and filler
count error (what the scorer finds in the recognised transcript vs the script's truth).

    .venv/bin/python bench/quality.py [--out DIR] [--errors]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from textnorm import normalize  # one normaliser for every WER figure

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    import jiwer

    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=None, help="keep batch output here (default: temp)")
    ap.add_argument("--errors", action="store_true")
    a = ap.parse_args()
    manifest = ROOT / "samples" / "manifest.csv"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(a.out or tmp)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "voicecoach",
                "batch",
                "--manifest",
                str(manifest),
                "--out",
                str(out),
                "--quiet",
            ],
            check=False,
        )
        rows = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    refs, hyps = [], []
    tp = fp = fn = ftp = ffp = ffn = exact = n = abs_err = 0
    notes = []
    for d in rows:
        truth = json.loads((manifest.parent / (d["audio"] + ".truth.json")).read_text())
        if d.get("error"):
            notes.append(f"{d['audio']}: error {d['error']}")
            continue
        n += 1
        if truth["text"].strip():
            refs.append(normalize(truth["text"]))
            hyps.append(normalize(d["transcript"]))
        got = {p["id"] for p in d["coverage"]["points"] if p["covered"]}
        want = set(truth["points"])
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
        if got != want:
            notes.append(f"{d['audio']}: points +{sorted(got - want)} -{sorted(want - got)}")
        gf, wf = Counter(h["category"] for h in d["red_flags"]), Counter(truth["red_flags"])
        for c in set(gf) | set(wf):
            m = min(gf[c], wf[c])
            ftp, ffp, ffn = ftp + m, ffp + gf[c] - m, ffn + wf[c] - m
        if gf != wf:
            notes.append(f"{d['audio']}: flags {dict(gf)} vs truth {dict(wf)}")
        err = d["fillers"]["count"] - truth["fillers"]
        abs_err += abs(err)
        exact += err == 0
        if err:
            notes.append(
                f"{d['audio']}: fillers {d['fillers']['count']} vs truth "
                f"{truth['fillers']} ({d['fillers']['by_text']})"
            )
    wer = jiwer.wer(refs, hyps)
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    fp_ = ftp / (ftp + ffp) if ftp + ffp else 1.0
    fr_ = ftp / (ftp + ffn) if ftp + ffn else 1.0
    if a.errors:
        print("\n".join(notes))
    print(
        f"{n} scored files: WER {wer:.2%}; coverage P/R/F1 {p:.3f}/{r:.3f}/{f1:.3f}; "
        f"red flags P/R {fp_:.3f}/{fr_:.3f}; filler count exact on {exact}/{n} files, "
        f"mean abs error {abs_err / max(n, 1):.2f}"
    )
    print(
        f"wer={wer:.4f} coverage_f1={f1:.3f} flag_precision={fp_:.3f} flag_recall={fr_:.3f} "
        f"filler_exact={exact / max(n, 1):.3f} filler_mae={abs_err / max(n, 1):.2f}"
    )


if __name__ == "__main__":
    main()
