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

from voicecoach.scoring.textnorm import NormText, is_sentence_break, tokenize
from voicecoach.storage import package_text


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
    d = tomllib.loads(package_text("negation.toml"))
    return {
        "cues": frozenset(d["cues"]),
        "not_negation_after": frozenset(d["not_negation_after"]),
        "knowledge": frozenset(d["knowledge_verbs"]),
        "scope_breakers": frozenset(d["scope_breakers"]),
        "window": int(d.get("window", 3)),
        "coverage_knowledge": frozenset(d["knowledge_verbs"])
        | frozenset(d.get("coverage_knowledge_verbs", ())),
        "after_window": int(d.get("after_window", 0)),
        "back_references": frozenset(d.get("back_references", ())),
        "vague_before": tuple(tuple(v.split()) for v in d.get("vague_before", ())),
        "other_subjects": frozenset(d.get("other_subjects", ())),
    }


def _speaker_cue(nt: NormText, k: int) -> bool:
    """Is the negation cue at token ``k`` about the speaker ("I don't know"), not about a
    model or another person ("it can't know", "he never understood")?"""
    others = negation_rules()["other_subjects"]
    return not any(nt.tokens[m].norm in others for m in range(max(0, k - 2), k))


@lru_cache(maxsize=8192)
def compile_phrase(raw: str) -> Phrase:
    toks = tokenize(raw, variants=False)
    cues = negation_rules()["cues"]
    return Phrase(
        raw=raw,
        stems=tuple(t.stem for t in toks),
        norms=tuple(t.norm for t in toks),
        has_negation=any(t.norm in cues for t in toks),
    )


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
        if (
            pos + 1 < n
            and not nt.tokens[pos + 1].before
            and stems[pos] != want
            and _close_concat(nt, pos, want)
        ):
            k += 1
            pos += 2
            continue
        # Compound joined: phrase "k" "fold" == answer "kfold".
        if (
            k + 1 < len(p.stems)
            and stems[pos] != want
            and nt.tokens[pos].norm == p.norms[k] + p.norms[k + 1]
        ):
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
    from voicecoach.scoring.textnorm import stem

    joined = nt.tokens[pos].norm + nt.tokens[pos + 1].norm
    return stem(joined) == want


def default_gap(p: Phrase) -> int:
    """Words allowed between two words of a phrase: 1, or 2 in phrases of 3+ words
    ("once at the end" matches "once at the very end")."""
    return 2 if len(p.stems) >= 3 else 1


def find(
    nt: NormText, p: Phrase, max_gap: int | None = None, index: AnswerIndex | None = None
) -> list[Match]:
    """All non-overlapping matches of ``p`` in ``nt``."""
    if not p.stems:
        return []
    if max_gap is None:
        max_gap = default_gap(p)
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


def negated(nt: NormText, i: int, coverage: bool = False) -> bool:
    """Is the token span starting at ``i`` under a negation ("I don't remember what X is")?

    A negation cue up to ``window`` tokens before the span, in the same clause, negates it.
    A cue followed by a knowledge verb ("not sure", "never heard", "don't know") negates the
    whole rest of its clause. "not only", "no matter" are not negations. ``coverage`` adds
    the knowledge verbs that only key-point matching uses ("couldn't tell you").
    """
    r = negation_rules()
    knowledge = r["coverage_knowledge"] if coverage else r["knowledge"]
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
            if following & knowledge and (not coverage or _speaker_cue(nt, k)):
                return True
    return False


def negated_inside(nt: NormText, m: Match) -> bool:
    """Did a negation cue fall in a gap inside the match ("I never disagree" for the phrase
    "i disagreed", "I did not build" for "i built")?"""
    cues = negation_rules()["cues"]
    return any(
        nt.tokens[k].norm in cues and nt.tokens[k].norm not in m.phrase.norms
        for k in range(m.i + 1, m.j - 1)
    )


def negated_after(nt: NormText, j: int) -> bool:
    """Is the mention ending before token ``j`` disowned later in its sentence?

    "there's a sigmoid somewhere but I don't remember what it does": a negation cue within
    ``after_window`` words, then a knowledge verb, then a word pointing back ("it", "that").
    """
    r = negation_rules()
    toks = nt.tokens
    n = len(toks)
    end = min(n, j + r["after_window"])
    for k in range(j, end):
        if is_sentence_break(toks[k].before):
            return False
        if toks[k].norm not in r["cues"]:
            continue
        if k + 1 < n and toks[k + 1].norm in r["not_negation_after"] or not _speaker_cue(nt, k):
            continue
        for v in range(k + 1, min(k + 4, n)):
            if toks[v].before:
                break
            if toks[v].norm in r["coverage_knowledge"]:
                for b in range(v + 1, min(v + 4, n)):
                    if toks[b].before:
                        break
                    if toks[b].norm in r["back_references"]:
                        return True
                break
    return False


def vague(nt: NormText, i: int) -> bool:
    """Does a vagueness marker ("something like", "some kind of") directly precede token i?"""
    toks = nt.tokens
    if toks[i].norm[:1].isdigit():
        return False
    for cue in negation_rules()["vague_before"]:
        a = i - len(cue)
        if (
            a >= 0
            and tuple(t.norm for t in toks[a:i]) == cue
            and not any(t.before for t in toks[a + 1 : i + 1])
        ):
            return True
    return False
