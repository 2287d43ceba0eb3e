"""The learned judge (voicecoach/judge): shipped weights, decisions with evidence, the rules
beside it, label-only banks, and light commands that never load it."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from voicecoach.banks import find_question, load_bank
from voicecoach.judge.model import MODEL_DIR
from voicecoach.scoring.score import Settings, score_answer

ROOT = Path(__file__).resolve().parents[1]


def covered(qid: str, text: str, judge: bool = True) -> dict[str, str]:
    r = score_answer(find_question(qid)[1], text, Settings(judge=judge))
    return {p.id: p.evidence.method for p in r.coverage.covered if p.evidence}


def flags(qid: str, text: str) -> list[str]:
    return [h.category for h in score_answer(find_question(qid)[1], text).red_flags]


def test_shipped_weights_match_the_model_card_and_judge_json() -> None:
    card = (MODEL_DIR / "MODEL_CARD.md").read_text()
    cfg = json.loads((MODEL_DIR / "judge.json").read_text())
    for name in ("model.bin", "heads.npz"):
        digest = hashlib.sha256((MODEL_DIR / name).read_bytes()).hexdigest()
        assert digest == cfg["sha256"][name], name
        assert f"{name} sha256 `{digest}`" in card, name
    assert (MODEL_DIR / "model.bin").stat().st_size < 40 * 2**20


# The int8 kernels CTranslate2 picks depend on the CPU (AVX2, AVX-512, VNNI) and its version,
# so the same weights give slightly different probabilities on another machine: in a new
# machine session (rebuilt environment) the decisions on the dev split moved by 3 of 628 key
# points (F1 0.8781 against 0.8762).
DEV_TOLERANCE = 0.01


def _close(got: dict[str, float], want: dict[str, float]) -> bool:
    return all(abs(got[k] - want[k]) <= DEV_TOLERANCE for k in ("precision", "recall", "f1"))


@pytest.mark.slow
def test_shipped_weights_reproduce_the_dev_split_figures() -> None:
    """The model card's dev-split figures, recomputed with the shipped model and thresholds
    (training/calibrate.py: the product's own decision code), within DEV_TOLERANCE."""
    sys.path.insert(0, str(ROOT / "training"))
    try:
        from calibrate import collect, flag_figures, point_figures
        from dataset import load

        from voicecoach.judge.decide import Thresholds
        from voicecoach.judge.model import JudgeModel
    finally:
        sys.path.pop(0)
    cfg = json.loads((MODEL_DIR / "judge.json").read_text())
    t = Thresholds.from_config(cfg["thresholds"])
    _, dev = load(seed=cfg.get("seed", 20261201))
    points, windows = collect(JudgeModel(MODEL_DIR), dev, t)
    want = cfg["dev_figures"]
    got_points = point_figures(points, t)
    got_flags = flag_figures(windows, t)["all"]
    assert _close(got_points, want["points_judge_and_rules"]), got_points
    assert _close(got_flags, want["flags_judge_and_rules"]["all"]), got_flags  # type: ignore[arg-type]
    # the positives are the data's, whatever the machine
    assert (
        got_points["tp"] + got_points["fn"]
        == want["points_judge_and_rules"]["tp"] + want["points_judge_and_rules"]["fn"]
    )


def test_evidence_says_what_made_each_decision() -> None:
    from jsonschema import validate

    q = find_question("bias-variance")[1]
    r = score_answer(
        q,
        "Um, a model with high bias is too simple for the pattern, so it underfits. A model "
        "with too much freedom ends up learning the accidents of its sample.",
    )
    d = r.to_dict()
    schema = json.loads((ROOT / "voicecoach/data/result.schema.json").read_text())
    validate(d, schema)
    points = {p["id"]: p["evidence"] for p in d["coverage"]["points"] if p["covered"]}
    assert points["high-bias"]["method"] == "phrase" and points["high-bias"]["probability"]
    for ev in points.values():
        assert 0.0 <= ev["probability"] <= 1.0
        assert d["transcript"][ev["char_start"] : ev["char_end"]] == ev["text"]


# A known error of the shipped judge (2026-12-04): a definition that opens with the label's own
# term ("high bias means ...", "high bias is when ...") reads as not made (probability 0.01-0.02,
# below `overrule`), so the judge withdraws the phrase rules' correct credit. The previous
# model read them at 0.11-0.98. Strict: when a retrain fixes it, this fails and should become a
# plain test.
@pytest.mark.xfail(strict=True, reason="judge overrules a correct 'X means ...' definition")
@pytest.mark.parametrize(
    "text",
    [
        "Um, high bias means the model is too simple and underfits.",
        "Um, high bias is when the model is too simple and it underfits.",
    ],
)
def test_a_definition_that_opens_with_the_term_keeps_its_phrase_credit(text: str) -> None:
    assert "high-bias" in covered("bias-variance", text)


def test_rules_alone_on_request() -> None:
    text = "So high bias means the model is too simple and underfits."
    assert set(covered("bias-variance", text, judge=False).values()) == {"phrase"}


def test_label_only_banks_are_scored_by_the_judge() -> None:
    """Six bundled banks have labels only: their model answers make their own points."""
    problems = []
    label_only = (
        "data-scientist",
        "backend-engineer",
        "product-manager",
        "data-engineer",
        "frontend-engineer",
        "engineering-manager",
    )
    for bid in label_only:
        bank = load_bank(bid)
        assert all(not p.phrases for q in bank.questions for p in q.points)
        for q in bank.questions:
            r = score_answer(q, q.model_answer)
            missed = [p.id for p in r.coverage.missed]
            if len(missed) > (1 if len(q.points) >= 4 else 0):
                problems.append(f"{bid}/{q.id}: {missed}")
            assert all(p.evidence and p.evidence.method == "judge" for p in r.coverage.covered)
    assert len(problems) <= 2, problems


def test_repeating_the_question_makes_no_point_by_the_judge() -> None:
    from voicecoach.banks import all_banks

    problems = [
        f"{b.id}/{q.id}: {[p.id for p in score_answer(q, q.text).coverage.covered]}"
        for b in all_banks()
        for q in b.questions
        if score_answer(q, q.text).coverage.covered
    ]
    assert len(problems) <= 2, problems


def test_no_questions_is_only_raised_on_closing_questions() -> None:
    assert "no_questions" not in flags("k-means", "No, I think that covers it, thanks.")
    assert "no_questions" in flags("questions-for-us", "No, I think you covered everything.")


def test_commands_that_do_not_score_never_load_the_judge(tmp_path) -> None:
    for args in (
        ["questions", "list"],
        ["questions", "show", "k-means"],
        ["history"],
        ["review", str(tmp_path)],
        ["report", str(tmp_path)],
    ):
        code = (
            "import sys, runpy\n"
            f"sys.argv = ['voicecoach', *{args!r}]\n"
            "try:\n    runpy.run_module('voicecoach', run_name='__main__')\n"
            "except SystemExit: pass\n"
            "sys.stderr.write('LOADED=' + str('ctranslate2' in sys.modules))\n"
        )
        p = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            timeout=60,
            env={"VOICECOACH_HOME": str(tmp_path), "PATH": "/usr/bin"},
        )
        assert re.search(r"LOADED=False$", p.stderr.strip()), (args, p.stderr)


def model_answer_readings(*banks: str):
    """(labels, window texts, reading, each point's phrase-hit window) of every bank
    question's model answer, read by the shipped judge."""
    from voicecoach.judge.apply import _window_of
    from voicecoach.judge.model import get_model
    from voicecoach.judge.windows import split_windows
    from voicecoach.scoring.coverage import match_points
    from voicecoach.scoring.textnorm import NormText

    model = get_model()
    for bank in banks:
        for q in load_bank(bank).questions:
            text = q.model_answer
            windows = split_windows(text)
            texts = [w.text(text) for w in windows]
            hits = [m.hit for m in match_points(q, NormText(text))]
            hints = [_window_of(windows, (h.char_start, h.char_end)) if h else None for h in hits]
            reading = model.read_windows(q.text, texts)
            yield [p.label for p in q.points], texts, reading, hints


def test_a_point_its_phrase_settles_is_decided_as_if_every_window_were_read() -> None:
    """judge_answer reads a point's nearest windows only when its phrase hit does not settle
    it (decide.read_points ``settle``): the decisions are those of reading them all."""
    from voicecoach.judge.decide import Thresholds, point_made, read_points
    from voicecoach.judge.model import get_model

    model = get_model()
    t = Thresholds.from_config(model.config["thresholds"])
    settled = 0
    for labels, texts, reading, hints in model_answer_readings("ml-engineer", "behavioral"):
        full = read_points(model, labels, texts, reading, hints, t.candidates)
        lazy = read_points(model, labels, texts, reading, hints, t.candidates, t.overrule)
        for f, lz, h in zip(full, lazy, hints, strict=True):
            assert point_made(f, h is not None, t) == point_made(lz, h is not None, t)
            assert lz.p_hint == pytest.approx(f.p_hint, abs=1e-5) if h is not None else True
            settled += h is not None and lz.p_hint is not None and lz.p_hint >= t.overrule
    assert settled >= 20  # the shortcut is taken, so the comparison means something


def test_the_similarity_gate_reads_only_near_windows_as_calibration_assumes() -> None:
    """decide.read_points with ``min_similarity`` reads closely only the nearest windows at
    least that similar to the label (and the phrase-hit window), and its decisions are what
    training/calibrate.py's PointCase.gated computes from an ungated reading."""
    sys.path.insert(0, str(ROOT / "training"))
    try:
        from calibrate import PointCase
    finally:
        sys.path.pop(0)
    from voicecoach.judge.decide import read_points
    from voicecoach.judge.model import get_model

    model = get_model()
    gate = 0.25
    skipped = 0
    for labels, texts, reading, hints in model_answer_readings("ml-engineer"):
        full = read_points(model, labels, texts, reading, hints, 3)
        gated = read_points(model, labels, texts, reading, hints, 3, None, gate)
        for f, g in zip(full, gated, strict=True):
            assert all(hint or sim >= gate for sim, _, hint in g.read)
            skipped += len(f.read) - len(g.read)
            case = PointCase(f.p_hint is not None, f.p_best, f.p_hint, True, read=f.read)
            assert case.gated(gate).p_best == pytest.approx(g.p_best, abs=1e-5)
    assert skipped >= 20  # the gate leaves windows unread, so the comparison means something
