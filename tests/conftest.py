"""Shared pytest fixtures (keep small; add fixtures only)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import audio_rig  # noqa: E402

ANSWER_TEXT = (
    "I led the migration of our billing service to a new database. "
    "We tested every step and finished a week early."
)


@pytest.fixture(scope="session")
def answer_speech() -> np.ndarray:
    """A spoken answer (piper neural voice), float32 16 kHz mono; text in ANSWER_TEXT."""
    pytest.importorskip("piper", reason="piper-tts not installed (pip install 'voicecoach[voice]')")
    return audio_rig.render_piper_16k(ANSWER_TEXT)


@pytest.fixture(scope="session")
def answer_wav(answer_speech: np.ndarray, tmp_path_factory: pytest.TempPathFactory) -> Path:
    import soundfile as sf

    path = tmp_path_factory.mktemp("answer") / "answer.wav"
    sf.write(str(path), answer_speech, audio_rig.RATE, subtype="PCM_16")
    return path


@pytest.fixture(autouse=True)
def private_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Sessions and the history database of every test go to a temporary folder, never the
    user's data dir (subprocesses inherit it)."""
    monkeypatch.setenv("VOICECOACH_HOME", str(tmp_path_factory.mktemp("home")))


@pytest.fixture
def alsa_rig(tmp_path: Path) -> audio_rig.AlsaRig:
    """File-backed ALSA devices ``vcin`` (capture) and ``vcout`` (playback); use in subprocesses."""
    return audio_rig.AlsaRig(tmp_path / "alsa")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A failed test that used the PulseAudio rig gets the server's state and log attached."""
    report = yield
    rig = getattr(item, "funcargs", {}).get("pulse_rig")
    if report.failed and call.when == "call" and isinstance(rig, audio_rig.PulseRig):
        report.sections.append(("PulseAudio rig", rig.diagnose()))
    return report


@pytest.fixture(scope="session")
def pulse_rig(tmp_path_factory: pytest.TempPathFactory):
    """A private PulseAudio server with null sink ``vmic``: a real-time virtual microphone."""
    why = audio_rig.pulseaudio_available()
    if why:
        pytest.skip(f"PulseAudio rig unavailable: {why}")
    rig = audio_rig.PulseRig(tmp_path_factory.mktemp("pulse")).start()
    try:
        yield rig
    finally:
        rig.stop()
