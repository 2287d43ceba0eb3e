"""Realistic inputs for the review/report/history tests: practice session folders and batch
results.jsonl files made from real audio scored by the real pipeline (tiny.en).

Answers are scored once per test process (:func:`scored_answers` is cached) and copied into
each test's own folder, so the four test modules share the transcription cost.
"""

from __future__ import annotations

import functools
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import audio_rig

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "audio"
# Spoken by the piper voice: two fillers, several key points and one red flag.
PROJECT_TEXT = (
    "Um, the problem was customer churn. My role was to build the model, and I built "
    "a gradient boosting baseline. Uh, honestly, teamwork is overrated, so I did it "
    "all myself. The result was ninety percent recall."
)
SCRIPT_ANSWER = (
    "Precision is <script>alert('x')</script> & recall is the share of positives "
    "found; um, F1 is their harmonic mean."
)


@dataclass(frozen=True)
class Scored:
    question_id: str
    audio: Path  # the source recording (do not modify)
    result: dict


_tmp = tempfile.TemporaryDirectory(prefix="vc-review-rig-")


@functools.cache
def scored_answers() -> tuple[Scored, ...]:
    """past-project (piper speech, red flag), cross-validation (filler.flac) and
    precision-recall-f1 (speech.flac), each transcribed and scored for real."""
    import soundfile as sf

    from voicecoach.answer import score_audio
    from voicecoach.banks import load_bank
    from voicecoach.scoring.score import Settings

    bank = load_bank("ml-engineer")
    project = Path(_tmp.name) / "project.flac"
    sf.write(str(project), audio_rig.render_piper_16k(PROJECT_TEXT), audio_rig.RATE)
    out = []
    # The views' tests need the red flag in the past-project answer to be there. The judge
    # overrules it (a known judge error: tests/test_scoring.py), so that answer is scored
    # by the rules alone; the other two are scored by rules and judge, as the product does.
    for qid, audio, settings in (
        ("past-project", project, Settings(judge=False)),
        ("cross-validation", FIXTURES / "filler.flac", None),
        ("precision-recall-f1", FIXTURES / "speech.flac", None),
    ):
        result = score_audio(bank.get(qid), audio, settings=settings)
        out.append(Scored(qid, audio, result.to_dict()))
    return tuple(out)


def typed_result(question_id: str = "precision-recall-f1", text: str = SCRIPT_ANSWER) -> dict:
    from voicecoach.banks import load_bank
    from voicecoach.scoring.score import score_answer

    return score_answer(load_bank("ml-engineer").get(question_id), text).to_dict()


def make_session(
    root: Path,
    sid: str = "2026-11-25T14-03-12-ml-engineer",
    started: str = "2026-11-25T14:03:12+00:00",
    with_partial: bool = True,
    status: str = "finished",
) -> Path:
    """A session folder as `voicecoach practice` writes it (docs/session-format.md): the
    three scored answers, a second attempt at cross-validation, and (optionally) an
    interrupted answer whose result is null."""
    folder = root / sid
    folder.mkdir(parents=True)
    answers = []
    plan = [(s, 1) for s in scored_answers()]
    plan.insert(2, (scored_answers()[1], 2))
    for n, (s, attempt) in enumerate(plan, 1):
        name = f"{n:02d}-{s.question_id}-{attempt}{s.audio.suffix}"
        shutil.copyfile(s.audio, folder / name)
        answers.append(
            {
                "n": n,
                "question_id": s.question_id,
                "question": s.result["question"],
                "attempt": attempt,
                "audio": name,
                "started_at": started,
                "status": "scored",
                "stop_reason": "enter",
                "timing": {"recorded_s": s.result["delivery"]["duration_s"]},
                "result": s.result,
                "error": None,
            }
        )
    if with_partial:
        n = len(answers) + 1
        name = f"{n:02d}-k-means-1.flac"
        shutil.copyfile(FIXTURES / "speech.flac", folder / name)
        answers.append(
            {
                "n": n,
                "question_id": "k-means",
                "question": "Explain k-means clustering.",
                "attempt": 1,
                "audio": name,
                "started_at": started,
                "status": "partial",
                "stop_reason": "interrupt",
                "timing": {},
                "result": None,
                "error": None,
            }
        )
    doc = {
        "schema": "voicecoach.practice.session/1",
        "id": sid,
        "started_at": started,
        "ended_at": None if status == "running" else started,
        "status": status,
        "bank": "ml-engineer",
        "bank_path": "/x/ml-engineer.toml",
        "model": "tiny.en",
        "settings": {"auto_stop_s": 3.0},
        "answers": answers,
    }
    (folder / "session.json").write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return folder


def make_batch(out: Path, broken_line: bool = False) -> Path:
    """A batch output folder's results.jsonl (rows as voicecoach.batch writes them), the
    audio beside it in answers/, plus one failed row."""
    (out / "answers").mkdir(parents=True)
    lines = []
    for s in scored_answers():
        name = f"answers/{s.question_id}{s.audio.suffix}"
        shutil.copyfile(s.audio, out / name)
        row = dict(s.result, audio=name, audio_path=str((out / name).resolve()), error=None)
        lines.append(json.dumps(row))
    lines.append(
        json.dumps(
            {
                "schema": "voicecoach.result/1",
                "audio": "answers/gone.wav",
                "question_id": "k-means",
                "overall": None,
                "error": "answers/gone.wav: no such file",
            }
        )
    )
    if broken_line:
        lines.insert(1, '{"schema": "voicecoach.result/1", "question_id": "trunc')
    path = out / "results.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def add_answer(
    folder: Path, result: dict, audio: str | None = None, status: str = "scored"
) -> None:
    """Append an answer (e.g. a typed one, no audio) to a session folder's session.json."""
    path = folder / "session.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    n = len(doc["answers"]) + 1
    doc["answers"].append(
        {
            "n": n,
            "question_id": result["question_id"],
            "question": result.get("question", ""),
            "attempt": 1,
            "audio": audio,
            "started_at": doc["started_at"],
            "status": status,
            "stop_reason": "enter",
            "timing": {},
            "result": result,
            "error": None,
        }
    )
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")


def marked_spans(result: dict) -> dict[str, tuple[int, int]]:
    """Every span a report should mark, by ``data-key``."""
    out = {}
    for i, p in enumerate(result["coverage"]["points"]):
        if p["evidence"]:
            out[f"evidence-{i}"] = (p["evidence"]["char_start"], p["evidence"]["char_end"])
    for i, f in enumerate(result["fillers"]["items"]):
        if f.get("char_start") is not None:
            out[f"filler-{i}"] = (f["char_start"], f["char_end"])
    for i, h in enumerate(result["red_flags"]):
        out[f"flag-{i}"] = (h["char_start"], h["char_end"])
    return out
