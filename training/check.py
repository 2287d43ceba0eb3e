"""Validate the judge's training data files; print one line per problem.

    .venv/bin/python training/check.py [FILE ...]     # default: every file under data/

Checks: TOML parses; known bank, question and point ids; evidence and flag quotes are exact
substrings of the answer text; categories, kinds and styles are known; ids are unique;
no_questions only on closing questions. Exit code 1 when any problem is found.
"""

from __future__ import annotations

import sys
import tomllib
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
CATEGORIES = (
    "overstating_skills",
    "false_promise",
    "negative_about_employer",
    "salary_too_early",
    "dismissive_teamwork",
    "inappropriate_language",
    "unprepared_company",
    "no_questions",
)
KINDS = ("technical", "behavioral", "closing")
FLAG_STYLES = ("direct", "indirect", "joking", "hedged", "embedded")
NONE_STYLES = (
    "negated",
    "reported",
    "quoted",
    "advice",
    "honest-limit",
    "salary-asked",
    "process-criticism",
    "neutral-fact",
    "closing-asks",
    "trigger-word",
    "plain",
)
NOT_MADE = ("negated", "bare", "wrong", "echo", "vague")


def bank_index() -> dict[str, dict[str, dict]]:
    """{bank id: {question id: {"kind": ..., "points": {point ids}}}} from the bank files."""
    out: dict[str, dict[str, dict]] = {}
    for path in sorted((HERE.parent / "questions").glob("*.toml")):
        d = tomllib.loads(path.read_text(encoding="utf-8"))
        out[d["id"]] = {
            q["id"]: {
                "kind": q.get("kind", "technical"),
                "points": {p["id"] for p in q.get("points", [])},
            }
            for q in d["questions"]
        }
    return out


def _question(banks: dict, bank: str, qid: str) -> dict | None:
    return banks.get(bank, {}).get(qid)


def check_points(d: dict, banks: dict, where: str) -> list[str]:
    errs = []
    for i, p in enumerate(d.get("point", []), 1):
        at = f"{where}: point #{i} ({p.get('question')}/{p.get('point')})"
        q = _question(banks, p.get("bank", ""), p.get("question", ""))
        if q is None:
            errs.append(f"{at}: unknown bank/question")
            continue
        if p.get("point") not in q["points"]:
            errs.append(f"{at}: unknown point id")
        for key in ("made", *NOT_MADE):
            v = p.get(key, [])
            if not isinstance(v, list) or not all(isinstance(s, str) and s.strip() for s in v):
                errs.append(f"{at}: '{key}' must be a list of non-empty strings")
        extra = set(p) - {"bank", "question", "point", "made", *NOT_MADE}
        if extra:
            errs.append(f"{at}: unknown keys {sorted(extra)}")
    return errs


def check_answers(d: dict, banks: dict, where: str, ids: Counter) -> list[str]:
    errs = []
    for a in d.get("answer", []):
        aid = a.get("id", "?")
        ids[aid] += 1
        at = f"{where}: answer {aid}"
        q = _question(banks, a.get("bank", ""), a.get("question", ""))
        if q is None:
            errs.append(f"{at}: unknown bank/question {a.get('bank')}/{a.get('question')}")
            continue
        text = a.get("text", "")
        if not isinstance(text, str) or not text.strip():
            errs.append(f"{at}: empty text")
            continue
        points = a.get("points", [])
        for pid in points:
            if pid not in q["points"]:
                errs.append(f"{at}: unknown point '{pid}'")
        ev = a.get("evidence", {})
        if set(ev) != set(points):
            errs.append(f"{at}: evidence keys {sorted(ev)} differ from points {sorted(points)}")
        for pid, quote in ev.items():
            for s in [quote] if isinstance(quote, str) else quote:
                if not isinstance(s, str) or not s.strip() or s not in text:
                    errs.append(f"{at}: evidence for '{pid}' is not an exact substring: {s!r}")
        for f in a.get("flags", []):
            cat, s = f.get("category"), f.get("text", "")
            if cat not in CATEGORIES:
                errs.append(f"{at}: unknown flag category {cat!r}")
            if cat == "no_questions" and q["kind"] != "closing":
                errs.append(f"{at}: no_questions on a {q['kind']} question")
            if not s or s not in text:
                errs.append(f"{at}: flag text is not an exact substring: {s!r}")
    return errs


def check_flags(d: dict, where: str) -> list[str]:
    errs = []
    for i, s in enumerate(d.get("statement", []), 1):
        at = f"{where}: statement #{i}"
        flag, style, kind = s.get("flag"), s.get("style"), s.get("kind")
        if flag != "none" and flag not in CATEGORIES:
            errs.append(f"{at}: unknown flag {flag!r}")
        if kind not in KINDS:
            errs.append(f"{at}: unknown kind {kind!r}")
        if flag == "no_questions" and kind != "closing":
            errs.append(f"{at}: no_questions on a {kind} question")
        allowed = NONE_STYLES if flag == "none" else FLAG_STYLES
        if style not in allowed:
            errs.append(f"{at}: style {style!r} not one of {', '.join(allowed)}")
        if not str(s.get("text", "")).strip() or not str(s.get("question", "")).strip():
            errs.append(f"{at}: empty text or question")
    return errs


def main(argv: list[str]) -> int:
    files = [Path(a) for a in argv] or sorted((HERE / "data").rglob("*.toml"))
    banks = bank_index()
    errs: list[str] = []
    ids: Counter = Counter()
    counts: Counter = Counter()
    for f in files:
        try:
            d = tomllib.loads(f.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
            errs.append(f"{f}: cannot parse: {e}")
            continue
        kind = f.parent.name
        if kind == "points":
            errs += check_points(d, banks, str(f))
            counts["point statements"] += sum(
                len(p.get(k, [])) for p in d.get("point", []) for k in ("made", *NOT_MADE)
            )
        elif kind == "answers":
            errs += check_answers(d, banks, str(f), ids)
            counts["answers"] += len(d.get("answer", []))
        elif kind == "flags":
            errs += check_flags(d, str(f))
            counts["flag statements"] += len(d.get("statement", []))
        else:
            errs.append(f"{f}: not under data/points, data/answers or data/flags")
    errs += [f"duplicate answer id {k}" for k, n in ids.items() if n > 1]
    for e in errs:
        print(e)
    print(", ".join(f"{n} {k}" for k, n in counts.items()) or "no data", file=sys.stderr)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
