"""Scorer accuracy on the hand-marked answer sets (dev set and held-out set).

.venv/bin/python bench/quality_text.py [--errors]
"""

from __future__ import annotations

import sys
from pathlib import Path

from voicecoach.scoring.evaluation import evaluate, load_devset

ROOT = Path(__file__).resolve().parent.parent / "eval"


def main() -> None:
    show = "--errors" in sys.argv
    last = {}
    for name in ("devset", "heldout"):
        if not (ROOT / name).is_dir():
            continue
        rep = evaluate(load_devset(ROOT / name))
        s = rep.summary()
        last[name] = s
        print(
            f"{name:8s} answers={s['answers']} coverage P/R/F1={s['coverage_precision']:.3f}/"
            f"{s['coverage_recall']:.3f}/{s['coverage_f1']:.3f} red-flag P/R="
            f"{s['red_flag_precision']:.3f}/{s['red_flag_recall']:.3f} filler exact="
            f"{s['filler_count_exact']:.3f} (mean abs err {s['filler_mean_abs_error']})"
        )
        if show:
            for e in rep.errors:
                print("   ", e)
    print(" ".join(f"{n}_{k}={v}" for n, s in last.items() for k, v in s.items() if k != "answers"))


if __name__ == "__main__":
    main()
