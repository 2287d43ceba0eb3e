"""`voicecoach practice` driven from a real terminal (a pseudo-terminal): the keys while
recording (r redo, Enter stop) and after feedback (m model answer, the whole-recording check's
line, q quit), with a real-time virtual microphone (private PulseAudio null sink; see
tests/audio_rig.py)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import audio_rig
import numpy as np
import pytest
import soundfile as sf

pytestmark = pytest.mark.audio

TEXT = "Stratified k-fold keeps the class balance in every fold."


def _answers(root: Path) -> list[dict]:
    files = list(root.glob("*/session.json"))
    return json.loads(files[0].read_text())["answers"] if files else []


def _wait(cond, timeout: float = 30.0) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_keys_redo_stop_model_answer_quit(pulse_rig, tmp_path):
    pytest.importorskip("piper")
    wav = tmp_path / "a.wav"
    lead = np.zeros(8000, np.float32)  # half a second before speaking
    sf.write(wav, np.concatenate([lead, audio_rig.render_piper_16k(TEXT)]), 16000)
    root = tmp_path / "sessions"
    cmd = [sys.executable, "-m", "voicecoach", "practice", "-q", "cross-validation"]
    cmd += ["--no-speak", "-i", "vpulse", "--no-auto-stop", "--sessions-dir", str(root)]
    with audio_rig.Terminal(cmd, pulse_rig.env()) as t:
        try:
            _wait(lambda: len(_answers(root)) == 1)
            time.sleep(1.0)
            t.press(b"r")  # redo: the first take is discarded, recording restarts
            t.wait_for(b"Discarded", 30)
            _wait(lambda: len(_answers(root)) == 1 and _answers(root)[0]["status"] == "recording")
            pulse_rig.play(wav).wait()
            time.sleep(0.5)
            t.press(b"\r")  # Enter: stop and score
            t.wait_for(b"model answer", 60)
            t.press(b"m")
            t.wait_for(b"Model answer:", 30)
            # the whole-recording check reports on screen while the menu waits for a key
            t.wait_for(b"Checked against the whole recording", 60)
            t.press(b"q")
            assert t.proc.wait(60) == 0, t.text(2000)
        except AssertionError as e:  # say what the screen showed when a step timed out
            raise AssertionError(f"{e}: {t.text()}") from None
    (a,) = _answers(root)
    assert a["status"] == "scored" and a["stop_reason"] == "stop"
    assert "class balance" in a["result"]["transcript"].lower()
    assert a["result"]["asr"]["mode"].startswith("whole") and "live" in a["check"]
    assert len(list(root.glob("*/*.flac"))) == 1  # the redone take was removed
    assert b"Session summary" in t.screen
