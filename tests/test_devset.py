"""The scorer against hand-marked answers (issue 2 quality bar; issue 10 for the judge).

eval/devset/: 96 answers marked by an independent annotator (GUIDELINES.md), used while
developing the rules (so the rules' figure there is a regression guard, not a measure of
quality) and, for the judge, to choose its thresholds. eval/heldout/: answers written and
marked later by another annotator under the same guidelines and never used for tuning.

The rule tests score with Settings(judge=False); the judge tests with the default scorer
(judge and rules). Rerun the figures: .venv/bin/python bench/judge_quality.py
"""

from __future__ import annotations

from pathlib import Path

import pytest

from voicecoach.scoring.evaluation import evaluate, load_devset
from voicecoach.scoring.score import Settings

HERE = Path(__file__).resolve().parents[1] / "eval"


RULES = Settings(judge=False)


def _report(name: str, settings: Settings | None = None):
    cases = load_devset(HERE / name)
    assert cases, f"no answers in eval/{name}"
    rep = evaluate(cases, settings)
    print(f"\n{name}: {rep.summary()}")
    for e in rep.errors:
        print("  ", e)
    return rep


def test_rules_meet_the_quality_bar_on_the_devset() -> None:
    rep = _report("devset", RULES)
    assert rep.n >= 60
    assert rep.coverage_f1 >= 0.95
    assert rep.flag_precision >= 0.95 and rep.flag_recall >= 0.95
    assert rep.filler_exact_rate >= 0.95


@pytest.mark.skipif(not (HERE / "heldout").is_dir(), reason="no held-out set")
def test_rules_generalise_to_the_heldout_set() -> None:
    """Never tuned on. The floors sit just under the figures measured when the rules were
    frozen (coverage F1 0.820, red flags P 1.0 / R 0.690, fillers exact 0.896): a rule change
    that only fits the dev set, or breaks generalisation, fails here."""
    rep = _report("heldout", RULES)
    assert rep.coverage_f1 >= 0.80
    assert rep.flag_precision >= 0.95 and rep.flag_recall >= 0.65
    assert rep.filler_exact_rate >= 0.85


@pytest.mark.slow
def test_the_judge_on_the_devset() -> None:
    """The product's scorer (judge and rules). The floors sit just under the figures of the
    shipped model (coverage F1 0.876, red flags P 0.957 / R 1.0): a model or threshold change
    that loses ground fails here. The rules were tuned on this set, the judge never."""
    rep = _report("devset")
    assert rep.coverage_f1 >= 0.86
    assert rep.flag_precision >= 0.93 and rep.flag_recall >= 0.97


@pytest.mark.slow
@pytest.mark.skipif(not (HERE / "heldout").is_dir(), reason="no held-out set")
def test_the_judge_generalises_to_the_heldout_set() -> None:
    """Never tuned on. Floors just under the shipped model's figures on this machine
    (coverage F1 0.917, red flags P 0.933 / R 0.966), and above the rules alone (0.820,
    1.0 / 0.690). Issue 10's bar for red-flag precision here is 0.95: the judge retrained on
    2026-12-04 misses it by one wrong flag (28 right of 30; the previous judge 28 of 29), a
    trade taken for its better dev split (BENCHMARKS.md, "The judge")."""
    rep = _report("heldout")
    assert rep.coverage_f1 >= 0.90
    assert rep.flag_precision >= 0.93 and rep.flag_recall >= 0.93


ANSWER_SETS = sorted(p.name for p in HERE.iterdir() if p.is_dir() and p.name != "flagset")


@pytest.mark.parametrize("name", ANSWER_SETS)
def test_every_marked_answer_names_real_questions_points_and_flags(name: str) -> None:
    """A typo in a hand-marked set (a point id the bank does not have) would count as a
    miss of the scorer's forever: every id must exist."""
    from voicecoach.banks import RED_FLAG_CATEGORIES, load_bank

    cases = load_devset(HERE / name)
    assert cases, f"no answers in eval/{name}"
    assert len({c.id for c in cases}) == len(cases), "duplicate answer ids"
    for c in cases:
        q = load_bank(c.bank).get(c.question)
        assert set(c.points) <= {p.id for p in q.points}, (c.id, c.points)
        assert set(c.red_flags) <= set(RED_FLAG_CATEGORIES), (c.id, c.red_flags)
        assert c.text.strip(), c.id
