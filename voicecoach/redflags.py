"""Red-flag statements: what a candidate should not say. Patterns live in
``data/red_flags.toml``; this module compiles and applies them."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache

from .banks import RED_FLAG_CATEGORIES
from .match import negated
from .textnorm import NormText, _data_text, is_sentence_break

CATEGORIES = RED_FLAG_CATEGORIES


@dataclass(frozen=True)
class Category:
    name: str
    why: str
    instead: str
    negatable: bool
    kinds: frozenset[str]
    patterns: tuple[re.Pattern[str], ...]
    cancel_if: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class FlagHit:
    category: str
    i: int
    j: int
    why: str
    instead: str


def _expand(pattern: str, macros: dict[str, str]) -> str:
    for name, val in macros.items():
        pattern = pattern.replace("{" + name + "}", val)
    return pattern


@cache
def categories() -> tuple[Category, ...]:
    d = tomllib.loads(_data_text("red_flags.toml"))
    return compile_categories(d)


def compile_categories(d: dict) -> tuple[Category, ...]:
    macros = d.get("macros", {})
    out = []
    for name, c in d["categories"].items():
        if name not in CATEGORIES:
            raise ValueError(f"red_flags.toml: unknown category '{name}'")
        out.append(Category(
            name=name, why=c["why"], instead=c["instead"],
            negatable=bool(c.get("negatable", True)),
            kinds=frozenset(c.get("kinds", [])),
            patterns=tuple(re.compile(_expand(p, macros)) for p in c["patterns"]),
            cancel_if=tuple(re.compile(_expand(p, macros)) for p in c.get("cancel_if", [])),
        ))
    return tuple(out)


def find_red_flags(nt: NormText, kind: str | None = None) -> list[FlagHit]:
    """All red-flag hits in an answer to a question of ``kind`` (None: any kind)."""
    hits: list[FlagHit] = []
    text = nt.norm
    for cat in categories():
        if cat.kinds and kind is not None and kind not in cat.kinds:
            continue
        if any(p.search(text) for p in cat.cancel_if):
            continue
        taken: list[tuple[int, int]] = []
        for pat in cat.patterns:
            for m in pat.finditer(text):
                i, j = nt.token_range(m.start(), m.end())
                if any(i < b and a < j for a, b in taken):
                    continue
                if cat.negatable and negated(nt, i):
                    continue
                taken.append((i, j))
                hits.append(FlagHit(cat.name, i, j, cat.why, cat.instead))
    hits.sort(key=lambda h: h.i)
    return _merge_same_sentence(nt, hits)


def _merge_same_sentence(nt: NormText, hits: list[FlagHit]) -> list[FlagHit]:
    """One statement, one hit: join hits of a category that fall in the same sentence
    ("I guarantee 100% accuracy" is one false promise, not two)."""
    out: list[FlagHit] = []
    for h in hits:
        prev = next((o for o in reversed(out) if o.category == h.category), None)
        if prev is not None and not any(
            is_sentence_break(nt.tokens[k].before) for k in range(prev.j, h.i + 1)
            if k < len(nt.tokens)
        ) and h.i >= prev.i:
            out[out.index(prev)] = FlagHit(prev.category, prev.i, max(prev.j, h.j), prev.why,
                                           prev.instead)
            continue
        out.append(h)
    return out
