"""Issue 12 with the real speech stack: kills and closed terminals during practice, `q`
mid-answer, a full disk, the history's opt-out and rows, and cut-off recordings.

The microphone is the private PulseAudio rig (real time) or the ALSA file rig; a full disk is
a small tmpfs mounted for the test (root only; skipped elsewhere)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import audio_rig
import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from voicecoach.cli import main

pytestmark = pytest.mark.audio
VC = [sys.executable, "-m", "voicecoach"]
ROOT = Path(__file__).resolve().parents[1]
TEXT = (
    "Cross-validation estimates how a model does on unseen data. With stratified k-fold, "
    "the data is split into folds that keep the class balance."
)


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory) -> Path:
    pytest.importorskip("piper")
    wav = tmp_path_factory.mktemp("speech") / "answer.wav"
    x = audio_rig.render_piper_16k(TEXT)
    sf.write(wav, np.concatenate([x, x, x]), 16000)  # long enough to interrupt
    return wav


def _session(root: Path) -> tuple[Path, dict]:
    (f,) = list(root.glob("*/session.json"))
    return f.parent, json.loads(f.read_text())


def _wait_recording(root: Path, timeout: float = 60.0) -> None:
    end = time.time() + timeout
    while time.time() < end:
        files = list(root.glob("*/session.json"))
        if files:
            with contextlib.suppress(ValueError):
                answers = json.loads(files[0].read_text())["answers"]
                if answers and answers[-1]["status"] == "recording":
                    return
        time.sleep(0.1)
    raise AssertionError("practice never started recording")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_keep_the_answer_like_ctrl_c(pulse_rig, speech_wav, tmp_path, sig):
    root = tmp_path / "sessions"
    proc = subprocess.Popen(
        [
            *VC,
            "practice",
            "-q",
            "cross-validation",
            "--yes",
            "--no-speak",
            "-i",
            "vpulse",
            "--no-auto-stop",
            "--sessions-dir",
            str(root),
        ],
        env=pulse_rig.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_recording(root)
    player = pulse_rig.play(speech_wav)
    time.sleep(4.0)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    player.kill()
    assert proc.returncode == 130 and "Traceback" not in err, err
    folder, s = _session(root)
    (a,) = s["answers"]
    assert s["status"] == "interrupted" and a["status"] == "partial"
    assert a["stop_reason"] == "interrupt" and a["result"] is None
    audio, rate = sf.read(folder / a["audio"])  # a finished, readable FLAC
    assert rate == 16000 and len(audio) / rate > 2.0


def test_q_while_recording_is_a_partial_answer_not_a_score(pulse_rig, speech_wav, tmp_path):
    root = tmp_path / "sessions"
    cmd = [*VC, "practice", "-q", "cross-validation", "-q", "k-means", "--no-speak"]
    cmd += ["-i", "vpulse", "--no-auto-stop", "--sessions-dir", str(root)]
    with audio_rig.Terminal(cmd, pulse_rig.env()) as t:
        _wait_recording(root)
        player = pulse_rig.play(speech_wav)
        time.sleep(4.0)
        t.press(b"q")
        assert t.proc.wait(60) == 0, t.text()
        player.kill()
    folder, s = _session(root)
    (a,) = s["answers"]  # the session ended: k-means was never asked
    assert a["status"] == "partial" and a["stop_reason"] == "quit" and a["result"] is None
    assert b"not scored" in t.screen
    hist = Path(os.environ["VOICECOACH_HOME"]) / "history.sqlite"
    if hist.exists():
        con = sqlite3.connect(str(hist))
        assert con.execute("SELECT count(*) FROM answers").fetchone()[0] == 0


@pytest.fixture
def tiny_disk(tmp_path):
    """A 1.5 MB filesystem, as a full disk to write on (root only)."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1536k", "tmpfs", str(mnt)], capture_output=True
        ).returncode
    ):
        pytest.skip("mounting a small tmpfs needs root")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _fill(path: Path, leave: int) -> None:
    free = shutil.disk_usage(path).free
    with open(path / "ballast", "wb") as fh:
        fh.write(b"\0" * max(0, free - leave))


def test_practice_on_a_full_disk_keeps_the_answer_and_its_score(pulse_rig, speech_wav, tiny_disk):
    root = tiny_disk / "sessions"
    cmd = [*VC, "practice", "-q", "cross-validation", "-q", "k-means", "--yes", "--no-speak"]
    cmd += ["-i", "vpulse", "--auto-stop", "2", "--sessions-dir", str(root)]
    proc = subprocess.Popen(
        cmd, env=pulse_rig.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    _wait_recording(root)
    _fill(tiny_disk, 60_000)  # room for a few seconds of FLAC, then the disk is full
    player = pulse_rig.play(speech_wav)
    out, err = proc.communicate(timeout=120)
    player.kill()
    assert proc.returncode == 0 and "Traceback" not in err, err
    assert "disk is full" in out
    folder, s = _session(root)
    a = s["answers"][0]
    assert a["status"] == "scored" and a["result"]["overall"] >= 0  # the score survived
    assert len(s["answers"]) == 1  # practice stopped instead of recording into a full disk
    audio, rate = sf.read(folder / a["audio"])  # what was recorded is readable
    assert len(audio) / rate > 1.0


def test_batch_on_a_full_disk_is_one_line_exit_2(tiny_disk):
    out = tiny_disk / "out"
    _fill(tiny_disk, 20_000)
    r = subprocess.run(
        [*VC, "batch", str(ROOT / "samples" / "audio"), "-q", "cross-validation"]
        + ["--out", str(out), "--no-history", "-j", "1"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and "disk is full" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    # nothing half-written: every item file that exists is whole JSON
    for f in (out / "items").glob("*.json") if (out / "items").is_dir() else []:
        json.loads(f.read_text())


def _history_rows(home: Path) -> list[tuple[str, str]]:
    db = home / "history.sqlite"
    if not db.exists():
        return []
    con = sqlite3.connect(str(db))
    try:
        return con.execute("SELECT source, audio_path FROM answers ORDER BY audio_path").fetchall()
    finally:
        con.close()


def test_history_is_explicit_absolute_and_one_row_per_input(tmp_path, monkeypatch):
    home = tmp_path / "home"
    monkeypatch.setenv("VOICECOACH_HOME", str(home))
    src = ROOT / "samples" / "audio" / "pp-strong-pause_115.flac"
    d = tmp_path / "two"
    d.mkdir()
    (d / "a.flac").write_bytes(src.read_bytes())
    (d / "b.flac").write_bytes(src.read_bytes())  # same content, another input
    monkeypatch.chdir(d)
    r = CliRunner().invoke(main, ["score", "a.flac", "-q", "past-project", "--no-history"])
    assert r.exit_code == 0, r.output
    assert _history_rows(home) == []  # --no-history: nothing stored
    r = CliRunner().invoke(main, ["score", "a.flac", "-q", "past-project", "--json"])
    assert r.exit_code == 0, r.output
    assert _history_rows(home) == [("score", str(d / "a.flac"))]  # default on, absolute path
    r = CliRunner().invoke(main, ["score-text", "-q", "k-means"], input="K-means clusters.")
    assert r.exit_code == 0, r.output
    assert len(_history_rows(home)) == 1  # score-text: off by default
    r = CliRunner().invoke(
        main, ["batch", str(d), "-q", "past-project", "--out", str(tmp_path / "out"), "-j", "1"]
    )
    assert r.exit_code == 0, r.output
    rows = _history_rows(home)
    batch = sorted(p for s, p in rows if s == "batch")
    assert batch == [str(d / "a.flac"), str(d / "b.flac")]  # one row per input


def test_an_answer_missed_while_the_history_was_locked_is_added_later(tmp_path, monkeypatch):
    from voicecoach.history import db

    home = tmp_path / "home"
    monkeypatch.setenv("VOICECOACH_HOME", str(home))
    monkeypatch.setattr(db, "BUSY_TIMEOUT_S", 0.2)
    r = CliRunner().invoke(main, ["score-text", "-q", "k-means", "--history"], input="Hi.")
    assert r.exit_code == 0, r.output  # the database now exists
    lock = sqlite3.connect(str(home / "history.sqlite"), isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")  # another program holds the history
    try:
        r = CliRunner().invoke(
            main,
            ["score-text", "-q", "k-means", "--history"],
            input="K-means assigns each point to the nearest centroid.",
        )
        assert r.exit_code == 0, r.output
        assert "locked" in r.stderr and "will be added the next time" in r.stderr
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert (home / "history-pending.jsonl").exists()
    r = CliRunner().invoke(main, ["history", "--json"])  # opening the history adds it
    assert r.exit_code == 0, r.output
    assert not (home / "history-pending.jsonl").exists()
    con = sqlite3.connect(str(home / "history.sqlite"))
    assert con.execute("SELECT count(*) FROM answers").fetchone()[0] == 2


def test_a_history_on_a_full_disk_says_so_and_rebuild_keeps_the_damaged_file(
    tiny_disk, monkeypatch
):
    from voicecoach.history.db import HistoryError
    from voicecoach.history.record import record_answer

    home = tiny_disk / "home"
    monkeypatch.setenv("VOICECOACH_HOME", str(home))
    home.mkdir()
    result = json.loads(
        CliRunner()
        .invoke(
            main,
            ["score-text", "-q", "k-means", "--json"],
            input="K-means assigns each point to the nearest centroid.",
        )
        .stdout
    )
    record_answer(result, "score", "a", "2026-11-01")
    _fill(tiny_disk, 0)
    with pytest.raises(HistoryError) as e:
        record_answer(dict(result, transcript="x" * 300_000), "score", "b", "2026-11-02")
    assert "disk is full" in str(e.value) and "damaged" not in str(e.value)
    (tiny_disk / "ballast").unlink()
    (home / "history.sqlite").write_bytes(b"not a database" * 100)
    r = CliRunner().invoke(main, ["history", "--rebuild"])
    assert r.exit_code == 0, r.output
    assert "kept as" in r.stderr and "--rebuild" not in r.stderr
    assert list(home.glob("history.sqlite.damaged-*"))


def test_a_cut_off_recording_is_scored_with_a_warning(tmp_path):
    src = ROOT / "samples/audio/pp-strong-pause_115.flac"
    cut = tmp_path / "cut.flac"
    cut.write_bytes(src.read_bytes()[:20_000])
    r = CliRunner().invoke(
        main, ["score", str(cut), "-q", "past-project", "--json", "--no-history"]
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert any("cut off" in w for w in d["warnings"]), d["warnings"]


def test_practice_says_which_attempt_and_acknowledges_a_skip(pulse_rig, speech_wav, tmp_path):
    short = tmp_path / "short.wav"
    x, rate = sf.read(speech_wav, dtype="float32")
    sf.write(short, x[: len(x) // 3], rate)
    root = tmp_path / "sessions"
    cmd = [*VC, "practice", "-q", "cross-validation", "-q", "k-means", "--no-speak"]
    cmd += ["-i", "vpulse", "--auto-stop", "1.5", "--sessions-dir", str(root)]
    with audio_rig.Terminal(cmd, pulse_rig.env()) as t:
        _wait_recording(root)
        pulse_rig.play(short)
        t.wait_for(b"try again")
        t.press(b"a")
        t.wait_for(b"Attempt 2")
        _wait_recording(root)
        t.press(b"s")
        t.wait_for(b"Skipped")
        _wait_recording(root)
        t.press(b"q")
        assert t.proc.wait(60) == 0
    _, s = _session(root)
    assert [(a["question_id"], a["attempt"], a["status"]) for a in s["answers"]] == [
        ("cross-validation", 1, "scored"),
        ("cross-validation", 2, "skipped"),
        ("k-means", 1, "partial"),
    ]


def test_alsa_diagnostics_are_silenced_once_sounddevice_loads():
    from voicecoach.sound import devices

    devices.import_sounddevice()
    assert devices._alsa_handler not in (None, False)  # ALSA's own prints go nowhere
