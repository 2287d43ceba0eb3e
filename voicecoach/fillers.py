"""Filler-word detection: um/uh and friends, context-dependent fillers ("like", "you know",
"kind of"), and repeated-word restarts. Rules live in ``data/fillers.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache

from .textnorm import NormText, _data_text


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
    not_after: frozenset[str]
    not_before: frozenset[str]
    before: frozenset[str]
    after: frozenset[str]


@dataclass(frozen=True)
class FillerRules:
    always: dict[str, str]  # spelling -> canonical
    context: dict[str, list[ContextRule]]  # first word -> rules
    restarts: bool
    restart_allowed: frozenset[str]


@cache
def filler_rules() -> FillerRules:
    d = tomllib.loads(_data_text("fillers.toml"))
    always = {sp: canon for canon, spellings in d["always"].items() for sp in spellings}
    ctx: dict[str, list[ContextRule]] = {}
    for name, c in d["context"].items():
        words = tuple(c["words"].split())
        rule = ContextRule(
            name=" ".join(words), words=words, default=bool(c.get("default", True)),
            before_number=bool(c.get("before_number", False)),
            not_after=frozenset(c.get("not_after", [])),
            not_before=frozenset(c.get("not_before", [])),
            before=frozenset(c.get("before", [])), after=frozenset(c.get("after", [])),
        )
        ctx.setdefault(words[0], []).append(rule)
        del name
    r = d.get("restarts", {})
    return FillerRules(always=always, context=ctx, restarts=bool(r.get("enabled", True)),
                       restart_allowed=frozenset(r.get("allowed", [])))


def _is_filler(nt: NormText, rule: ContextRule, i: int, j: int, fr: FillerRules) -> bool:
    toks = nt.tokens
    prev = toks[i - 1].norm if i > 0 else ""
    nxt = toks[j].norm if j < len(toks) else ""
    punct_before = i == 0 or bool(toks[i].before)
    punct_after = j >= len(toks) or bool(toks[j].before)
    if not punct_before and prev in rule.not_after:
        return False
    if not punct_after and nxt in rule.not_before:
        return False
    if punct_before or punct_after:
        return True
    if nxt in rule.before or nxt in fr.always or (rule.before_number and nxt[:1].isdigit()):
        return True
    if prev in rule.after or prev in fr.always:
        return True
    return rule.default


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
            if any(toks[i + k].norm != w or (k and toks[i + k].before)
                   for k, w in enumerate(rule.words)):
                continue
            if _is_filler(nt, rule, i, j, fr):
                hits.append(FillerHit(rule.name, i, j))
                i = j
                matched = True
                break
        if matched:
            continue
        if fr.restarts:
            size = _restart_at(nt, i, fr)
            if size:
                hits.append(FillerHit("(restart)", i, i + size,
                                      said=nt.source(i, i + 2 * size)))
                i += size
                continue
        i += 1
    return hits


def _restart_at(nt: NormText, i: int, fr: FillerRules) -> int:
    """Length of a word group repeated right after token ``i`` ("the the", "I think I think")."""
    toks = nt.tokens
    n = len(toks)
    for size in (2, 1):
        if i + 2 * size > n:
            continue
        a = [t.norm for t in toks[i : i + size]]
        b = [t.norm for t in toks[i + size : i + 2 * size]]
        if a != b:
            continue
        if any(toks[k].before for k in range(i + 1, i + 2 * size)
               if k != i + size) or _hard_break(toks[i + size].before):
            continue
        if size == 1 and (a[0] in fr.restart_allowed or a[0][:1].isdigit()):
            continue
        if toks[i].start == toks[i + size].start:
            continue  # one source word expanded into two equal tokens
        return size
    return 0


def _hard_break(before: str) -> bool:
    # "the, the model" is still a restart; a full stop between the two is not.
    return any(ch in ".!?;:" for ch in before)
