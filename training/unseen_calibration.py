"""Diagnostic: would another ``cover`` threshold help on questions the judge never saw?

    cd training && ../.venv/bin/python unseen_calibration.py /tmp/judge-lqo
                                                             [--questions ../eval/lqo-questions.txt]

The model folder must come from ``train.py --exclude-questions`` with the same questions. It
reads those questions' *training* answers and statements (train and dev split alike: the
model saw none of them; no evaluation set is read) and runs there the key-point search that
``make train`` runs on the model's own dev split (:func:`calibrate.choose_points`). It prints
the point figures at the model's own thresholds and at the thresholds chosen on the unseen
questions, then for whole answers alone (what the product scores) the best threshold and a
sweep. If no threshold reaches the leave-question-out bar (F1 0.88) here, recalibration is
not the fix; the model (or its data) is.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from calibrate import PointCase, choose_points, collect, point_figures
from dataset import Split, load, question_keys

from voicecoach.judge.decide import Thresholds
from voicecoach.judge.model import JudgeModel

HERE = Path(__file__).resolve().parent


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
    keys = question_keys(args.questions)
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
    print(_line("answers and statements, chosen here", points, choose_points(points)))
    print(_line("whole answers, model's own", answers, own))
    print(_line("whole answers, chosen here", answers, choose_points(answers)))
    for cover in (0.3, 0.5, 0.7, 0.9):
        print(_line(f"whole answers, cover {cover}", answers, replace(own, cover=cover)))


if __name__ == "__main__":
    main()
