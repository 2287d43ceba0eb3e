"""Diagnostic: would another ``cover`` threshold help on questions the judge never saw?

    cd training && ../.venv/bin/python unseen_calibration.py /tmp/judge-lqo
                                                             [--questions ../eval/lqo-questions.txt]

The model folder must come from ``train.py --exclude-questions`` with the same questions. It
reads those questions' *training* answers and statements (train and dev split alike: the
model saw none of them; no evaluation set is read) and runs :func:`calibrate.choose`'s
key-point search there, as ``make train`` runs it on the model's own dev split. It prints the
point figures at the model's own thresholds and at the thresholds chosen on the unseen
questions, then for whole answers alone (what the product scores) the best threshold and a
sweep. If no threshold reaches the leave-question-out bar (F1 0.88) here, recalibration is
not the fix; the model (or its data) is.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np
from calibrate import PointCase, _weighted_f1, collect, point_figures
from dataset import Split, load

from voicecoach.judge.decide import Thresholds
from voicecoach.judge.model import JudgeModel

HERE = Path(__file__).resolve().parent


def best(cases: list[PointCase]) -> Thresholds:
    """calibrate.choose's search over cover and overrule (candidates as shipped)."""
    top, chosen = -1.0, Thresholds()
    for cover in np.arange(0.05, 0.951, 0.025):
        for overrule in (0.0, 0.02, 0.05, 0.1, 0.2, 0.3):
            t = replace(Thresholds(), cover=round(float(cover), 3), overrule=overrule)
            f = _weighted_f1(cases, t)
            if f > top:
                top, chosen = f, t
    return chosen


def _line(name: str, cases: list[PointCase], t: Thresholds) -> str:
    f = point_figures(cases, t)
    return (
        f"{name:<44} cover {t.cover:<6} overrule {t.overrule:<5} "
        f"P {f['precision']:.3f}  R {f['recall']:.3f}  F1 {f['f1']:.3f}"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("model", type=Path)
    ap.add_argument("--questions", type=Path, default=HERE.parent / "eval" / "lqo-questions.txt")
    args = ap.parse_args()
    lines = args.questions.read_text(encoding="utf-8").splitlines()
    keys = {x.strip() for x in lines if x.strip() and not x.startswith("#")}
    unseen = Split()
    for split in load():
        unseen.answers += [g for g in split.answers if g.question.key in keys]
        unseen.statements += [g for g in split.statements if g.question.key in keys]
    model = JudgeModel(args.model)
    points, _ = collect(model, unseen, Thresholds())
    answers = [c for c in points if c.weight > 1]
    own = Thresholds.from_config(model.config["thresholds"])
    print(
        f"{len(keys)} unseen questions: {len(unseen.answers)} answers, "
        f"{len(points) - len(answers)} statements"
    )
    print(_line("answers and statements, model's own", points, own))
    print(_line("answers and statements, chosen here", points, best(points)))
    print(_line("whole answers, model's own", answers, own))
    print(_line("whole answers, chosen here", answers, best(answers)))
    for cover in (0.3, 0.5, 0.7, 0.9):
        print(_line(f"whole answers, cover {cover}", answers, replace(own, cover=cover)))


if __name__ == "__main__":
    main()
