"""Tests of the question-bank loader and of the bundled banks' content.

The content checks use a small matcher that mirrors what the scorer documents: lowercase,
hyphens to spaces, number words to digits, snowball stems, and a phrase matches when its stems
appear as a contiguous run in the text's stems.
"""

from __future__ import annotations

import itertools
import os
import re
from pathlib import Path

import pytest
import snowballstemmer

from voicecoach.banks import KINDS, Bank, BankError, Question, load_bank

REPO = Path(__file__).resolve().parent.parent

RED_FLAGS = {
    "overstating_skills",
    "false_promise",
    "negative_about_employer",
    "salary_too_early",
    "dismissive_teamwork",
    "inappropriate_language",
    "unprepared_company",
    "no_questions",
}

ML_IDS = {
    "bias-variance",
    "overfitting",
    "cross-validation",
    "supervised-vs-unsupervised",
    "decision-trees",
    "random-forest",
    "k-means",
    "knn-churn-fraud",
    "precision-recall-f1",
    "regularization",
    "feature-engineering",
    "classification-vs-regression",
    "imbalanced-data",
    "ml-tools",
    "past-project",
    "why-company",
    "questions-for-us",
}
BEHAVIORAL_IDS = {
    "tell-me-about-yourself",
    "greatest-strength",
    "weakness",
    "teammate-conflict",
    "failure",
    "why-leaving",
    "tight-deadline",
    "learn-new-skill",
    "explain-to-non-technical",
    "disagree-with-manager",
    "five-years",
    "anything-else-to-add",
}
# (question id, kind, categories that must be watched)
EXPECTED_KIND_WATCH = [
    ("ml-engineer", "ml-tools", "technical", {"overstating_skills"}),
    ("ml-engineer", "past-project", "behavioral", {"overstating_skills", "false_promise"}),
    ("ml-engineer", "why-company", "behavioral", {"unprepared_company"}),
    ("ml-engineer", "questions-for-us", "closing", {"no_questions", "salary_too_early"}),
    ("behavioral", "teammate-conflict", "behavioral", {"dismissive_teamwork"}),
    ("behavioral", "why-leaving", "behavioral", {"negative_about_employer"}),
    ("behavioral", "tight-deadline", "behavioral", {"false_promise"}),
    ("behavioral", "anything-else-to-add", "closing", set()),
]

FILLERS = {
    "um",
    "uh",
    "uhm",
    "umm",
    "erm",
    "hmm",
    "like",
    "basically",
    "actually",
    "literally",
    "so",
    "right",
    "okay",
    "well",
    "just",
}
FILLER_PAIRS = {("you", "know"), ("i", "mean"), ("kind", "of"), ("sort", "of")}
TOO_GENERIC = {
    "data",
    "model",
    "models",
    "training",
    "train",
    "the",
    "a",
    "i",
    "we",
    "it",
    "here",
    "work",
    "good",
    "use",
    "time",
    "thing",
    "things",
    "people",
}

NUMBERS = {
    w: str(i)
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
            "twenty",
        ]
    )
}
NUMBERS.update(
    {
        "thirty": "30",
        "forty": "40",
        "fifty": "50",
        "sixty": "60",
        "seventy": "70",
        "eighty": "80",
        "ninety": "90",
        "hundred": "100",
    }
)
_STEM = snowballstemmer.stemmer("english")


def stems(text: str) -> list[str]:
    words = re.sub(
        r"[^a-z0-9+ ]", " ", text.lower().replace("-", " ").replace("’", "'").replace("'", "")
    ).split()
    return _STEM.stemWords([NUMBERS.get(w, w) for w in words])


def contains(hay: list[str], needle: list[str]) -> bool:
    n = len(needle)
    return n > 0 and any(hay[i : i + n] == needle for i in range(len(hay) - n + 1))


def covered_points(q: Question, text: str) -> set[str]:
    hay = stems(text)
    return {p.id for p in q.points if any(contains(hay, stems(ph)) for ph in p.phrases)}


@pytest.fixture(scope="module")
def banks() -> dict[str, Bank]:
    return {b: load_bank(b) for b in ("ml-engineer", "behavioral")}


def all_questions(banks: dict[str, Bank]) -> list[tuple[str, Question]]:
    return [(bid, q) for bid, b in banks.items() for q in b.questions]


# ------------------------------------------------------------------ bundled content


def test_bundled_banks_load(banks: dict[str, Bank]) -> None:
    ml, beh = banks["ml-engineer"], banks["behavioral"]
    assert (ml.id, ml.title) == ("ml-engineer", "Machine Learning Engineer")
    assert (beh.id, beh.title) == ("behavioral", "General behavioral")
    assert ml.description and beh.description
    assert len(beh.questions) >= 10
    assert len(ml.questions) + len(beh.questions) >= 25


def test_required_question_ids_present(banks: dict[str, Bank]) -> None:
    ml_ids = {q.id for q in banks["ml-engineer"].questions}
    beh_ids = {q.id for q in banks["behavioral"].questions}
    assert ML_IDS - ml_ids == set()
    assert BEHAVIORAL_IDS - beh_ids == set()
    assert len(ml_ids) <= len(ML_IDS) + 3, "at most 3 extra ML questions"


def test_question_ids_unique_across_banks(banks: dict[str, Bank]) -> None:
    ids = [q.id for _, q in all_questions(banks)]
    assert len(ids) == len(set(ids))
    for _, q in all_questions(banks):
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", q.id), q.id
        for p in q.points:
            assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", p.id), (q.id, p.id)


@pytest.mark.parametrize(("bank", "qid", "kind", "watch"), EXPECTED_KIND_WATCH)
def test_kinds_and_watch(
    banks: dict[str, Bank], bank: str, qid: str, kind: str, watch: set[str]
) -> None:
    q = banks[bank].get(qid)
    assert q.kind == kind
    assert watch <= set(q.watch)


def test_every_question_is_complete(banks: dict[str, Bank]) -> None:
    problems: list[str] = []
    for bid, q in all_questions(banks):
        where = f"{bid}/{q.id}"
        sentences = [s for s in re.split(r"(?<=[.?!])\s+", q.model_answer) if s.strip()]
        checks = {
            "kind": q.kind in KINDS,
            "text": bool(q.text.strip()),
            "hint is one line of at most 200 characters": bool(q.hint)
            and "\n" not in q.hint
            and len(q.hint) <= 200,
            f"model_answer has 3-8 sentences (has {len(sentences)})": 3 <= len(sentences) <= 8,
            "topic": bool(q.topic),
            f"watch uses known categories ({q.watch})": set(q.watch) <= RED_FLAGS,
            f"3-6 points (has {len(q.points)})": q.kind == "closing" or 3 <= len(q.points) <= 6,
        }
        problems += [f"{where}: {name}" for name, ok in checks.items() if not ok]
        for p in q.points:
            if not p.label or "\n" in p.label:
                problems.append(f"{where}/{p.id}: label must be one line")
            label_only = not any(x.phrases for x in q.points)  # the judge reads the labels
            if not label_only and (
                not 4 <= len(p.phrases) <= 12 or not all(ph.strip() for ph in p.phrases)
            ):
                problems.append(f"{where}/{p.id}: needs 4-12 non-empty phrases")
    assert not problems, "\n".join(problems)


def test_closing_question_lists_good_questions(banks: dict[str, Bank]) -> None:
    q = banks["ml-engineer"].get("questions-for-us")
    assert len(q.points) >= 3
    joined = " ".join(p.label.lower() for p in q.points)
    for topic in ("project", "team", "growth", "data", "ai"):
        assert topic in joined, topic


def test_phrases_are_clean(banks: dict[str, Bank]) -> None:
    """Phrases: plain lowercase words, no fillers, not generic, no duplicates after stemming."""
    problems: list[str] = []
    for bid, q in all_questions(banks):
        for p in q.points:
            seen: set[tuple[str, ...]] = set()
            for ph in p.phrases:
                where = f"{bid}/{q.id}/{p.id}: {ph!r}"
                words = ph.split()
                key = tuple(stems(ph))
                checks = {
                    "use plain lowercase words": re.fullmatch(r"[a-z0-9][a-z0-9+ ]*", ph),
                    "at most 6 words": len(words) <= 6,
                    "contains a filler word": not FILLERS & set(words)
                    and not FILLER_PAIRS & set(itertools.pairwise(words)),
                    "too generic": not (len(words) == 1 and ph in TOO_GENERIC),
                    "same stems as another phrase of the point": key not in seen,
                }
                problems += [f"{where}: {name}" for name, ok in checks.items() if not ok]
                seen.add(key)
    assert not problems, "\n".join(problems)


@pytest.mark.slow
def test_phrases_do_not_overlap_between_points(banks: dict[str, Bank]) -> None:
    """Within a question, saying one point's phrase must not also make another point."""
    problems = [
        f"{bid}/{q.id}: {a.id} phrase {pa!r} fires inside {b.id} phrase {pb!r}"
        for bid, q in all_questions(banks)
        for a, b in itertools.permutations(q.points, 2)
        for pa in a.phrases
        for pb in b.phrases
        if contains(stems(pb), stems(pa))
    ]
    assert not problems, "\n".join(problems)


def test_repeating_the_question_scores_no_point(banks: dict[str, Bank]) -> None:
    problems = [
        f"{bid}/{q.id}: {covered_points(q, q.text)}"
        for bid, q in all_questions(banks)
        if covered_points(q, q.text)
    ]
    assert not problems, "\n".join(problems)


def test_model_answers_cover_their_points(banks: dict[str, Bank]) -> None:
    """The shown model answer must make (nearly) every key point by the bank's own phrases
    (label-only banks: by the judge, in tests/test_judge.py)."""
    problems: list[str] = []
    for bid, q in all_questions(banks):
        if not any(p.phrases for p in q.points):
            continue
        missing = {p.id for p in q.points} - covered_points(q, q.model_answer)
        if len(missing) > (1 if len(q.points) >= 5 else 0):
            problems.append(f"{bid}/{q.id}: {sorted(missing)}")
    assert not problems, "\n".join(problems)


def test_cover_points_matcher_can_fail(banks: dict[str, Bank]) -> None:
    q = banks["ml-engineer"].get("cross-validation")
    assert covered_points(q, "I am not sure, I have never used it.") == set()
    got = covered_points(q, "We use stratified k-fold so each fold keeps class proportions.")
    assert {"k-fold", "stratified"} <= got


# ------------------------------------------------------------------ no copying from the article


def _article() -> str:
    cands = [
        os.environ.get("VOICECOACH_ARTICLE", ""),
        REPO / "docs" / "source-article.txt",
        REPO / "tests" / "fixtures" / "source-article.txt",
        REPO.parent / "shared" / "source-article.txt",  # beside the clone, in CI too
        Path("/work/shared/source-article.txt"),
    ]
    for c in cands:
        if c and Path(c).is_file():
            return Path(c).read_text(encoding="utf-8")
    pytest.skip("source article not found (set VOICECOACH_ARTICLE)")


def _words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9]+", " ", text.lower().replace("’", "'").replace("'", "")).split()


def _ngrams(words: list[str], n: int = 8) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def copied_runs(article: str, text: str) -> set[tuple[str, ...]]:
    return _ngrams(_words(article)) & _ngrams(_words(text))


def test_copy_detector_catches_a_copied_sentence() -> None:
    article = _article()
    line = next(x for x in article.splitlines() if len(_words(x)) >= 12)
    assert copied_runs(article, "In my words: " + line.upper().replace(" ", "  ") + "!")
    assert not copied_runs(article, "A model that is too simple misses the real pattern.")


def test_no_text_copied_from_the_article(banks: dict[str, Bank]) -> None:
    article = _article()
    for bid, q in all_questions(banks):
        texts = [q.hint, q.model_answer] + [p.label for p in q.points]
        for t in texts:
            runs = copied_runs(article, t)
            assert not runs, f"{bid}/{q.id}: copied from the article: {' '.join(min(runs))!r}"


# ------------------------------------------------------------------ broken banks

GOOD_QUESTION = """
[[questions]]
id = "{qid}"
text = "Explain something."
kind = "{kind}"
[[questions.points]]
id = "p1"
label = "A point"
phrases = {phrases}
"""


def _bank(tmp_path: Path, body: str, name: str = "mine.toml") -> Path:
    path = tmp_path / name
    path.write_text('id = "mine"\ntitle = "Mine"\n' + body, encoding="utf-8")
    return path


def _q(qid: str = "q1", kind: str = "technical", phrases: str = '["a phrase"]') -> str:
    return GOOD_QUESTION.format(qid=qid, kind=kind, phrases=phrases)


def test_minimal_bank_loads(tmp_path: Path) -> None:
    bank = load_bank(_bank(tmp_path, _q()))
    assert bank.id == "mine" and bank.get("q1").points[0].phrases == ("a phrase",)
    assert bank.get("q1").watch == () and bank.get("q1").points[0].weight == 1.0


def test_a_bank_is_parsed_once_until_its_file_changes(tmp_path: Path) -> None:
    import os

    path = _bank(tmp_path, _q())
    first = load_bank(path)
    assert load_bank(path) is first  # a batch looks every input up in every bank
    path.write_text(path.read_text(encoding="utf-8").replace("q1", "q2"), encoding="utf-8")
    st = path.stat()  # same size; move the time on in case the clock did not tick
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    again = load_bank(path)
    assert again is not first and "q2" in again and "q1" not in again


BROKEN = [
    ("duplicate-id", _q("twice") + _q("twice"), "twice", "id", "duplicate"),
    (
        "missing-text",
        _q("notext").replace('text = "Explain something."\n', ""),
        "notext",
        "text",
        "missing",
    ),
    ("empty-phrases", _q("nophr", phrases="[]"), "nophr", "phrases", "non-empty"),
    ("empty-string-phrase", _q("blank", phrases='["ok", "  "]'), "blank", "phrases", "empty"),
    ("unknown-kind", _q("odd", kind="trivia"), "odd", "kind", "trivia"),
]


@pytest.mark.parametrize(
    ("case", "body", "qid", "field", "words"), BROKEN, ids=[b[0] for b in BROKEN]
)
def test_broken_bank_names_file_question_and_field(
    tmp_path: Path, case: str, body: str, qid: str, field: str, words: str
) -> None:
    path = _bank(tmp_path, body, f"{case}.toml")
    with pytest.raises(BankError) as info:
        load_bank(path)
    msg = str(info.value)
    assert str(path) in msg and f"'{qid}'" in msg and f"'{field}'" in msg and words in msg
    assert "\n" not in msg
    assert (info.value.question, info.value.field) == (qid, field)


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    path = _bank(tmp_path, _q() + "\nthis is = = not toml\n", "bad.toml")
    with pytest.raises(BankError) as info:
        load_bank(path)
    assert str(path) in str(info.value) and "invalid TOML" in str(info.value)
    assert "\n" not in str(info.value)


def test_non_utf8_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(('id = "x"\ntitle = "Caf\u00e9"\n' + _q()).encode("latin-1"))
    with pytest.raises(BankError) as info:
        load_bank(path)
    assert str(path) in str(info.value) and "UTF-8" in str(info.value)


def test_missing_file_and_unknown_id(tmp_path: Path) -> None:
    with pytest.raises(BankError, match="no such file"):
        load_bank(tmp_path / "nope.toml")
    with pytest.raises(BankError, match="no bundled bank"):
        load_bank("no-such-bank")


def test_no_phrase_echoes_its_own_question(banks: dict[str, Bank]) -> None:
    """Saying the question back ("k-means clustering") makes no key point, by the real
    matcher (which allows a word between a phrase's words: "k clusters" once matched "k-means
    clustering")."""
    from voicecoach.scoring.score import Settings, score_answer

    problems = [
        f"{bid}/{q.id}: {p.id} by {p.evidence.matched!r}"
        for bid, q in all_questions(banks)
        for p in score_answer(q, q.text, Settings(judge=False)).coverage.covered
        if p.evidence is not None
    ]
    assert not problems, "\n".join(problems)
