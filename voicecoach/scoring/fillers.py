"""Filler-word detection: um/uh and friends, context-dependent fillers ("like", "you know",
"kind of"), and repeated-word restarts. Rules live in ``data/fillers.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from voicecoach.scoring.textnorm import NormText
from voicecoach.storage import package_text


@dataclass(frozen=True)
class FillerHit:
    text: str  # canonical lowercase form: "um", "uh", "like", "you know", "(restart)"
    i: int  # first token
    j: int  # one past the last token
    said: str = ""  # the words as said, for restarts


@dataclass(frozen=True)
class ContextRule:
    name: str
    words: tuple[str, ...]
    default: bool
    before_number: bool
    never_after: frozenset[str]
    not_after: frozenset[str]
    not_before: frozenset[str]
    before: frozenset[str]
    after: frozenset[str]
    after_suffixes: tuple[str, ...]
    before_phrases: tuple[tuple[str, ...], ...]
    punct_before: bool


@dataclass(frozen=True)
class FillerRules:
    always: dict[str, str]  # spelling -> canonical
    context: dict[str, list[ContextRule]]  # first word -> rules
    restarts: bool
    restart_allowed: frozenset[str]


@cache
def filler_rules() -> FillerRules:
    d = tomllib.loads(package_text("fillers.toml"))
    always = {sp: canon for canon, spellings in d["always"].items() for sp in spellings}
    ctx: dict[str, list[ContextRule]] = {}
    for c in d["context"].values():
        words = tuple(c["words"].split())
        rule = ContextRule(
            name=" ".join(words),
            words=words,
            default=bool(c.get("default", True)),
            before_number=bool(c.get("before_number", False)),
            never_after=frozenset(c.get("never_after", [])),
            not_after=frozenset(c.get("not_after", [])),
            not_before=frozenset(c.get("not_before", [])),
            before=frozenset(c.get("before", [])),
            after=frozenset(c.get("after", [])),
            after_suffixes=tuple(c.get("after_suffixes", [])),
            before_phrases=tuple(tuple(ph.split()) for ph in c.get("before_phrases", [])),
            punct_before=bool(c.get("punct_before", True)),
        )
        ctx.setdefault(words[0], []).append(rule)
    r = d.get("restarts", {})
    return FillerRules(
        always=always,
        context=ctx,
        restarts=bool(r.get("enabled", True)),
        restart_allowed=frozenset(r.get("allowed", [])),
    )


def _is_filler(nt: NormText, rule: ContextRule, i: int, j: int, fr: FillerRules) -> bool:
    """Decide one occurrence; the order is documented in data/fillers.toml."""
    toks = nt.tokens
    prev = toks[i - 1].norm if i > 0 else ""
    nxt = toks[j].norm if j < len(toks) else ""
    punct_before = i == 0 or bool(toks[i].before)
    punct_after = j >= len(toks) or bool(toks[j].before)
    if not punct_before and prev in rule.never_after:
        return False
    if punct_after:
        return True
    if (rule.before_number and nxt[:1].isdigit()) or _phrase_follows(nt, j, rule):
        return True
    if not punct_before:
        if prev in rule.not_after:
            return False
        if (
            prev in rule.after
            or prev in fr.always
            or (rule.after_suffixes and len(prev) >= 4 and prev.endswith(rule.after_suffixes))
        ):
            return True
    if nxt in rule.not_before:
        return False
    if nxt in rule.before or nxt in fr.always:
        return True
    if punct_before:
        return rule.punct_before
    return rule.default


def _phrase_follows(nt: NormText, j: int, rule: ContextRule) -> bool:
    toks = nt.tokens
    for ph in rule.before_phrases:
        if j + len(ph) <= len(toks) and all(
            toks[j + k].norm == w and (k == 0 or not toks[j + k].before) for k, w in enumerate(ph)
        ):
            return True
    return False


def find_fillers(nt: NormText) -> list[FillerHit]:
    fr = filler_rules()
    toks = nt.tokens
    n = len(toks)
    hits: list[FillerHit] = []
    i = 0
    while i < n:
        norm = toks[i].norm
        canon = fr.always.get(norm)
        if canon is not None:
            hits.append(FillerHit(canon, i, i + 1))
            i += 1
            continue
        matched = False
        for rule in fr.context.get(norm, ()):
            j = i + len(rule.words)
            if j > n:
                continue
            if any(
                toks[i + k].norm != w or (k and toks[i + k].before)
                for k, w in enumerate(rule.words)
            ):
                continue
            if _is_filler(nt, rule, i, j, fr):
                hits.append(FillerHit(rule.name, i, j))
                i = j
                matched = True
                break
        if matched:
            continue
        if fr.restarts:
            size, end = _restart_at(nt, i, fr)
            if size:
                hits.append(FillerHit("(restart)", i, i + size, said=nt.source(i, end)))
                i += size
                continue
        i += 1
    return hits


def _restart_at(nt: NormText, i: int, fr: FillerRules) -> tuple[int, int]:
    """(length, end) of a word group said again right after token ``i`` ("the the", "I think
    I think", "I'd also, I'd also"), possibly with um/uh between ("I, uh, I"); (0, 0) if
    none. ``end`` is one past the repeat."""
    toks = nt.tokens
    n = len(toks)
    for size in (3, 2, 1):
        if i + 2 * size > n:
            continue
        if any(toks[k].before for k in range(i + 1, i + size)):
            continue  # the first group is not one run of words
        m = i + size
        while m < n and toks[m].norm in fr.always and not _hard_break(toks[m].before):
            m += 1  # "I, uh, I": the "uh" is counted on its own
        if m + size > n or _hard_break(toks[m].before):
            continue
        if [t.norm for t in toks[i : i + size]] != [t.norm for t in toks[m : m + size]]:
            continue
        if any(toks[k].before for k in range(m + 1, m + size)):
            continue
        if size == 1 and (toks[i].norm in fr.restart_allowed or toks[i].norm[:1].isdigit()):
            continue
        if toks[i].start == toks[m].start:
            continue  # one source word expanded into two equal tokens
        return size, m + size
    return 0, 0


def _hard_break(before: str) -> bool:
    # "the, the model" is still a restart; a full stop between the two is not.
    return any(ch in ".!?;:" for ch in before)
