"""Benchmark: the judge (rules + learned judge) against the rules alone, in one run.

    .venv/bin/python bench/judge_quality.py [--sets devset,heldout,flagset,blind,...,blind9]
                                            [--errors]
                                            [--model DIR] [--only-questions FILE]

Answer sets (eval/<set>/*.toml, hand-marked answers): coverage precision / recall / F1 and
red-flag precision / recall, scored by ``score_answer`` exactly as the product does, once with
the judge and once with ``Settings(judge=False)``. Statement sets (eval/flagset): red-flag
precision / recall per statement. ``--model`` scores with another judge model folder (the
leave-question-out model); ``--only-questions`` keeps the answers to the listed
``bank/question`` keys. Last line: ``key=value`` pairs for every figure.

``--sets training`` reads the judge's own training answers: use it only with
``--only-questions`` and a model trained without those questions.

Which set measures what: eval/devset was used to tune the rules (never to train the judge);
eval/heldout and eval/blind to eval/blind9 were never used for tuning or training (blind2 to
blind5, blind7 and blind9 were each written before or while the model they first measured
trained, blind6 and blind8 after the shipped model trained, by writers who read only its
brief, the marking guidelines and the labels, and first scored once that work was final:
see their READMEs); eval/flagset was used to tune the rules (see its README).
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from voicecoach.banks import Question, all_banks
from voicecoach.scoring.evaluation import Case, Report, compare, load_devset
from voicecoach.scoring.score import Settings, score_answer

ROOT = Path(__file__).resolve().parents[1]
EVAL = ROOT / "eval"


@dataclass
class FlagReport:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, got: list[str], want: list[str]) -> None:
        g, w = Counter(got), Counter(want)
        for c in set(g) | set(w):
            t = min(g[c], w[c])
            self.tp += t
            self.fp += g[c] - t
            self.fn += w[c] - t

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def banks_by_id() -> dict[str, object]:
    return {b.id: b for b in all_banks()}


def answer_set(cases: list[Case], settings: Settings, errors: bool) -> Report:
    banks = banks_by_id()
    rep = Report()
    for c in cases:
        q = banks[c.bank].get(c.question)  # type: ignore[attr-defined]
        compare(c, score_answer(q, c.text, settings), rep)
    if errors:
        for e in rep.errors:
            if "filler" not in e:
                print("   ", e)
    return rep


def statement_set(folder: Path, settings: Settings, errors: bool) -> FlagReport:
    rep = FlagReport()
    for f in sorted(folder.glob("*.toml")):
        for s in tomllib.loads(f.read_text(encoding="utf-8")).get("statement", []):
            q = Question("statement", s["question"], s["kind"])
            got = [h.category for h in score_answer(q, s["text"], settings).red_flags]
            want = list(s.get("flags", []))
            before = (rep.fp, rep.fn)
            rep.add(got, want)
            if errors and (rep.fp, rep.fn) != before:
                print(f"    {f.name}: got {got} want {want}: {s['text']!r}")
    return rep


def training_answers() -> list[Case]:
    """The marked answers written to train the judge (only meaningful for questions kept out
    of training: the leave-question-out run)."""
    out = []
    for f in sorted((ROOT / "training" / "data" / "answers").glob("*.toml")):
        for a in tomllib.loads(f.read_text(encoding="utf-8"))["answer"]:
            out.append(
                Case(
                    a["id"],
                    a["bank"],
                    a["question"],
                    a["text"],
                    list(a["points"]),
                    0,
                    [x["category"] for x in a.get("flags", [])],
                )
            )
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--sets",
        default="devset,heldout,flagset,"
        + ",".join(["blind"] + [f"blind{i}" for i in range(2, 10)]),
    )
    ap.add_argument("--errors", action="store_true")
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--only-questions", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args(argv)
    if args.model:
        import os

        os.environ["VOICECOACH_JUDGE_MODEL"] = str(args.model)
    keep = None
    if args.only_questions:
        keep = {
            x.strip()
            for x in args.only_questions.read_text().splitlines()
            if x.strip() and not x.startswith("#")
        }
    figures: dict[str, float] = {}
    for name in args.sets.split(","):
        folder = EVAL / name if name != "training" else ROOT / "training" / "data" / "answers"
        if not folder.is_dir():
            continue
        for label, settings in (("judge", Settings()), ("rules", Settings(judge=False))):
            if name == "flagset":
                fr = statement_set(folder, settings, args.errors and label == "judge")
                print(
                    f"{name:8s} {label:5s} statements: red flags P/R "
                    f"{fr.precision:.3f}/{fr.recall:.3f} (tp {fr.tp}, fp {fr.fp}, fn {fr.fn})"
                )
                figures[f"{name}_{label}_flag_precision"] = round(fr.precision, 4)
                figures[f"{name}_{label}_flag_recall"] = round(fr.recall, 4)
                continue
            cases = load_devset(folder) if name != "training" else training_answers()
            if keep is not None:
                cases = [c for c in cases if f"{c.bank}/{c.question}" in keep]
            if not cases:
                continue
            rep = answer_set(cases, settings, args.errors and label == "judge")
            print(
                f"{name:8s} {label:5s} {rep.n} answers: coverage P/R/F1 "
                f"{rep.coverage_precision:.3f}/{rep.coverage_recall:.3f}/"
                f"{rep.coverage_f1:.3f}, red flags P/R {rep.flag_precision:.3f}/"
                f"{rep.flag_recall:.3f}"
            )
            for k, v in rep.summary().items():
                if k.startswith(("coverage", "red_flag")):
                    figures[f"{name}_{label}_{k}"] = v
    print(" ".join(f"{k}={v}" for k, v in figures.items()))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
