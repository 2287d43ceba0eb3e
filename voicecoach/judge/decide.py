"""How the judge and the rules decide together, given the judge's readings of an answer.

Key points. A phrase hit (the rules) keeps its exact evidence unless the judge reads its
window as clearly not making the point (probability below ``overrule``: a negated, reported or
echoed mention). Otherwise the judge reads, closely, the ``candidates`` windows whose
embeddings are nearest the point's label and at least ``min_similarity`` near it (plus any
window with a phrase hit) and credits the point when one of them reaches ``cover``. The
similarity gate is the cheap first reading: a window whose embedding is far from the label is
not read closely at all, which saves most of the close readings and drops credit the close
reading would give to related talk that does not make the point.

Red flags. A rule hit stands unless the judge gives its category less than ``flag_overrule``
in that window. The judge adds a flag where a window's most likely category reaches that
category's threshold; ``no_questions`` is only ever raised on closing questions.

The thresholds come from the model's ``judge.json``, calibrated on the dev split of the
training data (``training/train.py``), never on an evaluation set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from voicecoach.judge.labels import CATEGORIES
from voicecoach.judge.model import JudgeModel, Reading


@dataclass(frozen=True)
class Thresholds:
    cover: float = 0.5
    overrule: float = 0.1
    candidates: int = 3
    min_similarity: float | None = None  # None: every candidate is read closely
    flag: tuple[float, ...] = (1.0,) + (0.5,) * (len(CATEGORIES) - 1)
    flag_overrule: float = 0.05

    @classmethod
    def from_config(cls, d: dict[str, Any]) -> Thresholds:
        flag = d.get("flag", {})
        return cls(
            cover=float(d.get("cover", 0.5)),
            overrule=float(d.get("overrule", 0.1)),
            candidates=int(d.get("candidates", 3)),
            min_similarity=None if d.get("min_similarity") is None else float(d["min_similarity"]),
            flag=(1.0,) + tuple(float(flag.get(c, 0.5)) for c in CATEGORIES[1:]),
            flag_overrule=float(d.get("flag_overrule", 0.05)),
        )


@dataclass(frozen=True)
class PointReading:
    best: int | None  # the window most likely to make the point
    p_best: float
    p_hint: float | None  # the probability of the phrase-hit window, when there is one
    # every window read closely: (similarity to the label, probability, is the hint window)
    read: tuple[tuple[float, float, bool], ...] = ()


def read_points(
    model: JudgeModel,
    labels: list[str],
    windows: list[str],
    reading: Reading,
    hints: list[int | None],
    candidates: int,
    settle: float | None = None,
    min_similarity: float | None = None,
) -> list[PointReading]:
    """For each label: its nearest windows (and its phrase-hit window) read closely.

    ``min_similarity``: of the nearest windows, only those at least this similar to the label
    are read (the phrase-hit window always is); None reads them all.

    ``settle``: a point whose phrase-hit window reads at least this (the ``overrule``
    threshold) is decided by its phrase whatever its other windows read, so those are read
    only for the points it does not settle; its ``best`` is then the hint window. None
    (calibration): every point's candidates are read."""
    if not windows or not labels:
        return [PointReading(None, 0.0, None) for _ in labels]
    settled: dict[int, float] = {}
    if settle is not None:
        hinted = [(i, h) for i, h in enumerate(hints) if h is not None]
        first = model.cover([(labels[i], windows[h]) for i, h in hinted])
        settled = {i: float(p) for (i, _), p in zip(hinted, first, strict=True) if p >= settle}
    open_ = [i for i in range(len(labels)) if i not in settled]
    sims = model.embed_labels([labels[i] for i in open_]) @ reading.embeddings.T if open_ else None
    picks: dict[int, list[int]] = {}
    sim_of: dict[int, np.ndarray] = {}  # each open point's similarity to every window
    for row, i in enumerate(open_):
        assert sims is not None
        sim_of[i] = sims[row]
        near = [int(j) for j in np.argsort(-sims[row])[:candidates]]
        if min_similarity is not None:
            near = [j for j in near if sims[row, j] >= min_similarity]
        hint = hints[i]
        if hint is not None and hint not in near:
            near.append(hint)
        picks[i] = near
    pairs = [(labels[i], windows[j]) for i, js in picks.items() for j in js]
    probs = model.cover(pairs)
    out, k = [], 0
    for i in range(len(labels)):
        if i in settled:
            out.append(PointReading(hints[i], settled[i], settled[i]))
            continue
        js = picks[i]
        if not js:
            out.append(PointReading(None, 0.0, None))
            continue
        ps = probs[k : k + len(js)]
        k += len(js)
        b = int(np.argmax(ps))
        hint = hints[i]
        p_hint = float(ps[js.index(hint)]) if hint is not None else None
        sim = sim_of[i]
        read = tuple((float(sim[j]), float(p), j == hint) for j, p in zip(js, ps, strict=True))
        out.append(PointReading(js[b], float(ps[b]), p_hint, read))
    return out


def point_made(r: PointReading, has_hint: bool, t: Thresholds) -> tuple[bool, str]:
    """(made?, "phrase" | "judge"): the method says which evidence stands."""
    if has_hint and (r.p_hint is None or r.p_hint >= t.overrule):
        return True, "phrase"
    return r.p_best >= t.cover, "judge"


def window_flag(probs: np.ndarray, kind: str, t: Thresholds) -> int:
    """The red-flag category the judge raises in one window (0: none)."""
    p = probs.copy()
    if kind != "closing":
        p[CATEGORIES.index("no_questions")] = 0.0
    c = int(np.argmax(p[1:])) + 1
    return c if p[c] >= t.flag[c] else 0


def rule_flag_stands(probs: np.ndarray, category: str, t: Thresholds) -> bool:
    return bool(probs[CATEGORIES.index(category)] >= t.flag_overrule)
