"""Key-point coverage rules: paraphrase families, negation scope, vague and generic mentions.

Each case is a short spoken-style answer written for the rule it checks (not copied from the
dev set); the expected points follow eval/devset/GUIDELINES.md.
"""

from __future__ import annotations

import pytest

from voicecoach.banks import find_question
from voicecoach.scoring.score import Settings, score_answer
from voicecoach.scoring.textnorm import tokenize


def covered(qid: str, text: str) -> set[str]:
    """The points the phrase rules credit (the judge is off: these cases test the rules; the
    rules and the judge together are measured on the evaluation sets, bench/judge_quality.py)."""
    q = find_question(qid)[1]
    return {p.id for p in score_answer(q, text, Settings(judge=False)).coverage.points if p.covered}


# ---------------------------------------------------------------- paraphrase families


@pytest.mark.parametrize(
    ("qid", "text", "point"),
    [
        ("bias-variance", "A linear model is too rigid for curved data.", "high-bias"),
        ("bias-variance", "It can't capture the trend at all.", "high-bias"),
        (
            "bias-variance",
            "Tiny changes in the sample give a different model, small changes matter.",
            "high-variance",
        ),
        (
            "bias-variance",
            "You can't lower both of them, so you pick how complex the model is.",
            "balance",
        ),
        ("bias-variance", "What counts is the error on fresh examples.", "unseen-data"),
        ("bias-variance", "You want the model that generalises best.", "unseen-data"),
        ("overfitting", "It aces the training set and then falls apart in production.", "symptom"),
        ("overfitting", "It performs worse on the test data than on the training data.", "symptom"),
        ("overfitting", "I set aside some data the model never sees during training.", "detect"),
        ("overfitting", "I'd penalise large weights or make it less complex.", "constrain"),
        ("cross-validation", "It gives you an estimate of how the model does later.", "purpose"),
        ("cross-validation", "Each part takes a turn as the validation data.", "k-fold"),
        (
            "supervised-vs-unsupervised",
            "In unsupervised learning nobody gives you the answers.",
            "unsupervised-unlabeled",
        ),
        (
            "supervised-vs-unsupervised",
            "Every example comes with the correct answer.",
            "supervised-labels",
        ),
        ("k-means", "You tell it how many clusters you want.", "unsupervised-k"),
        (
            "k-means",
            "The centers move, and it goes back and forth until nothing changes.",
            "update",
        ),
        ("ensemble-methods", "Each new model fixes what the earlier ones got wrong.", "boosting"),
        ("regularization", "Some coefficients end up at zero.", "l1"),
        ("regularization", "The squared version just makes them smaller.", "l2"),
        ("data-splitting", "I don't look at the test data until the very end.", "leakage"),
        ("imbalanced-data", "Mistakes on the rare class should cost more.", "weights"),
        ("failure", "I shipped it without testing the new users.", "situation"),
        ("failure", "It was my call to skip that check.", "ownership"),
        ("learn-new-skill", "I had two weeks to learn it before the migration.", "need"),
        (
            "explain-to-non-technical",
            "I'd ask them to tell me back how they would use it.",
            "check",
        ),
        ("questions-for-us", "What does a typical week look like for the engineers?", "team"),
        ("questions-for-us", "What kind of models does the team work on?", "ml-projects"),
        ("anything-else-to-add", "Thanks, that was a good conversation.", "thanks"),
    ],
)
def test_paraphrase_families(qid: str, text: str, point: str) -> None:
    assert point in covered(qid, text)


def test_correct_negative_statement_counts() -> None:
    got = covered(
        "classification-vs-regression",
        "Classification doesn't give you a number. Regression's output is a number.",
    )
    assert "regression" in got


def test_claim_about_the_model_is_not_the_speakers_ignorance() -> None:
    text = (
        "I'd say it's right seven times out of ten, and it can't know about things it's never seen."
    )
    assert "limits" in covered("explain-to-non-technical", text)


# ---------------------------------------------------------------- negation scope


@pytest.mark.parametrize(
    ("qid", "text", "point"),
    [
        # recognisers without apostrophes
        ("bias-variance", "i dont remember the formula for the decomposition", "decomposition"),
        ("decision-trees", "ive never really understood how pruning works", "overfit-fix"),
        # the mention is disowned later in the sentence
        (
            "linear-vs-logistic",
            "theres a sigmoid somewhere but i dont remember what it does",
            "logistic",
        ),
        ("ml-tools", "I played with Keras in a course but never really used it.", "deep-learning"),
        (
            "ensemble-methods",
            "There's bagging and stacking, but I never understood the difference.",
            "stacking",
        ),
        # "couldn't tell you", "can't explain"
        ("random-forest", "I couldn't tell you how it's different from bagging.", "bootstrap"),
        # a cue inside the matched words
        ("disagree-with-manager", "I never disagree with my manager.", "situation"),
        # a vague mention is not the claim
        ("cross-validation", "We used something like k-fold, I think.", "k-fold"),
    ],
)
def test_negated_or_vague_mentions_do_not_count(qid: str, text: str, point: str) -> None:
    assert point not in covered(qid, text)


def test_hedge_after_a_claim_does_not_cancel_it() -> None:
    assert "criterion" in covered("decision-trees", "The splits use Gini impurity, I think.")


def test_generalize_is_not_general() -> None:
    assert "generaliz" in {t.stem for t in tokenize("it generalises")}
    assert "unseen-data" not in covered("bias-variance", "In general it is a tradeoff.")


# ---------------------------------------------------------------- generic or bare mentions


@pytest.mark.parametrize(
    ("qid", "text", "point"),
    [
        ("why-leaving", "What does this role pay, by the way?", "match"),
        ("tell-me-about-yourself", "So yeah, I'm looking for my next challenge.", "future"),
        ("questions-for-us", "It was really great meeting the team today.", "team"),
        ("questions-for-us", "Who owns a model once it's in production?", "ml-projects"),
        ("anything-else-to-add", "Thanks, I enjoyed the chat.", "enthusiasm"),
        ("past-project", "We got good accuracy, I don't remember the number.", "outcome"),
        ("imbalanced-data", "I would just collect more data.", "threshold"),
        ("regularization", "Lasso and ridge are the two types.", "l1"),
        ("regularization", "Lasso and ridge are the two types.", "l2"),
        ("ensemble-methods", "There's bagging and boosting.", "bagging"),
        ("ensemble-methods", "There's bagging and boosting.", "boosting"),
        ("bias-variance", "Overfitting is bad, that much I know.", "high-variance"),
        ("k-means", "You pick k by trying a few values.", "unsupervised-k"),
        ("decision-trees", "I set max depth to five and prune it.", "overfit-fix"),
        ("supervised-vs-unsupervised", "Supervised is when you know the house price.", "examples"),
        ("ml-tools", "I've never written a bug in production.", "honest-depth"),
        ("past-project", "I would have finished faster on my own.", "learned"),
    ],
)
def test_bare_or_generic_mentions_do_not_count(qid: str, text: str, point: str) -> None:
    assert point not in covered(qid, text)
