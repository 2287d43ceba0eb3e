"""The whole-recording check of practice (voicecoach.practice.check): once feedback from the
live transcript is shown, the saved recording is decoded whole and that result is kept.

The real model decodes a real file; the session folder and the history database are real
(in the test's private VOICECOACH_HOME)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from rich.console import Console

from voicecoach.answer import decode_context, score_text
from voicecoach.banks import load_bank
from voicecoach.history.record import Provenance, practice_key
from voicecoach.history.trends import load_rows
from voicecoach.practice.check import Check, Pending, feedback_changes, word_edits
from voicecoach.practice.session import Session
from voicecoach.scoring.score import Settings

ROOT = Path(__file__).resolve().parents[1]
RULES = Settings(judge=False)  # the rules alone: these tests are about the check, not the judge


def _q(qid: str = "cross-validation"):
    return load_bank("ml-engineer").get(qid)


def test_word_edits_ignores_case_and_punctuation():
    assert word_edits("Stratified k-fold, keeps it.", "stratified k fold keeps it") == 0
    assert word_edits("you train on four and test", "you train on foreign test") == 2
    assert word_edits("", "three new words") == 3


def test_feedback_changes_names_what_the_candidate_would_see_differently():
    q = _q()
    live = score_text(q, "Um, you split the data into folds, um.", RULES)
    whole = score_text(
        q,
        "You split the data into k folds; each fold is the validation set once and you "
        "average the scores. Stratified folds keep the class proportions.",
        RULES,
    )
    changes = feedback_changes(live, whole)
    gained = [c for c in changes if c.startswith("now covered: ")]
    assert gained, changes
    assert f"fillers {live.fillers.count} -> {whole.fillers.count}" in changes
    assert f"score {live.overall} -> {whole.overall}" in changes
    assert feedback_changes(whole, whole) == []
    flagged = score_text(q, "My old manager was an idiot, so I did it alone.", RULES)
    assert any(c.startswith("now flagged: ") for c in feedback_changes(live, flagged))
    assert any(c.startswith("no longer flagged: ") for c in feedback_changes(flagged, live))


def _session(tmp_path: Path, audio: Path | None) -> Session:
    """A session with answer 1 saved as a1.wav (a copy of ``audio``; None: missing)."""
    s = Session.create("ml-engineer", "bundled", "tiny.en", {}, root=tmp_path)
    if audio is not None:
        (s.folder / "a1.wav").write_bytes(audio.read_bytes())
    s.add_answer({"n": 1, "question_id": "cross-validation", "audio": "a1.wav"})
    return s


@pytest.mark.audio
def test_check_keeps_the_whole_recording_result_in_session_and_history(tmp_path):
    from voicecoach.asr.transcribe import get_transcriber

    q = _q()
    src = ROOT / "samples" / "audio" / "cv-strong_095.wav"
    s = _session(tmp_path, src)
    audio = s.folder / "a1.wav"
    # the live transcript as it might come out of short pieces: two words lost
    tr = get_transcriber()
    ctx = decode_context(q)
    whole_text = tr.transcribe(audio, ctx).text
    words = whole_text.split()
    live_text = " ".join(words[:5] + words[7:])
    prov = Provenance("practice", practice_key(s.id, 1), "2026-12-01T10:00:00", str(audio), s.id)
    live = score_text(q, live_text, RULES, prov)
    s.update_answer(1, status="scored", result=live.to_dict())
    assert load_rows()[0]["key"] == prov.key

    t_stop = time.monotonic()
    pending = Pending(Check(get_transcriber, q, audio, RULES, live, t_stop), 1, prov)
    console = Console(record=True, width=200)
    pending.settle(s, console)

    a = json.loads((s.folder / "session.json").read_text())["answers"][0]
    assert a["result"]["transcript"] == whole_text  # the whole decode, as `score` gives
    assert a["result"]["asr"]["mode"].startswith("whole")
    assert a["check"]["words_changed"] == 2 and a["check"]["checked_s"] > 0
    out = console.export_text()
    assert "Checked against the whole recording" in out and "2 word(s) differ" in out
    (row,) = load_rows()  # the history keeps one row per answer: the checked result
    assert row["key"] == prov.key and row["overall"] == a["result"]["overall"]


def test_a_failed_check_keeps_the_live_result(tmp_path):
    from voicecoach.asr.transcribe import get_transcriber

    q = _q()
    s = _session(tmp_path, None)  # the recording is missing: the decode fails
    live = score_text(q, "You split the data into k folds.", RULES)
    s.update_answer(1, status="scored", result=live.to_dict())
    check = Check(get_transcriber, q, s.folder / "a1.wav", RULES, live, time.monotonic())
    console = Console(record=True, width=200)
    Pending(check, 1, False).settle(s, console)
    a = json.loads((s.folder / "session.json").read_text())["answers"][0]
    assert a["result"] == live.to_dict()
    assert "a1.wav" in a["check"]["error"]
    # the console wraps long lines, and where depends on the temporary path's length
    assert "the live result is kept" in " ".join(console.export_text().split())
