"""Red-flag statements: what a candidate should not say. Patterns live in
``data/red_flags.toml``; this module compiles and applies them.

Matching works statement by statement: each category's patterns are joined into one regular
expression and searched sentence by sentence (a match never spans a full stop, so a loose
pattern cannot join two unrelated statements). Hits of one category in one sentence are one
statement; categories marked ``once`` flag an answer at most once."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache

from voicecoach.banks import RED_FLAG_CATEGORIES
from voicecoach.scoring.match import negated
from voicecoach.scoring.patterns import compile_cached
from voicecoach.scoring.textnorm import NormText, is_sentence_break
from voicecoach.storage import package_text

CATEGORIES = RED_FLAG_CATEGORIES

# A sentence made only of these ("Hmm.", "Uh, yeah.") is joined to the next one.
_INTERJECTIONS = frozenset(
    [
        "um",
        "umm",
        "uh",
        "uhh",
        "er",
        "erm",
        "hmm",
        "hm",
        "mm",
        "oh",
        "ah",
        "so",
        "well",
        "yeah",
        "yes",
        "yep",
        "okay",
        "ok",
        "right",
        "sure",
    ]
)


@dataclass(frozen=True)
class Category:
    name: str
    why: str
    instead: str
    negatable: bool
    once: bool
    kinds: frozenset[str]
    pattern: re.Pattern[str] | None  # all patterns of the category, joined
    cancel_if: re.Pattern[str] | None
    # Patterns that only apply when the question text matches ``asked`` (e.g. a bare "No."
    # declines to ask only when the question was "Do you have any questions?").
    asked: re.Pattern[str] | None
    asked_pattern: re.Pattern[str] | None


@dataclass(frozen=True)
class FlagHit:
    category: str
    i: int
    j: int
    why: str
    instead: str


def _expand(pattern: str, macros: dict[str, str]) -> str:
    # Macros may use other macros defined before them.
    for name, val in macros.items():
        pattern = pattern.replace("{" + name + "}", val)
    return pattern


def _join(patterns: list[str], macros: dict[str, str], where: str) -> re.Pattern[str] | None:
    if not patterns:
        return None
    parts = [f"(?:{_expand(p, macros)})" for p in patterns]
    try:
        # Every pattern starts at a word start; testing that once up front, instead of in each
        # alternative, keeps the joined pattern fast as the pattern lists grow.
        return compile_cached("(?<!\\w)(?:" + "|".join(parts) + ")")
    except re.error:
        for p, full in zip(patterns, parts, strict=True):  # name the broken one
            try:
                re.compile(full)
            except re.error as e:
                raise ValueError(f"red_flags.toml: bad pattern in {where}: {e}: {p}") from None
        raise


# The {COMPANY} macro when no company name is given: a pattern that matches nothing.
NO_COMPANY = "(?!)"


@cache
def _data() -> dict:
    return tomllib.loads(package_text("red_flags.toml"))


@lru_cache(maxsize=16)
def categories(company: str | None = None) -> tuple[Category, ...]:
    """The compiled categories; ``company`` (the employer's name, e.g. "Northwind") lets the
    not-knowing-the-company patterns catch "I don't know much about Northwind"."""
    return compile_categories(_data(), company)


def company_pattern(company: str | None) -> str:
    """The {COMPANY} macro: the name normalised like an answer, letter by letter with an
    optional space between letters, since a recogniser may split or join a name ("Northwind"
    / "north wind", "OpenAI" / "open ai"); NO_COMPANY when the name is empty."""
    # "&" vanishes from a normalised answer but may be said as "and": either way matches.
    parts = [
        NormText(p).norm.replace(" ", "")
        for p in re.split(r"\s*&\s*|\s+and\s+", company or "", flags=re.IGNORECASE)
    ]
    parts = [p for p in parts if p]
    if not parts:
        return NO_COMPANY
    spelled = [" ?".join(re.escape(c) for c in p) for p in parts]
    return "(?:" + "(?: ?and)? ?".join(spelled) + ")\\b"


def compile_categories(d: dict, company: str | None = None) -> tuple[Category, ...]:
    macros: dict[str, str] = {"COMPANY": company_pattern(company)}
    for name, val in d.get("macros", {}).items():
        macros[name] = _expand(val, macros)
    out = []
    for name, c in d["categories"].items():
        if name not in CATEGORIES:
            raise ValueError(f"red_flags.toml: unknown category '{name}'")
        asked = c.get("asked")
        out.append(
            Category(
                name=name,
                why=c["why"],
                instead=c["instead"],
                negatable=bool(c.get("negatable", True)),
                once=bool(c.get("once", False)),
                kinds=frozenset(c.get("kinds", [])),
                pattern=_join(c["patterns"], macros, name),
                cancel_if=_join(c.get("cancel_if", []), macros, name),
                asked=re.compile(asked) if asked else None,
                asked_pattern=_join(c.get("asked_patterns", []), macros, name),
            )
        )
    return tuple(out)


def sentence_spans(nt: NormText) -> list[tuple[int, int]]:
    """Character ranges of ``nt.norm``, one per sentence (interjection-only sentences such as
    "Hmm." are joined to the next)."""
    toks = nt.tokens
    if not toks:
        return []
    bounds = [0] + [k for k in range(1, len(toks)) if is_sentence_break(toks[k].before)]
    bounds.append(len(toks))
    pos = [0]
    for t in toks:
        pos.append(pos[-1] + len(t.norm) + 1)  # nt.norm joins tokens with one space
    spans: list[tuple[int, int]] = []
    start = 0
    for a, b in zip(bounds, bounds[1:], strict=False):
        if b < len(toks) and all(t.norm in _INTERJECTIONS for t in toks[a:b]):
            continue  # keep `start`: this sentence joins the next
        spans.append((pos[start], pos[b] - 1))
        start = b
    return spans


# "about Northwind", "of Contoso Labs": a capitalised name after a preposition, as a
# recogniser writes an employer's name
_NAMED_AFTER = re.compile(r"\b(?:about|of|at|on|for|with)\s+(?:the\s+)?[A-Z][\w&.-]*")


def names_another_company(statement: str, company: str | None) -> bool:
    """True when a company is set and the statement names some other company, not it: not
    knowing about a former employer or a different firm is not "not knowing the company".
    The judge's ``unprepared_company`` flags obey this, as the patterns do by naming the
    company."""
    if not company or re.search(company_pattern(company), NormText(statement).norm):
        return False
    return _NAMED_AFTER.search(statement) is not None


def answer_limits(nt: NormText, company: str | None = None) -> tuple[set[str], set[str]]:
    """(once, cancelled) for one answer: the categories that flag an answer at most once, and
    those its text rules out (a ``cancel_if`` match: a candidate who asks a question did not
    have "no questions"). The judge obeys both, as the patterns do."""
    once, cancelled = set(), set()
    for cat in categories(company or None):
        if cat.once:
            once.add(cat.name)
        if cat.cancel_if is not None and cat.cancel_if.search(nt.norm):
            cancelled.add(cat.name)
    return once, cancelled


def find_red_flags(
    nt: NormText, kind: str | None = None, question: str | None = None, company: str | None = None
) -> list[FlagHit]:
    """All red-flag hits in an answer to a question of ``kind`` (None: any kind). ``question``
    is the question's text; patterns under ``asked_patterns`` need it. ``company`` is the name
    of the employer the candidate is preparing for (see :func:`categories`)."""
    hits: list[FlagHit] = []
    text = nt.norm
    spans = sentence_spans(nt)
    for cat in categories(company or None):
        if cat.kinds and kind is not None and kind not in cat.kinds:
            continue
        if cat.cancel_if is not None and cat.cancel_if.search(text):
            continue
        pats = [p for p in (cat.pattern,) if p is not None]
        if (
            cat.asked_pattern is not None
            and question
            and cat.asked is not None
            and cat.asked.search(question.lower())
        ):
            pats.append(cat.asked_pattern)
        found: list[FlagHit] = []
        for pat in pats:
            for a, b in spans:
                for m in pat.finditer(text, a, b):
                    if m.end() == m.start():
                        continue
                    i, j = nt.token_range(m.start(), m.end())
                    if any(i < h.j and h.i < j for h in found):
                        continue
                    if cat.negatable and negated(nt, i):
                        continue
                    found.append(FlagHit(cat.name, i, j, cat.why, cat.instead))
        found.sort(key=lambda h: h.i)
        if cat.once:
            found = found[:1]
        hits.extend(found)
    hits.sort(key=lambda h: h.i)
    return _merge_same_sentence(nt, hits)


def _merge_same_sentence(nt: NormText, hits: list[FlagHit]) -> list[FlagHit]:
    """One statement, one hit: join hits of a category that fall in the same sentence
    ("I guarantee 100% accuracy" is one false promise, not two)."""
    out: list[FlagHit] = []
    for h in hits:
        prev = next((o for o in reversed(out) if o.category == h.category), None)
        if (
            prev is not None
            and not any(
                is_sentence_break(nt.tokens[k].before)
                for k in range(prev.j, h.i + 1)
                if k < len(nt.tokens)
            )
            and h.i >= prev.i
        ):
            out[out.index(prev)] = FlagHit(
                prev.category, prev.i, max(prev.j, h.j), prev.why, prev.instead
            )
            continue
        out.append(h)
    return out
