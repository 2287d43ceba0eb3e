"""Phrase matching over normalised tokens: inflections, hyphens, numbers, split compounds,
small speech-recogniser misspellings, and negation scope.

A phrase such as "k-fold cross validation" becomes a sequence of stems; it matches an
answer where those stems occur in order, with at most ``max_gap`` other tokens between two
of them and no sentence break inside. Long words may differ slightly (ASR slips).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache

from .textnorm import NormText, _data_text, is_sentence_break, tokenize


@dataclass(frozen=True)
class Phrase:
    raw: str
    stems: tuple[str, ...]
    norms: tuple[str, ...]
    has_negation: bool


@dataclass(frozen=True)
class Match:
    phrase: Phrase
    i: int  # first token
    j: int  # one past the last token


@cache
def negation_rules() -> dict:
    d = tomllib.loads(_data_text("negation.toml"))
    return {
        "cues": frozenset(d["cues"]),
        "not_negation_after": frozenset(d["not_negation_after"]),
        "knowledge": frozenset(d["knowledge_verbs"]),
        "scope_breakers": frozenset(d["scope_breakers"]),
        "window": int(d.get("window", 3)),
    }


@lru_cache(maxsize=8192)
def compile_phrase(raw: str) -> Phrase:
    toks = tokenize(raw, variants=False)
    cues = negation_rules()["cues"]
    return Phrase(raw=raw, stems=tuple(t.stem for t in toks), norms=tuple(t.norm for t in toks),
                  has_negation=any(t.norm in cues for t in toks))


@lru_cache(maxsize=65536)
def _close(a: str, b: str) -> bool:
    """Tolerate one edit in words of 6+ letters (two in 10+): ASR and spelling slips."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if min(la, lb) < 6 or not a.isalpha() or not b.isalpha():
        return False
    if a[:2] != b[:2]:
        return False
    limit = 2 if min(la, lb) >= 10 else 1
    from rapidfuzz.distance import Levenshtein  # imported on first use: keeps start-up fast

    return Levenshtein.distance(a, b, score_cutoff=limit) <= limit


def _match_at(nt: NormText, p: Phrase, i: int, max_gap: int) -> int | None:
    """If phrase ``p`` starts at token ``i``, return the end index, else None."""
    stems = nt.stems
    n = len(stems)
    k = 0  # index into phrase
    pos = i
    while k < len(p.stems):
        if pos >= n:
            return None
        want = p.stems[k]
        # Compound split by the recogniser: "over" + "fitting" == "overfitting".
        if (pos + 1 < n and not nt.tokens[pos + 1].before
                and stems[pos] != want and _close_concat(nt, pos, want)):
            k += 1
            pos += 2
            continue
        # Compound joined: phrase "k" "fold" == answer "kfold".
        if (k + 1 < len(p.stems) and stems[pos] != want
                and nt.tokens[pos].norm == p.norms[k] + p.norms[k + 1]):
            k += 2
            pos += 1
            continue
        if _close(stems[pos], want):
            k += 1
            pos += 1
            continue
        if k == 0:
            return None
        # allow a short gap of other tokens inside a multi-word phrase
        gap = 0
        while pos < n and gap < max_gap and not _close(stems[pos], want):
            if is_sentence_break(nt.tokens[pos].before):
                return None
            pos += 1
            gap += 1
        if pos >= n or not _close(stems[pos], want) or is_sentence_break(nt.tokens[pos].before):
            return None
    return pos


def _close_concat(nt: NormText, pos: int, want: str) -> bool:
    from .textnorm import stem

    joined = nt.tokens[pos].norm + nt.tokens[pos + 1].norm
    return stem(joined) == want


def find(nt: NormText, p: Phrase, max_gap: int = 1, index: AnswerIndex | None = None
         ) -> list[Match]:
    """All non-overlapping matches of ``p`` in ``nt``."""
    if not p.stems:
        return []
    index = index or AnswerIndex(nt)
    out: list[Match] = []
    last_end = -1
    for i in index.starts_for(p):
        if i < last_end:
            continue
        end = _match_at(nt, p, i, max_gap)
        if end is not None:
            out.append(Match(p, i, end))
            last_end = end
    return out


class AnswerIndex:
    """Where each stem and word occurs in an answer, so phrase search only visits
    plausible start positions (keeps 100k-word inputs fast)."""

    def __init__(self, nt: NormText) -> None:
        self.by_stem: dict[str, list[int]] = {}
        by_norm: dict[str, list[int]] = {}
        for i, t in enumerate(nt.tokens):
            self.by_stem.setdefault(t.stem, []).append(i)
            by_norm.setdefault(t.norm, []).append(i)
        # Long stems by their first two letters: candidates for a one-letter slip.
        self.long_stems: dict[str, list[tuple[str, list[int]]]] = {}
        for s, where in self.by_stem.items():
            if len(s) >= 6:
                self.long_stems.setdefault(s[:2], []).append((s, where))
        self.norms: dict[str, list[tuple[str, list[int]]]] = {}
        for n, where in by_norm.items():
            if len(n) >= 2:
                self.norms.setdefault(n[:2], []).append((n, where))

    def starts_for(self, p: Phrase) -> list[int]:
        first, first_norm = p.stems[0], p.norms[0]
        joined = first_norm + p.norms[1] if len(p.norms) > 1 else None
        pos: list[int] = list(self.by_stem.get(first, ()))
        if len(first) >= 6:
            for s, where in self.long_stems.get(first[:2], ()):
                if s != first and _close(s, first):
                    pos.extend(where)
        for n, where in self.norms.get(first_norm[:2], ()):
            if n == joined or (n != first_norm and first_norm.startswith(n)):
                pos.extend(where)
        return sorted(set(pos))


def negated(nt: NormText, i: int) -> bool:
    """Is the token span starting at ``i`` under a negation ("I don't remember what X is")?

    A negation cue up to ``window`` tokens before the span, in the same clause, negates it.
    A cue followed by a knowledge verb ("not sure", "never heard", "don't know") negates the
    whole rest of its clause. "not only", "no matter" are not negations.
    """
    r = negation_rules()
    start = nt.clause_start(i)
    toks = nt.tokens
    for k in range(i - 1, start - 1, -1):
        norm = toks[k].norm
        if norm in r["scope_breakers"]:
            return False
        if norm in r["cues"]:
            nxt = toks[k + 1].norm if k + 1 < len(toks) else ""
            if nxt in r["not_negation_after"]:
                continue
            if i - k <= r["window"]:
                return True
            # knowledge negation: "I don't really know what stratified sampling is"
            following = {toks[m].norm for m in range(k + 1, min(k + 4, i))}
            if following & r["knowledge"]:
                return True
    return False
