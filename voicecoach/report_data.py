"""What ``review``, ``report`` and ``history`` read: practice session folders and batch
``results.jsonl`` files, turned into a list of :class:`Answer` with the result dicts
(schema ``voicecoach.result/1``) inside, plus helpers on result dicts shared by the
terminal, HTML and Markdown views (word spans, marks, pace and filler series).

Nothing here imports speech libraries.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UserError
from .storage import sessions_dir

SESSION_FILE = "session.json"
RESULTS_FILE = "results.jsonl"


class ReviewInputError(UserError):
    """A path that cannot be reviewed: missing, not a session, corrupt."""


@dataclass
class Answer:
    n: int  # position in the session or batch, from 1
    question_id: str
    question: str
    attempt: int = 1
    result: dict | None = None  # None: partial, skipped or failed
    audio_path: Path | None = None  # absolute, or None when unknown
    status: str = "scored"
    error: str | None = None
    label: str = ""  # a short name: the audio file's name
    recorded_at: str | None = None


@dataclass
class Source:
    kind: str  # "session" | "batch"
    path: Path  # the session folder, or the results.jsonl file
    title: str
    answers: list[Answer]
    info: dict = field(default_factory=dict)  # session.json minus answers
    warnings: list[str] = field(default_factory=list)

    @property
    def folder(self) -> Path:
        return self.path if self.kind == "session" else self.path.parent

    @property
    def scored(self) -> list[Answer]:
        return [a for a in self.answers if a.result is not None]


# ---------------------------------------------------------------- locating input

def latest_session(root: Path) -> Path:
    """The newest session folder under ``root`` (folder names start with their time)."""
    if not root.is_dir():
        raise ReviewInputError(f"no sessions yet ({root} does not exist): run "
                               "voicecoach practice")
    found = sorted((p for p in root.iterdir() if (p / SESSION_FILE).is_file()),
                   key=lambda p: (_started(p), p.name))
    if not found:
        raise ReviewInputError(f"no sessions yet in {root}: run voicecoach practice")
    return found[-1]


def _started(folder: Path) -> str:
    try:
        return str(json.loads((folder / SESSION_FILE).read_text("utf-8")).get("started_at")
                   or "")
    except (OSError, ValueError, AttributeError):
        return ""


def load_source(target: str | os.PathLike | None, sessions: str | os.PathLike | None = None
                ) -> Source:
    """A session folder, its session.json, a results.jsonl (or a folder holding one), a
    session id under the sessions folder, or (None) the latest session."""
    root = sessions_dir(sessions)
    if target is None:
        return load_session(latest_session(root))
    p = Path(target).expanduser()
    if not p.exists() and not p.is_absolute() and (root / p).is_dir():
        p = root / p  # a session id
    if not p.exists():
        raise ReviewInputError(f"{target}: no such file or folder; give a session folder, "
                               "a session id or a results.jsonl file")
    if p.is_dir():
        if (p / SESSION_FILE).is_file():
            return load_session(p)
        if (p / RESULTS_FILE).is_file():
            return load_results(p / RESULTS_FILE)
        raise ReviewInputError(f"{target}: not a session folder (no {SESSION_FILE}) or a batch "
                               f"output folder (no {RESULTS_FILE})")
    if p.name == SESSION_FILE:
        return load_session(p.parent)
    if p.suffix.lower() in (".jsonl", ".ndjson"):
        return load_results(p)
    raise ReviewInputError(f"{target}: not a session folder or a results.jsonl file")


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as e:
        raise ReviewInputError(f"{path}: cannot read ({e.strerror})") from None
    except UnicodeDecodeError:
        raise ReviewInputError(f"{path}: not UTF-8 text; is it the right file?") from None


def _is_result(d: object) -> bool:
    return (isinstance(d, dict) and isinstance(d.get("transcript"), str)
            and isinstance(d.get("coverage"), dict) and isinstance(d.get("fillers"), dict)
            and isinstance(d.get("red_flags"), list) and isinstance(d.get("delivery"), dict))


def load_session(folder: Path) -> Source:
    path = folder / SESSION_FILE
    try:
        doc = json.loads(_read_text(path))
    except ValueError as e:
        raise ReviewInputError(f"{path} is damaged ({e}); the audio files beside it are "
                               "intact, but this session cannot be reviewed") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("answers", []), list):
        raise ReviewInputError(f"{path} is not a voicecoach session file")
    answers, warnings = [], []
    for i, a in enumerate(doc.get("answers") or [], 1):
        if not isinstance(a, dict):
            warnings.append(f"{path}: answer {i} is not an object; skipped")
            continue
        res = a.get("result")
        if res is not None and not _is_result(res):
            warnings.append(f"{path}: answer {i} has a malformed result; shown as unscored")
            res = None
        audio = a.get("audio")
        answers.append(Answer(
            n=int(a.get("n") or i), question_id=str(a.get("question_id") or "?"),
            question=str(a.get("question") or (res or {}).get("question") or ""),
            attempt=int(a.get("attempt") or 1), result=res,
            audio_path=(folder / audio).resolve() if audio else None,
            status=str(a.get("status") or ("scored" if res else "unscored")),
            error=a.get("error"), label=str(audio or f"answer {i}"),
            recorded_at=a.get("started_at") or doc.get("started_at")))
    info = {k: v for k, v in doc.items() if k != "answers"}
    title = f"Session {doc.get('id') or folder.name}"
    return Source("session", folder.resolve(), title, answers, info, warnings)


def load_results(path: Path) -> Source:
    """A batch results.jsonl; a broken line is skipped with a warning."""
    answers, warnings = [], []
    n = 0
    for lineno, line in enumerate(_read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except ValueError:
            warnings.append(f"{path.name} line {lineno}: not valid JSON; skipped")
            continue
        if not isinstance(d, dict) or not (d.get("error") or _is_result(d)):
            warnings.append(f"{path.name} line {lineno}: not a scored result; skipped")
            continue
        n += 1
        audio_path = d.get("audio_path")
        if not audio_path and d.get("audio"):
            audio_path = str(path.parent / d["audio"])
        err = d.get("error")
        answers.append(Answer(
            n=n, question_id=str(d.get("question_id") or "?"),
            question=str(d.get("question") or ""), result=None if err else d,
            audio_path=Path(audio_path).resolve() if audio_path else None,
            status="failed" if err else "scored", error=err,
            label=str(d.get("audio") or f"line {lineno}")))
    if not answers:
        raise ReviewInputError(f"{path}: no results in it" + (
            f" ({len(warnings)} broken line(s))" if warnings else ""))
    return Source("batch", path.resolve(), f"Batch {path.parent.name}/{path.name}", answers,
                  {}, warnings)


# ---------------------------------------------------------------- result helpers

def words_of(result: dict) -> list[dict]:
    """Word spans ``{text, start, end, char_start, char_end}``: the result's ``words`` when
    present, else the transcript split at whitespace (times None)."""
    words = result.get("words")
    if words:
        return [w for w in words if w.get("char_start") is not None]
    out, text, pos = [], result.get("transcript", ""), 0
    for tok in text.split():
        a = text.index(tok, pos)
        out.append({"text": tok, "start": None, "end": None, "char_start": a,
                    "char_end": a + len(tok)})
        pos = a + len(tok)
    return out


def is_timed(result: dict) -> bool:
    return any(w.get("start") is not None for w in words_of(result))


@dataclass(frozen=True)
class Mark:
    kind: str  # "evidence" | "filler" | "flag"
    key: str  # unique within the answer, e.g. "filler-0"
    a: int
    b: int
    title: str
    start: float | None = None


def marks_of(result: dict) -> list[Mark]:
    """Every marked span of the transcript, in text order (overlaps allowed)."""
    n = len(result.get("transcript", ""))
    out: list[Mark] = []
    for i, p in enumerate(result["coverage"]["points"]):
        ev = p.get("evidence")
        if ev and ev.get("char_start") is not None:
            out.append(Mark("evidence", f"evidence-{i}", ev["char_start"], ev["char_end"],
                            f"key point: {p['label']}", ev.get("start")))
    for i, f in enumerate(result["fillers"]["items"]):
        if f.get("char_start") is not None:
            out.append(Mark("filler", f"filler-{i}", f["char_start"], f["char_end"],
                            f"filler: {f['text']}", f.get("start")))
    for i, h in enumerate(result["red_flags"]):
        if h.get("char_start") is not None:
            out.append(Mark("flag", f"flag-{i}", h["char_start"], h["char_end"],
                            f"red flag ({h['category'].replace('_', ' ')}): {h['why']}",
                            h.get("start")))
    out = [m for m in out if 0 <= m.a < m.b <= n]
    rank = {"flag": 0, "evidence": 1, "filler": 2}  # outermost first at equal spans
    return sorted(out, key=lambda m: (m.a, -m.b, rank[m.kind]))


@dataclass(frozen=True)
class Run:
    """A stretch of transcript with the same open marks and the same word (or none)."""

    a: int
    b: int
    marks: tuple[Mark, ...]
    word: int | None


def runs_of(text: str, words: list[dict], marks: list[Mark]) -> list[Run]:
    """Cut ``text`` at every word and mark boundary. Each run lists its marks outermost first
    (text order), so renderers can open and close them like a stack."""
    cuts = {0, len(text)}
    for w in words:
        cuts.update((w["char_start"], w["char_end"]))
    for m in marks:
        cuts.update((m.a, m.b))
    pts = sorted(c for c in cuts if 0 <= c <= len(text))
    owner: dict[int, int] = {}
    for i, w in enumerate(words):
        for c in range(w["char_start"], w["char_end"]):
            owner.setdefault(c, i)
    runs: list[Run] = []
    for a, b in zip(pts, pts[1:], strict=False):
        if a == b:
            continue
        ms = tuple(m for m in marks if m.a <= a and b <= m.b)
        w = owner.get(a)
        if runs and runs[-1].marks == ms and runs[-1].word == w and runs[-1].b == a:
            runs[-1] = Run(runs[-1].a, b, ms, w)
        else:
            runs.append(Run(a, b, ms, w))
    return runs


def fmt_time(t: float | None) -> str:
    if t is None:
        return ""
    m, s = divmod(float(t), 60)
    return f"{int(m)}:{s:04.1f}"


def missed_points(result: dict) -> list[dict]:
    return [p for p in result["coverage"]["points"] if not p["covered"]]


# ---------------------------------------------------------------- series for charts

def _binned(result: dict) -> tuple[float, float, list[int], list[int]] | None:
    """Split a timed answer into equal time bins: (duration, bin width, words per bin,
    fillers per bin); None for untimed answers."""
    words = [w for w in words_of(result) if w.get("start") is not None]
    duration = result["delivery"].get("duration_s") or (words[-1]["end"] if words else 0)
    if not words or not duration:
        return None
    width = max(5.0, duration / 12.0)
    n = max(1, int(-(-duration // width)))
    wc, fc = [0] * n, [0] * n
    for w in words:
        wc[min(n - 1, int(w["start"] // width))] += 1
    for f in result["fillers"]["items"]:
        if f.get("start") is not None:
            fc[min(n - 1, int(f["start"] // width))] += 1
    return duration, width, wc, fc


def _series(result: dict, value) -> list[tuple[float, float]]:
    """(bin middle in s, value(words, fillers, seconds)) for bins longer than half a second."""
    b = _binned(result)
    if b is None:
        return []
    duration, width, wc, fc = b
    out = []
    for i, (w, f) in enumerate(zip(wc, fc, strict=True)):
        span = min(width, duration - i * width)
        if span > 0.5:
            out.append((round(i * width + span / 2, 2), round(value(w, f, span), 1)))
    return out


def pace_series(result: dict) -> list[tuple[float, float]]:
    """(bin middle in s, words per minute) over the answer; [] for untimed answers."""
    return _series(result, lambda w, f, span: 60.0 * w / span)


def filler_series(result: dict) -> list[tuple[float, float]]:
    """(bin middle in s, fillers per 100 words) over the answer, same bins as the pace."""
    return _series(result, lambda w, f, span: 100.0 * f / w if w else (100.0 if f else 0.0))


def summary(source: Source) -> dict:
    """Session figures: answers, mean overall and coverage, filler rate, wpm, red flags."""
    rs = [a.result for a in source.scored]
    words = sum(r["delivery"]["words"] for r in rs)
    fillers = sum(r["fillers"]["count"] for r in rs)
    wpms = [r["delivery"]["wpm"] for r in rs if r["delivery"].get("wpm") is not None]
    return {
        "answers": len(source.answers), "scored": len(rs),
        "overall": round(sum(r["overall"] for r in rs) / len(rs), 1) if rs else None,
        "coverage": round(100 * sum(r["coverage"]["score"] for r in rs) / len(rs), 1)
        if rs else None,
        "words": words, "fillers": fillers,
        "fillers_per_100_words": round(100.0 * fillers / words, 2) if words else 0.0,
        "wpm": round(sum(wpms) / len(wpms), 1) if wpms else None,
        "red_flags": sum(len(r["red_flags"]) for r in rs),
        "missed_points": sum(len(missed_points(r)) for r in rs),
    }


def delimited(result: dict, delims: dict[str, tuple[str, str]],
              escape: Callable[[str], str] = lambda s: s) -> str:
    """The transcript with each mark wrapped in its kind's (open, close) delimiters; nested
    marks are closed and reopened so the delimiters always pair up."""
    text = result.get("transcript", "")
    out: list[str] = []
    stack: list = []
    for run in runs_of(text, [], marks_of(result)):
        keep = 0
        while keep < min(len(stack), len(run.marks)) and stack[keep] is run.marks[keep]:
            keep += 1
        while len(stack) > keep:
            out.append(delims[stack.pop().kind][1])
        for m in run.marks[keep:]:
            out.append(delims[m.kind][0])
            stack.append(m)
        out.append(escape(text[run.a:run.b]))
    while stack:
        out.append(delims[stack.pop().kind][1])
    return "".join(out)
