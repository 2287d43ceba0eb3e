"""Record now, score later: `practice --record-only` through the real audio stack (the ALSA
rig's virtual microphone plays a real recording; tests/audio_rig.py), then `batch SESSION`
scores it with the real model, here and on a real Dask cluster, and the session reviews and
enters the history like one scored while practising."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

pytestmark = pytest.mark.audio

ROOT = Path(__file__).resolve().parents[1]
VC = [sys.executable, "-m", "voicecoach"]


def _record_session(alsa_rig, root: Path) -> tuple[Path, dict]:
    speech, rate = sf.read(ROOT / "tests/fixtures/audio/filler.flac", dtype="float32")
    assert rate == 16000
    silence = np.zeros(16000, np.float32)
    alsa_rig.set_input(np.concatenate([silence, speech, silence, silence, silence]))
    p = subprocess.run(
        [
            *VC,
            "practice",
            "-q",
            "cross-validation",
            "--record-only",
            "--yes",
            "--no-speak",
            "-i",
            "vcin",
            "--auto-stop",
            "1.5",
            "--sessions-dir",
            str(root),
        ],
        env=alsa_rig.env() | {"COLUMNS": "300"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert p.returncode == 0, p.stderr + p.stdout
    assert "not scored yet" in p.stdout and "voicecoach batch" in p.stdout
    (f,) = list(root.glob("*/session.json"))
    return f.parent, json.loads(f.read_text())


def _history(home: Path) -> list[dict]:
    con = sqlite3.connect(str(home / "history.sqlite"))
    con.row_factory = sqlite3.Row
    return [dict(r) for r in con.execute("SELECT * FROM answers")]


def _score_later(folder: Path, *extra: str) -> dict:
    r = subprocess.run([*VC, "batch", str(folder), *extra], capture_output=True, text=True)
    assert r.returncode == 0 and "1 scored" in r.stderr, r.stderr
    s = json.loads((folder / "session.json").read_text())
    (a,) = s["answers"]
    assert a["status"] == "scored" and a["error"] is None
    assert "stratified" in a["result"]["transcript"].lower()
    assert (folder / "scoring" / "results.jsonl").is_file()  # the batch files, to resume
    again = subprocess.run([*VC, "batch", str(folder), *extra], capture_output=True, text=True)
    assert again.returncode == 2 and "no answers waiting" in again.stderr
    return a


@pytest.mark.slow
def test_record_only_then_score_later_then_review_and_history(alsa_rig, tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("VOICECOACH_HOME", str(home))
    folder, s = _record_session(alsa_rig, tmp_path / "sessions")
    (a,) = s["answers"]
    assert a["status"] == "recorded" and a["result"] is None and a["stop_reason"] == "silence"
    audio, rate = sf.read(folder / a["audio"])
    assert rate == 16000 and len(audio) > 16000 * 4
    assert not (home / "history.sqlite").exists() or not _history(home)
    _score_later(folder)
    (row,) = _history(home)
    assert row["source"] == "practice" and row["session_id"] == s["id"]
    assert row["audio_path"] == str(folder / a["audio"])
    r = subprocess.run([*VC, "review", str(folder)], capture_output=True, text=True)
    assert r.returncode == 0 and "stratified" in r.stdout.lower(), r.stderr


@pytest.mark.slow
def test_a_recorded_session_is_scored_on_a_cluster(alsa_rig, tmp_path):
    pytest.importorskip("distributed", reason="pip install 'voicecoach[cluster]'")
    from test_batch_cluster import DaskRig

    folder, _ = _record_session(alsa_rig, tmp_path / "sessions")
    rig = DaskRig(tmp_path / "dask", workers=1)
    try:
        a = _score_later(folder, "--cluster", rig.address, "--cluster-audio", "bytes")
    finally:
        rig.stop()
    assert a["result"]["audio_path"] == str(folder / a["audio"])
