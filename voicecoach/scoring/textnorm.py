"""English text normaliser for matching spoken answers: rules as data, a small engine.

Like openai/whisper's English normaliser, the language knowledge (contractions, irregular
forms, spellings, number words, speech-recogniser slips) lives in ``data/normalize.toml``;
this module only applies it. Every normalised token keeps the character span it came from,
so anything matched on normalised text can be shown as evidence in the original answer.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache

import snowballstemmer

from voicecoach.storage import package_text

_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*%?|[^\W\d_]+(?:['’][^\W\d_]+)*|%")
# Characters between two tokens that end a clause (for negation scope and filler context).
_BREAK_CHARS = set(',.;:!?…—–()"')
_SENTENCE_END = set(".!?…")


@dataclass(slots=True)
class Token:
    """One normalised token. ``start``/``end`` index the original text."""

    norm: str
    stem: str
    start: int
    end: int
    # Punctuation between the previous token and this one ("" if none): "," "." "?" ...
    before: str = ""


@dataclass(frozen=True)
class Rules:
    contractions: dict[str, tuple[str, ...]]
    suffixes: tuple[tuple[str, str], ...]
    lemmas: dict[str, str]
    stems: dict[str, str]
    spellings: dict[str, str]
    numbers: dict[str, int]
    variants: dict[tuple[str, ...], tuple[str, ...]]
    max_variant: int
    variant_starts: frozenset[str]


@cache
def rules() -> Rules:
    d = tomllib.loads(package_text("normalize.toml"))
    variants = {tuple(k.split()): tuple(v.split()) for k, v in d["asr_variants"].items()}
    return Rules(
        contractions={k: tuple(v.split()) for k, v in d["contractions"].items()},
        suffixes=tuple(sorted(d["contraction_suffixes"].items(), key=lambda kv: -len(kv[0]))),
        lemmas=dict(d["lemmas"]),
        stems=dict(d.get("stems", {})),
        spellings=dict(d["spellings"]),
        numbers={k: int(v) for k, v in d["numbers"].items()},
        variants=variants,
        max_variant=max((len(k) for k in variants), default=1),
        variant_starts=frozenset(k[0] for k in variants),
    )


_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Stem one normalised word (stem overrides, then the lemma table, then Snowball)."""
    r = rules()
    fixed = r.stems.get(word)
    if fixed is not None:
        return fixed
    word = r.lemmas.get(word, word)
    if not word.isalpha():
        return word
    return _stemmer.stemWord(word)


@lru_cache(maxsize=65536)
def _split_word(raw: str) -> tuple[str, ...]:
    """Normalise one raw token into one or more normalised words."""
    r = rules()
    w = raw.lower().replace("’", "'")
    if w[0].isdigit():
        if w.endswith("%"):
            return (w[:-1].replace(",", ""), "percent")
        return (w.replace(",", ""),)
    if w == "%":
        return ("percent",)
    if w in r.contractions:
        return r.contractions[w]
    if "'" in w:
        for suf, full in r.suffixes:
            if w.endswith(suf) and len(w) > len(suf):
                head = w[: -len(suf)]
                return (*_split_word(head), full)
        if w.endswith("'s"):
            w = w[:-2]  # possessive: "model's" -> "model"
        w = w.replace("'", "")
        if not w:
            return ()
    w = r.spellings.get(w, w)
    if w in r.numbers:
        return (str(r.numbers[w]),)
    return (w,)


def _apply_variants(toks: list[Token]) -> list[Token]:
    r = rules()
    if not r.variants:
        return toks
    out: list[Token] = []
    i = 0
    n = len(toks)
    starts = r.variant_starts
    while i < n:
        if toks[i].norm not in starts:
            out.append(toks[i])
            i += 1
            continue
        for size in range(min(r.max_variant, n - i), 0, -1):
            key = tuple(t.norm for t in toks[i : i + size])
            rep = r.variants.get(key)
            if rep is not None and all(not t.before for t in toks[i + 1 : i + size]):
                first, last = toks[i], toks[i + size - 1]
                for norm in rep:
                    out.append(Token(norm, "", first.start, last.end, first.before))
                    first = Token(norm, "", first.start, last.end, "")
                i += size
                break
        else:
            out.append(toks[i])
            i += 1
    return out


def _join_numbers(toks: list[Token]) -> list[Token]:
    """'twenty five' -> 25, '1 hundred' -> 100."""
    out: list[Token] = []
    for t in toks:
        if out and t.norm.isdigit() and out[-1].norm.isdigit() and not t.before:
            prev = int(out[-1].norm)
            cur = int(t.norm)
            if prev % 10 == 0 and 20 <= prev <= 90 and 0 < cur < 10:
                out[-1] = Token(str(prev + cur), "", out[-1].start, t.end, out[-1].before)
                continue
            if cur in (100, 1000, 1000000) and 0 < prev < 1000:
                out[-1] = Token(str(prev * cur), "", out[-1].start, t.end, out[-1].before)
                continue
        out.append(t)
    return out


def tokenize(text: str, variants: bool = True) -> list[Token]:
    """Split ``text`` into normalised, stemmed tokens with their original character spans."""
    toks: list[Token] = []
    last_end = 0
    for m in _TOKEN_RE.finditer(text):
        between = text[last_end : m.start()]
        brk = "".join(ch for ch in between if ch in _BREAK_CHARS)
        if not brk and " - " in between:
            brk = "—"
        last_end = m.end()
        parts = _split_word(m.group())
        for k, norm in enumerate(parts):
            toks.append(Token(norm, "", m.start(), m.end(), brk if k == 0 else ""))
    if variants:
        toks = _apply_variants(toks)
    toks = _join_numbers(toks)
    for t in toks:
        t.stem = stem(t.norm)
    return toks


def is_sentence_break(before: str) -> bool:
    return any(ch in _SENTENCE_END for ch in before)


class NormText:
    """A tokenised answer with a normalised string view for regular-expression rules.

    ``norm`` is the normalised tokens joined by single spaces (lowercase, contractions
    expanded, numbers as digits, no punctuation). :meth:`span` maps a match on ``norm``
    back to token indices and to the original text.
    """

    def __init__(self, text: str, tokens: list[Token] | None = None) -> None:
        self.text = text
        self.tokens = tokens if tokens is not None else tokenize(text)
        self._starts: list[int] = []
        pos = 0
        for t in self.tokens:
            self._starts.append(pos)
            pos += len(t.norm) + 1
        self.norm = " ".join(t.norm for t in self.tokens)
        self.stems = [t.stem for t in self.tokens]

    def __len__(self) -> int:
        return len(self.tokens)

    def token_range(self, norm_start: int, norm_end: int) -> tuple[int, int]:
        """Token indices [i, j) covered by the character range of ``self.norm``."""
        i = bisect.bisect_right(self._starts, norm_start) - 1
        j = bisect.bisect_left(self._starts, norm_end)
        return max(i, 0), max(j, i + 1)

    def char_span(self, i: int, j: int) -> tuple[int, int]:
        """Original-text character span of tokens [i, j)."""
        return self.tokens[i].start, self.tokens[j - 1].end

    def source(self, i: int, j: int) -> str:
        a, b = self.char_span(i, j)
        return self.text[a:b]

    def clause_start(self, i: int) -> int:
        """Index of the first token of the clause containing token ``i``."""
        k = i
        while k > 0 and not self.tokens[k].before:
            k -= 1
        return k
