"""The text normaliser every WER figure in bench/ shares (asr_quality, quality).

Both sides: lowercase, accents folded ("Montréal" -> "montreal"), "%" -> "percent", "++" ->
"plus plus", hyphens and punctuation out, numbers as words ("0.84" -> "zero point eight
four", "F1" -> "f one"), filler spellings unified with ``normalize_filler`` ("Umm" -> "um");
fillers stay words, so a dropped "um" counts as a deletion.
"""

from __future__ import annotations

import re
import unicodedata

from voicecoach.asr.fillers import normalize_filler

UM_UH = {"um", "uh"}
OTHER_FILLERS = {"ah", "eh", "er", "erm", "hmm"}
_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
# Spelling variants that are not errors (both sides are mapped).
_SPELL = {
    "canceled": "cancelled",
    "ok": "okay",
    "tradeoff": "trade off",
    "cutoff": "cut off",
    "realtime": "real time",
}


def _int_words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + _int_words(rest))
    if n < 1_000_000:
        rest = n % 1000
        return _int_words(n // 1000) + " thousand" + ("" if rest == 0 else " " + _int_words(rest))
    return " ".join(_ONES[int(d)] for d in str(n))


def _number_words(m: re.Match) -> str:
    whole, frac = m.group(1), m.group(2)
    out = _int_words(int(whole)) if whole else "zero"
    if frac:
        out += " point " + " ".join(_ONES[int(d)] for d in frac)
    return f" {out} "


def normalize(text: str) -> str:
    """Text -> space-separated comparable words (see the module docstring)."""
    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    t = t.lower().replace("%", " percent").replace("++", " plus plus")
    t = re.sub(r"(\d),(\d{3})", r"\1\2", t)
    t = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", t)  # f1 -> f 1
    t = re.sub(
        r"(\d*)\.(\d+)|(\d+)",
        lambda m: _number_words(m) if m.group(2) else f" {_int_words(int(m.group(3)))} ",
        t,
    )
    out = []
    for tok in t.replace("-", " ").split():
        tok = normalize_filler(tok)
        tok = re.sub(r"[^\w]", "", tok)
        if tok:
            out.extend(_SPELL.get(tok, tok).split())
    return " ".join(out)


def aligned_um_uh(ref: str, hyp: str) -> int:
    """um/uh of ``ref`` matched in place by um/uh (or another filler sound) in ``hyp``."""
    import jiwer

    r, h = ref.split(), hyp.split()
    if not r or not h:
        return 0
    hit = 0
    for chunk in jiwer.process_words(ref, hyp).alignments[0]:
        for k in range(chunk.ref_end_idx - chunk.ref_start_idx):
            if r[chunk.ref_start_idx + k] not in UM_UH:
                continue
            if chunk.type == "equal" or (
                chunk.type == "substitute" and h[chunk.hyp_start_idx + k] in UM_UH | OTHER_FILLERS
            ):
                hit += 1
    return hit
