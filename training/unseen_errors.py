"""Diagnostic: the judge's key-point errors on questions it never saw, with the evidence.

    cd training && ../.venv/bin/python unseen_errors.py /tmp/judge-lqo
                                                        [--questions ../eval/lqo-questions.txt]

The model folder must come from ``train.py --exclude-questions`` with the same questions. It
scores those questions' *training* answers (the model saw none of them; no evaluation set is
read) exactly as the product does and prints every wrong credit and every miss: the label,
the judged window, its probability and its similarity, and, for a wrong credit, the other
labels of the question the same window reads as made.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from dataset import load, question_keys

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("--questions", type=Path, default=HERE.parent / "eval" / "lqo-questions.txt")
    args = ap.parse_args()
    os.environ["VOICECOACH_JUDGE_MODEL"] = str(args.model.resolve())
    from calibrate import question

    from voicecoach.judge.model import get_model
    from voicecoach.scoring.score import score_answer

    keys = question_keys(args.questions)
    model = get_model()
    tp = fp = fn = 0
    for split in load():
        for g in split.answers:
            if g.question.key not in keys:
                continue
            q = question(g.question.key, g.question.bank_file)
            r = score_answer(q, g.text)
            for pr in r.coverage.points:
                truth = pr.id in g.points
                got = pr.covered
                tp += got and truth
                fp += got and not truth
                fn += truth and not got
                if got == truth:
                    continue
                ev = pr.evidence
                if got and ev is not None:
                    others = [p for p in q.points if p.id != pr.id]
                    ps = model.cover([(p.label, ev.text) for p in others])
                    rivals = ", ".join(
                        f"{p.id} {v:.2f}" for p, v in zip(others, ps, strict=True) if v >= 0.05
                    )
                    print(f"FP {g.question.key} [{pr.label}] via {ev.method}")
                    print(f"   p={ev.probability:.3f}  {ev.text!r}")
                    print(f"   made {sorted(g.points)}; window also reads: {rivals or '-'}")
                else:
                    print(f"FN {g.question.key} [{pr.label}]")
    p = tp / (tp + fp) if tp + fp else 1.0
    rc = tp / (tp + fn) if tp + fn else 1.0
    print(f"P {p:.3f} R {rc:.3f} F1 {2 * p * rc / (p + rc):.3f} (tp {tp} fp {fp} fn {fn})")


if __name__ == "__main__":
    main()
