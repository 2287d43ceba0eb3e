"""The text scorer: coverage with evidence, fillers, red flags, delivery, overall, tips."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
import pytest

from voicecoach.banks import find_question
from voicecoach.scoring.score import Settings, score_answer
from voicecoach.transcript import Transcript, Word

SCHEMA = json.loads(
    resources.files("voicecoach").joinpath("data", "result.schema.json").read_text()
)


def q(qid: str):
    return find_question(qid)[1]


def covered(qid: str, text: str) -> set[str]:
    """Key points credited by the phrase rules alone: these tests check the rule engine
    (normalising, stems, negation scope); tests/test_judge.py checks the judge."""
    r = score_answer(q(qid), text, Settings(judge=False))
    return {p.id for p in r.coverage.points if p.covered}


def fillers(text: str, qid: str = "bias-variance") -> list[str]:
    return [f.text for f in score_answer(q(qid), text).fillers]


def flags(text: str, qid: str = "past-project") -> list[str]:
    return [h.category for h in score_answer(q(qid), text).red_flags]


# ---------------------------------------------------------------- coverage


@pytest.mark.parametrize(
    "answer",
    [
        "We used stratified k-fold.",
        "We stratify the folds.",
        "stratifying the folds helps",
    ],
)
def test_inflections_count(answer: str) -> None:
    """The phrase rules' stemming (the judge reads a bare "we used stratified k-fold" as a
    mention without the claim, marking rule 3, so this checks the rules alone)."""
    r = score_answer(q("cross-validation"), answer, Settings(judge=False))
    assert any(p.covered for p in r.coverage.points), r.to_dict()["coverage"]


def test_hyphens_spaces_and_number_words_are_the_same() -> None:
    a = covered("cross-validation", "I would use k-fold cross validation with five folds.")
    b = covered("cross-validation", "I would use k fold cross-validation with 5 folds.")
    assert a == b and a


def test_asr_split_compound_counts() -> None:
    assert "high-bias" in covered("bias-variance", "a high bias model is under fitting")


def test_negated_mention_is_not_coverage() -> None:
    r = score_answer(q("bias-variance"), "Honestly I don't remember what underfitting is.")
    hb = next(p for p in r.coverage.points if p.id == "high-bias")
    assert not hb.covered and hb.negated is not None


def test_negation_scope_ends_at_but() -> None:
    got = covered("bias-variance", "I'm not an expert, but high bias means the model underfits.")
    assert "high-bias" in got


def test_evidence_points_at_the_words() -> None:
    text = "So the key thing is that a model that is too simple will underfit."
    r = score_answer(q("bias-variance"), text).to_dict()
    ev = next(p["evidence"] for p in r["coverage"]["points"] if p["id"] == "high-bias")
    assert text[ev["char_start"] : ev["char_end"]] == ev["text"]
    assert ev["text"].lower() in ("too simple", "underfit")


def test_echoing_the_question_covers_nothing() -> None:
    assert covered("bias-variance", "Explain the bias-variance tradeoff.") == set()


# ---------------------------------------------------------------- fillers


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Um, it's, like, fast, you know?", ["um", "like", "you know"]),
        ("I like Python and it feels like magic.", []),
        ("Use something like k-fold, or models like random forest.", []),
        ("It took like three weeks.", ["like"]),
        ("What kind of model? It was kind of slow.", ["kind of"]),
        ("You know the answer. Do you know it? As you know, it works.", []),
        ("What I mean is simple. I mean, it works.", ["i mean"]),
        (
            "Uhh the the model, erm, basically literally failed.",
            ["uh", "(restart)", "um", "basically", "literally"],
        ),
        ("I I think that that is true.", ["(restart)"]),
    ],
)
def test_fillers(text: str, expected: list[str]) -> None:
    assert fillers(text) == expected


def test_filler_positions_and_rate() -> None:
    text = "Um so high bias, uh, underfits."
    d = score_answer(q("bias-variance"), text).to_dict()["fillers"]
    assert d["count"] == 2
    assert [text[i["char_start"] : i["char_end"]] for i in d["items"]] == ["Um", "uh"]
    assert d["per_100_words"] == pytest.approx(100 * 2 / 6, abs=0.01)


# ---------------------------------------------------------------- red flags


@pytest.mark.parametrize(
    "text,cat,qid",
    [
        ("I guarantee the model will hit 100% accuracy.", "false_promise", "past-project"),
        (
            "I'm an expert in everything, TensorFlow, PyTorch, all of it.",
            "overstating_skills",
            "ml-tools",
        ),
        (
            "My previous manager was completely incompetent.",
            "negative_about_employer",
            "why-leaving",
        ),
        ("How much does this job pay?", "salary_too_early", "questions-for-us"),
        (
            "Honestly I prefer to work alone, teamwork is overrated.",
            "dismissive_teamwork",
            "teammate-conflict",
        ),
        (
            "Uh, honestly, teamwork is overrated. So I did it all myself.",
            "dismissive_teamwork",
            "past-project",
        ),
        ("That pipeline was total bullshit.", "inappropriate_language", "past-project"),
        ("I don't really know much about your company.", "unprepared_company", "why-company"),
        ("No, I think you covered everything.", "no_questions", "questions-for-us"),
    ],
)
def test_red_flags_hit(text: str, cat: str, qid: str) -> None:
    assert flags(text, qid) == [cat]


@pytest.mark.parametrize(
    "text,qid",
    [
        # read right since the model of 2026-12-02 (second); "I can't guarantee a number." is
        # a near miss in its training data (training/data/flags/w19-blunt-short.toml)
        ("I can't guarantee a number, but I would expect a clear gain.", "past-project"),
        ("My previous manager taught me a lot about testing.", "why-leaving"),
        ("I won't ask about salary today. What does the team work on?", "questions-for-us"),
        ("I'm not an expert in PyTorch yet, but I've shipped two models with it.", "ml-tools"),
        (
            "No questions about the role itself, but I'd love to know how the team ships models.",
            "questions-for-us",
        ),
        ("The benefits of regularization are simpler models.", "regularization"),
        ("I enjoy working independently and with the team.", "teammate-conflict"),
        ("No, I think you covered everything.", "bias-variance"),  # only a closing-question flag
    ],
)
def test_near_misses_are_not_flags(text: str, qid: str) -> None:
    assert flags(text, qid) == []


def test_one_statement_one_flag() -> None:
    assert flags("I guarantee 100% accuracy and zero errors guaranteed.") == ["false_promise"]


def test_flag_carries_why_and_instead() -> None:
    d = score_answer(q("questions-for-us"), "What's the salary range?").to_dict()
    (h,) = d["red_flags"]
    assert h["why"] and h["instead"] and h["text"].lower().startswith("what")


# ---------------------------------------------------------------- delivery, overall, schema


def _timed(words: list[tuple[str, float, float]], duration: float) -> Transcript:
    return Transcript.from_words([Word(t, s, e) for t, s, e in words], duration=duration)


def test_delivery_with_timing() -> None:
    tr = _timed(
        [("High", 0.0, 0.3), ("bias", 0.3, 0.6), ("um", 0.7, 0.9), ("underfits.", 3.5, 4.0)],
        duration=4.5,
    )
    d = score_answer(q("bias-variance"), tr).to_dict()
    assert d["delivery"]["words"] == 4 and d["delivery"]["duration_s"] == 4.5
    assert d["delivery"]["wpm"] == pytest.approx(60.0)
    assert d["delivery"]["long_pauses"] == [{"start": 0.9, "end": 3.5, "duration_s": 2.6}]
    (f,) = d["fillers"]["items"]
    assert (f["start"], f["end"]) == (0.7, 0.9)


def test_overall_orders_answers_sensibly() -> None:
    qq = q("bias-variance")
    good = score_answer(qq, qq.model_answer).overall
    weak = score_answer(qq, "Um, it's, like, about models, you know, um, uh.").overall
    flagged = score_answer(qq, qq.model_answer + " I guarantee 100% accuracy.").overall
    assert good >= 80 and weak < 30 and flagged < good


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "Um.",
        "x" * 5000,
        "über naïve façade — “quotes” ’apostrophes’ 😀",
        "k-fold " * 2000,
    ],
)
def test_odd_inputs_give_valid_results(text: str) -> None:
    d = score_answer(q("cross-validation"), text).to_dict()
    jsonschema.validate(d, SCHEMA)
    if not text.strip():
        assert d["overall"] == 0 and d["coverage"]["score"] == 0


def test_every_bundled_model_answer_scores_valid_json() -> None:
    from voicecoach.banks import all_banks

    for b in all_banks():
        for qq in b.questions:
            d = score_answer(qq, qq.model_answer).to_dict()
            jsonschema.validate(d, SCHEMA)
            assert 1 <= len(d["tips"]) <= 3


@pytest.mark.slow
def test_huge_input_is_scored() -> None:
    qq = q("bias-variance")
    text = (qq.model_answer + " Um, like, you know. ") * 800  # ~100k words
    r = score_answer(qq, text)
    assert r.delivery.words > 90_000 and r.coverage.score > 0.9
