"""`voicecoach practice` end to end through the real audio stack.

The CLI runs in a subprocess whose ALSA configuration points at virtual devices
(tests/audio_rig.py): `vcin` plays a known recording as the microphone and `vcout` captures
what the speech engine said; for real-time pacing, a private PulseAudio null sink. Only the
physical microphone and speaker are replaced: sounddevice, PortAudio, ALSA, espeak-ng and the
Whisper model are real.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import audio_rig
import numpy as np
import pytest
import soundfile as sf

pytestmark = pytest.mark.audio

VC = [sys.executable, "-m", "voicecoach"]
CV_TEXT = (
    "Cross-validation estimates how a model does on unseen data. With stratified "
    "k-fold, the data is split into k folds that keep the class balance."
)


@pytest.fixture(scope="module")
def cv_speech() -> np.ndarray:
    pytest.importorskip("piper")
    return audio_rig.render_piper_16k(CV_TEXT)


def _session(root: Path) -> tuple[Path, dict]:
    (f,) = list(root.glob("*/session.json"))
    return f.parent, json.loads(f.read_text())


def _transcribe(samples: np.ndarray) -> str:
    from voicecoach.asr.transcribe import get_transcriber

    return get_transcriber().transcribe(samples.astype(np.float32)).text.lower()


def test_scripted_session_speaks_records_and_scores(alsa_rig, cv_speech, tmp_path):
    silence = np.zeros(16000, np.float32)
    alsa_rig.set_input(np.concatenate([silence, cv_speech, silence, silence, silence]))
    root = tmp_path / "sessions"
    p = subprocess.run(
        [
            *VC,
            "practice",
            "-q",
            "cross-validation",
            "--yes",
            "-i",
            "vcin",
            "-o",
            "vcout",
            "--auto-stop",
            "1.5",
            "--sessions-dir",
            str(root),
        ],
        env=alsa_rig.env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert p.returncode == 0, p.stderr + p.stdout
    folder, s = _session(root)
    assert s["status"] == "finished" and s["timing"]["first_question_s"] > 0
    (a,) = s["answers"]
    assert a["status"] == "scored" and a["stop_reason"] == "silence"
    r = a["result"]
    heard = r["transcript"].lower()
    assert "stratified" in heard and "fold" in heard
    covered = {p["id"] for p in r["coverage"]["points"] if p["covered"]}
    # "estimates how a model does on unseen data" makes the purpose point. (Not asserted:
    # stratified. The live pieces sometimes end a sentence after "with stratified k-fold.",
    # and the judge, reading one sentence at a time, then reads it as a bare mention.)
    assert "purpose" in covered, (heard, r["coverage"]["points"])
    assert a["timing"]["feedback_latency_s"] >= 0
    audio, rate = sf.read(folder / a["audio"])
    assert rate == 16000 and len(audio) > len(cv_speech)
    # after the feedback the recording was decoded whole, and that result was kept
    assert r["asr"]["mode"].startswith("whole") and a["check"]["checked_s"] > 0
    assert "Checked against the whole recording" in p.stdout
    # the question was really spoken: transcribe what the speech engine played
    played = alsa_rig.played().astype(np.float32) / 32768
    assert len(played) > 16000
    said = _transcribe(played)
    assert "cross" in said and "validation" in said, said
    assert "Session summary" in p.stdout and "Mean score" in p.stdout


def test_muted_microphone_is_one_line_and_leaves_nothing(alsa_rig, tmp_path):
    alsa_rig.set_input(np.zeros(16000 * 6, np.int16))  # digital silence
    root = tmp_path / "sessions"
    p = subprocess.run(
        [
            *VC,
            "practice",
            "-q",
            "k-means",
            "--yes",
            "--no-speak",
            "-i",
            "vcin",
            "--max-seconds",
            "5",
            "--sessions-dir",
            str(root),
        ],
        env=alsa_rig.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 2, p.stderr
    err = p.stderr.strip().splitlines()
    assert len(err) == 1 and "muted" in err[0] and "Traceback" not in p.stderr
    assert not list(root.glob("*/session.json"))


def test_unknown_input_device_is_one_line(alsa_rig, tmp_path):
    root = tmp_path / "sessions"
    p = subprocess.run(
        [*VC, "practice", "--yes", "-i", "no-such-mic", "--sessions-dir", str(root)],
        env=alsa_rig.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert p.returncode == 2
    assert len(p.stderr.strip().splitlines()) == 1 and "no-such-mic" in p.stderr
    assert not root.exists()


def test_auto_stop_and_ctrl_c_in_real_time(pulse_rig, cv_speech, tmp_path):
    """Real-time microphone: auto-stop after trailing silence; then Ctrl-C mid-answer keeps
    the partial recording and everything before it."""
    wav = tmp_path / "answer.wav"
    sf.write(wav, np.concatenate([cv_speech, np.zeros(16000 * 6, np.float32)]), 16000)
    root = tmp_path / "sessions"
    env = pulse_rig.env()
    cmd = [
        *VC,
        "practice",
        "-q",
        "cross-validation",
        "-q",
        "k-means",
        "--yes",
        "--no-speak",
        "-i",
        "vpulse",
        "--auto-stop",
        "1.5",
        "--sessions-dir",
        str(root),
    ]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # first answer: speech then silence -> auto-stop
    time.sleep(1.0)
    pulse_rig.play(wav)
    deadline = time.time() + 60
    while time.time() < deadline:
        files = list(root.glob("*/session.json"))
        if files and len(json.loads(files[0].read_text())["answers"]) >= 2:
            break
        time.sleep(0.2)
    # second answer is recording now: talk for a while, then press Ctrl-C
    pulse_rig.play(wav)
    time.sleep(3.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    folder, s = _session(root)
    first, second = s["answers"]
    assert first["status"] == "scored" and first["stop_reason"] == "silence"
    speech_s = len(cv_speech) / 16000
    assert speech_s < first["timing"]["recorded_s"] < speech_s + 1.5 + 2.0
    assert "stratified" in first["result"]["transcript"].lower()
    assert second["status"] == "partial" and s["status"] == "interrupted"
    part, rate = sf.read(folder / second["audio"])
    assert len(part) / rate > 1.5
    assert str(folder) in (out + err).replace("\n", "")  # says where the recordings are


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare")
def test_practice_runs_without_network(alsa_rig, cv_speech, tmp_path):
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode:
        pytest.skip("unshare -n not permitted")
    alsa_rig.set_input(np.concatenate([cv_speech, np.zeros(16000 * 3, np.float32)]))
    root = tmp_path / "s"
    p = subprocess.run(
        [
            "unshare",
            "-n",
            *VC,
            "practice",
            "-q",
            "cross-validation",
            "--yes",
            "--no-speak",
            "-i",
            "vcin",
            "--auto-stop",
            "1.5",
            "--sessions-dir",
            str(root),
        ],
        env=alsa_rig.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    _, s = _session(root)
    assert s["answers"][0]["result"]["transcript"]
