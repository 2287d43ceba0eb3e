"""Calibrate an exported judge on the dev split and write its judge.json.

The thresholds (voicecoach/judge/decide.py) are chosen on the dev split of the training data
only, with the rules' phrase hits and red-flag hits as the product computes them, so the
figures here are what the product does on that split.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from dataset import AnswerGroup, FlagGroup, Split, StatementGroup

from voicecoach.banks import Question, load_bank
from voicecoach.judge.decide import (
    Thresholds,
    point_made,
    read_points,
    rule_flag_stands,
    window_flag,
)
from voicecoach.judge.labels import CATEGORIES
from voicecoach.judge.model import JudgeModel
from voicecoach.judge.windows import split_windows
from voicecoach.scoring.coverage import match_points
from voicecoach.scoring.redflags import find_red_flags
from voicecoach.scoring.textnorm import NormText

# Whole answers are what the product scores; single statements are many and easier. In the
# thresholds' objective an answer's point decision counts this many statement decisions.
ANSWER_WEIGHT = 3.0
# Red flags are judged by F-beta with this beta: a wrong flag costs more than a missed one.
FLAG_BETA = 0.5


@dataclass
class PointCase:
    has_hint: bool
    p_best: float
    p_hint: float | None
    truth: bool
    weight: float = 1.0  # whole answers count more than single statements (see choose)
    # every window read closely: (similarity to the label, probability, is the hint window)
    read: tuple[tuple[float, float, bool], ...] = ()

    def gated(self, min_similarity: float | None) -> PointCase:
        """The case as the product reads it with this similarity gate (decide.read_points)."""
        if min_similarity is None:
            return self
        ps = [p for sim, p, hint in self.read if hint or sim >= min_similarity]
        return replace(self, p_best=max(ps, default=0.0))


@dataclass
class WindowCase:
    probs: np.ndarray
    kind: str
    rule: str | None  # a category the rules flag in this window
    truth: int


_questions: dict[str, Question] = {}


def question(key: str, bank_file: str) -> Question:
    if key not in _questions:
        bank = load_bank(bank_file)
        for q in bank.questions:
            _questions[f"{bank.id}/{q.id}"] = q
    return _questions[key]


def _window_of(spans: list[tuple[int, int]], a: int, b: int) -> int | None:
    best, best_o = None, 0
    for i, (x, y) in enumerate(spans):
        o = min(b, y) - max(a, x)
        if o > best_o:
            best, best_o = i, o
    return best


def rule_hints(q: Question, text: str, spans: list[tuple[int, int]]) -> list[int | None]:
    nt = NormText(text)
    return [
        _window_of(spans, m.hit.char_start, m.hit.char_end) if m.hit else None
        for m in match_points(q, nt)
    ]


def rule_flags(q_text: str, kind: str, text: str, spans: list[tuple[int, int]]) -> dict[int, str]:
    nt = NormText(text)
    out = {}
    for h in find_red_flags(nt, kind, q_text):
        a, b = nt.char_span(h.i, h.j)
        w = _window_of(spans, a, b)
        if w is not None:
            out.setdefault(w, h.category)
    return out


def collect(
    model: JudgeModel, dev: Split, t: Thresholds
) -> tuple[list[PointCase], list[WindowCase]]:
    points: list[PointCase] = []
    windows: list[WindowCase] = []
    for g in dev.answers:
        points_of_answer(model, g, t, points, windows)
    for sg in dev.statements:
        points_of_statements(model, sg, t, points)
    for fg in dev.flags:
        windows_of_flags(model, fg, windows)
    return points, windows


def points_of_answer(
    model: JudgeModel,
    g: AnswerGroup,
    t: Thresholds,
    points: list[PointCase],
    windows: list[WindowCase],
) -> None:
    q = question(g.question.key, g.question.bank_file)
    reading = model.read_windows(q.text, g.windows)
    hints = rule_hints(q, g.text, g.spans)
    labels = [p.label for p in q.points]
    reads = read_points(model, labels, g.windows, reading, hints, t.candidates)
    for p, r, h in zip(q.points, reads, hints, strict=True):
        points.append(
            PointCase(h is not None, r.p_best, r.p_hint, p.id in g.points, ANSWER_WEIGHT, r.read)
        )
    rules = rule_flags(q.text, q.kind, g.text, g.spans)
    for i, y in enumerate(g.flags):
        if y >= 0:
            windows.append(WindowCase(reading.flag_probs[i], q.kind, rules.get(i), y))


def points_of_statements(
    model: JudgeModel, g: StatementGroup, t: Thresholds, points: list[PointCase]
) -> None:
    q = question(g.question.key, g.question.bank_file)
    by_id = {p.id: p for p in q.points}
    reading = model.read_windows(q.text, g.texts)
    pairs = [(by_id[about].label, text) for text, about in zip(g.texts, g.about, strict=True)]
    probs = model.cover(pairs)
    sims = (model.embed_labels([label for label, _ in pairs]) * reading.embeddings).sum(axis=1)
    for k, (text, about, made) in enumerate(zip(g.texts, g.about, g.points, strict=True)):
        sub = Question(q.id, q.text, q.kind, (by_id[about],))
        hint = rule_hints(sub, text, [(0, len(text))])[0]
        p = float(probs[k])
        read = ((float(sims[k]), p, hint is not None),)
        p_hint = p if hint is not None else None
        points.append(PointCase(hint is not None, p, p_hint, made is not None, 1.0, read))


def windows_of_flags(model: JudgeModel, g: FlagGroup, windows: list[WindowCase]) -> None:
    for qtext, kind, text, y in zip(g.questions, g.kinds, g.texts, g.flags, strict=True):
        reading = model.read_windows(qtext, [text])
        rules = rule_flags(qtext, kind, text, [(0, len(text))])
        windows.append(WindowCase(reading.flag_probs[0], kind, rules.get(0), y))


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
        "tp": tp,
        "fp": fp,
        "fn": fn,
    }


def _weighted_f1(cases: list[PointCase], t: Thresholds) -> float:
    tp = fp = fn = 0.0
    for c in cases:
        made, _ = point_made(c, c.has_hint, t)  # type: ignore[arg-type]
        tp += c.weight * (made and c.truth)
        fp += c.weight * (made and not c.truth)
        fn += c.weight * ((not made) and c.truth)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _fbeta(tp: int, fp: int, fn: int, beta: float = FLAG_BETA) -> float:
    b2 = beta * beta
    return (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp) if tp else 0.0


def point_figures(cases: list[PointCase], t: Thresholds, rules: bool = True) -> dict[str, float]:
    tp = fp = fn = 0
    for c in (c.gated(t.min_similarity) for c in cases):
        made, _ = point_made(c, c.has_hint and rules, t)  # type: ignore[arg-type]
        tp += made and c.truth
        fp += made and not c.truth
        fn += (not made) and c.truth
    return _prf(tp, fp, fn)


def flag_calls(c: WindowCase, t: Thresholds, rules: bool = True) -> int:
    if rules and c.rule is not None and rule_flag_stands(c.probs, c.rule, t):
        return CATEGORIES.index(c.rule)
    return window_flag(c.probs, c.kind, t)


def flag_figures(cases: list[WindowCase], t: Thresholds, rules: bool = True) -> dict[str, object]:
    per = {}
    tot = [0, 0, 0]
    for ci, cat in enumerate(CATEGORIES[1:], 1):
        tp = fp = fn = 0
        for c in cases:
            got = flag_calls(c, t, rules)
            tp += got == ci and c.truth == ci
            fp += got == ci and c.truth != ci
            fn += got != ci and c.truth == ci
        per[cat] = _prf(tp, fp, fn)
        tot = [tot[0] + tp, tot[1] + fp, tot[2] + fn]
    return {"all": _prf(*tot), "by_category": per}


# Similarity gates tried (decide.read_points ``min_similarity``; None: no gate).
GATES: tuple[float | None, ...] = (None, *(round(0.025 * i, 3) for i in range(21)))


def choose_points(points: list[PointCase], start: Thresholds | None = None) -> Thresholds:
    """``start`` (default thresholds) with the ``min_similarity``, ``cover`` and ``overrule``
    that give the best weighted key-point F1 on ``points`` (``points`` read with no gate)."""
    base, best = start or Thresholds(), -1.0
    chosen = base
    for gate in GATES:
        gated = [c.gated(gate) for c in points]
        for cover in np.arange(0.05, 0.951, 0.025):
            for overrule in (0.0, 0.02, 0.05, 0.1, 0.2, 0.3):
                t = replace(
                    base, min_similarity=gate, cover=round(float(cover), 3), overrule=overrule
                )
                f = _weighted_f1(gated, t)
                if f > best:
                    best, chosen = f, t
    return chosen


def choose(points: list[PointCase], windows: list[WindowCase]) -> Thresholds:
    t = choose_points(points)
    flag = list(t.flag)
    for ci in range(1, len(CATEGORIES)):
        best_f, best_th = -1.0, 0.5
        for th in np.arange(0.1, 0.951, 0.025):
            tp = fp = fn = 0
            trial = replace(t, flag=tuple(flag[:ci] + [float(th)] + flag[ci + 1 :]))
            for c in windows:
                got = window_flag(c.probs, c.kind, trial)
                tp += got == ci and c.truth == ci
                fp += got == ci and c.truth != ci
                fn += got != ci and c.truth == ci
            f = _fbeta(tp, fp, fn)
            if f > best_f + 1e-9:
                best_f, best_th = f, round(float(th), 3)
        flag[ci] = best_th
    t = replace(t, flag=tuple(flag))
    best_f, best_o = -1.0, 0.05
    for o in (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3):
        a = flag_figures(windows, replace(t, flag_overrule=o))["all"]
        f = _fbeta(a["tp"], a["fp"], a["fn"])  # type: ignore[index]
        if f > best_f:
            best_f, best_o = f, o
    return replace(t, flag_overrule=best_o)


def config_of(t: Thresholds) -> dict[str, object]:
    return {
        "cover": t.cover,
        "overrule": t.overrule,
        "candidates": t.candidates,
        "min_similarity": t.min_similarity,
        "flag": {c: t.flag[i] for i, c in enumerate(CATEGORIES) if i},
        "flag_overrule": t.flag_overrule,
    }


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def calibrate(folder: Path, dev: Split) -> dict[str, object]:
    (folder / "judge.json").write_text(json.dumps({"thresholds": config_of(Thresholds())}))
    model = JudgeModel(folder)
    points, windows = collect(model, dev, Thresholds())
    t = choose(points, windows)
    figures = {
        "points_judge_and_rules": point_figures(points, t),
        "points_judge_only": point_figures(points, t, rules=False),
        "flags_judge_and_rules": flag_figures(windows, t),
        "flags_judge_only": flag_figures(windows, t, rules=False),
        "dev_points": len(points),
        "dev_windows": len(windows),
    }
    files = {f: sha256(folder / f) for f in ("model.bin", "heads.npz")}
    cfg = {
        "version": 1,
        "base": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0)",
        "thresholds": config_of(t),
        "sha256": files,
        "dev_figures": figures,
    }
    (folder / "judge.json").write_text(json.dumps(cfg, indent=2) + "\n")
    return {"thresholds": config_of(t), "dev_figures": figures, "sha256": files}


def _check_windows_match(g: AnswerGroup) -> None:  # the split is the product's split
    assert [(w.start, w.end) for w in split_windows(g.text)] == g.spans
