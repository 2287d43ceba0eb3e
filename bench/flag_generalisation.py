"""Benchmark: do the red-flag rules generalise to new wordings?

Scores every statement of ``eval/flagset/statements.toml`` (a set written independently of
``voicecoach/data/red_flags.toml``: hits in varied wordings plus near misses) with
``find_red_flags`` and prints per-category precision/recall and every miss or false alarm.
A statement counts once per category (hits of a category in one statement are one hit).

    .venv/bin/python bench/flag_generalisation.py [--quiet] [--file PATH ...] [--all]

``--all`` scores every set in ``eval/flagset/`` together (see eval/flagset/README.md for
which sets were written when). Last line: ``flag_precision=... flag_recall=...``
(micro-averaged over categories).
"""

from __future__ import annotations

import argparse
import tomllib
from dataclasses import dataclass
from pathlib import Path

from voicecoach.scoring.redflags import CATEGORIES, find_red_flags
from voicecoach.scoring.textnorm import NormText

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Statement:
    text: str
    flags: frozenset[str]
    kind: str
    question: str


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def load(path: Path) -> list[Statement]:
    with path.open("rb") as f:
        rows = tomllib.load(f)["statement"]
    out = []
    for r in rows:
        bad = set(r["flags"]) - set(CATEGORIES)
        if bad:
            raise SystemExit(f"{path}: unknown categories {sorted(bad)} in: {r['text']}")
        out.append(Statement(r["text"], frozenset(r["flags"]), r["kind"], r["question"]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--file",
        type=Path,
        action="append",
        help="statement file (repeatable); default eval/flagset/statements.toml",
    )
    ap.add_argument("--all", action="store_true", help="every *.toml in eval/flagset/")
    ap.add_argument("--quiet", action="store_true", help="per-category table only")
    args = ap.parse_args()
    files = args.file or [ROOT / "eval/flagset/statements.toml"]
    if args.all:
        files = sorted((ROOT / "eval/flagset").glob("*.toml"))
    stmts = [s for f in files for s in load(f)]
    tally = {c: Tally() for c in CATEGORIES}
    problems: list[str] = []
    for s in stmts:
        got = {h.category for h in find_red_flags(NormText(s.text), s.kind, s.question)}
        for c in CATEGORIES:
            if c in got and c in s.flags:
                tally[c].tp += 1
            elif c in got:
                tally[c].fp += 1
                problems.append(f"FALSE {c:24s} [{s.kind}] {s.text}")
            elif c in s.flags:
                tally[c].fn += 1
                problems.append(f"MISS  {c:24s} [{s.kind}] {s.text}")
    print(f"{len(stmts)} statements, {sum(len(s.flags) for s in stmts)} flags")
    print(f"{'category':26s} {'n':>3s} {'tp':>3s} {'fp':>3s} {'fn':>3s}  prec  recall")
    for c in CATEGORIES:
        t = tally[c]
        print(
            f"{c:26s} {t.tp + t.fn:3d} {t.tp:3d} {t.fp:3d} {t.fn:3d}  "
            f"{t.precision():.2f}  {t.recall():.2f}"
        )
    total = Tally(
        sum(t.tp for t in tally.values()),
        sum(t.fp for t in tally.values()),
        sum(t.fn for t in tally.values()),
    )
    if not args.quiet:
        print()
        print("\n".join(sorted(problems)))
    print(f"flag_precision={total.precision():.3f} flag_recall={total.recall():.3f}")


if __name__ == "__main__":
    main()
