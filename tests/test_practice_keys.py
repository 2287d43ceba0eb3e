"""`voicecoach practice` driven from a real terminal (a pseudo-terminal): the keys while
recording (r redo, Enter stop) and after feedback (m model answer, q quit), with a real-time
virtual microphone (private PulseAudio null sink; see tests/audio_rig.py)."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
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
    master, slave = pty.openpty()
    env = pulse_rig.env() | {"COLUMNS": "100", "LINES": "40", "TERM": "xterm"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "voicecoach",
            "practice",
            "-q",
            "cross-validation",
            "--no-speak",
            "-i",
            "vpulse",
            "--no-auto-stop",
            "--sessions-dir",
            str(root),
        ],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        close_fds=True,
    )
    os.close(slave)
    screen = bytearray()

    def reader() -> None:
        while True:
            try:
                data = os.read(master, 4096)
            except OSError:
                return
            if not data:
                return
            screen.extend(data)

    threading.Thread(target=reader, daemon=True).start()
    try:
        _wait(lambda: len(_answers(root)) == 1)
        time.sleep(1.0)
        os.write(master, b"r")  # redo: the first take is discarded, recording restarts
        _wait(lambda: b"Discarded" in screen)
        _wait(lambda: len(_answers(root)) == 1 and _answers(root)[0]["status"] == "recording")
        pulse_rig.play(wav).wait()
        time.sleep(0.5)
        os.write(master, b"\r")  # Enter: stop and score
        _wait(lambda: b"model answer" in screen, 60)
        os.write(master, b"m")
        _wait(lambda: b"Model answer:" in screen)
        os.write(master, b"q")
        assert proc.wait(60) == 0, screen.decode(errors="replace")[-2000:]
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    (a,) = _answers(root)
    assert a["status"] == "scored" and a["stop_reason"] == "stop"
    assert "class balance" in a["result"]["transcript"].lower()
    assert len(list(root.glob("*/*.flac"))) == 1  # the redone take was removed
    assert b"Session summary" in screen
