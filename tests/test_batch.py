"""`voicecoach batch` with real audio through the real model: outputs, errors, resume,
Ctrl-C, and no network."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicecoach.cli import main

pytestmark = pytest.mark.audio

FIX = Path(__file__).parent / "fixtures" / "audio"
VC = [sys.executable, "-m", "voicecoach"]


def _manifest(tmp: Path, rows: list[tuple[str, str]]) -> Path:
    m = tmp / "answers.csv"
    with m.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["audio", "question"])
        w.writerows(rows)
    return m


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(FIX / "filler.flac", d / "a.flac")
    shutil.copy(FIX / "speech.mp3", d / "b.mp3")
    (d / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" + os.urandom(300))
    return d


def test_batch_outputs_and_errors(folder: Path, tmp_path: Path) -> None:
    m = _manifest(
        folder,
        [
            ("a.flac", "cross-validation"),
            ("b.mp3", "precision-recall-f1"),
            ("broken.wav", "bias-variance"),
            ("gone.wav", "bias-variance"),
            ("a.flac", "no-such-question"),
        ],
    )
    out = tmp_path / "out"
    r = CliRunner().invoke(
        main, ["batch", "--manifest", str(m), "--out", str(out), "--workers", "1"]
    )
    assert r.exit_code == 1, r.output
    rows = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert [x["audio"] for x in rows] == ["a.flac", "b.mp3", "broken.wav", "gone.wav", "a.flac"]
    ok, ok2, broken, gone, unknown = rows
    assert ok["error"] is None and ok["question_id"] == "cross-validation"
    assert "stratified" in ok["transcript"].lower()
    assert ok["fillers"]["count"] >= 1 and ok["delivery"]["wpm"] > 0
    assert ok2["error"] is None
    assert broken["error"] and "broken.wav" in broken["error"]
    assert "no such file" in gone["error"]
    assert "unknown question id" in unknown["error"]
    table = list(csv.DictReader((out / "summary.csv").open()))
    assert len(table) == 5 and table[0]["overall"] == str(ok["overall"])
    assert table[2]["error"]
    html = (out / "index.html").read_text()
    assert 'href="#item-1"' in html and "<script>" in html
    assert not list(out.rglob("*.tmp"))


def test_batch_resume_skips_done_and_force_redoes(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [
        "batch",
        str(folder / "a.flac"),
        "-q",
        "cross-validation",
        "--out",
        str(out),
        "--workers",
        "1",
    ]
    r1 = CliRunner().invoke(main, args)
    assert r1.exit_code == 0 and "1 scored, 0 already done" in r1.output
    first = (out / "results.jsonl").read_text()
    r2 = CliRunner().invoke(main, args)
    assert "0 scored, 1 already done" in r2.output
    assert (out / "results.jsonl").read_text() == first
    r3 = CliRunner().invoke(main, [*args, "--force"])
    assert "1 scored, 0 already done" in r3.output


def test_batch_ctrl_c_keeps_finished_results(folder: Path, tmp_path: Path) -> None:
    d = tmp_path / "many"
    d.mkdir()
    for i in range(16):
        shutil.copy(FIX / "filler.flac", d / f"f{i}.flac")
        # make each file's bytes unique, so every one is a separate input
        with open(d / f"f{i}.flac", "ab") as fh:
            fh.write(bytes([i]))
    out = tmp_path / "out"
    cmd = [*VC, "batch", str(d), "-q", "cross-validation", "--out", str(out), "-j", "2"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while (
        time.time() < deadline
        and len(list((out / "items").glob("*.json")) if (out / "items").is_dir() else []) < 2
    ):
        time.sleep(0.1)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert "Traceback" not in err and "resume" in err
    done = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert 2 <= len(done) < 16 and all(x["error"] is None for x in done)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert f"{len(done)} already done" in r.stderr
    assert len((out / "results.jsonl").read_text().splitlines()) == 16


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux)")
def test_batch_runs_without_network(folder: Path, tmp_path: Path) -> None:
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("unshare -n not permitted here")
    out = tmp_path / "out"
    r = subprocess.run(
        [
            "unshare",
            "-n",
            *VC,
            "batch",
            str(folder / "a.flac"),
            "-q",
            "cross-validation",
            "--out",
            str(out),
            "-j",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "0"},
    )
    assert r.returncode == 0, r.stderr
    row = json.loads((out / "results.jsonl").read_text())
    assert row["error"] is None and row["transcript"]


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs unshare (util-linux)")
def test_score_and_transcribe_run_without_network(tmp_path: Path) -> None:
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode:
        pytest.skip("unshare -n not permitted here")
    r = subprocess.run(
        [
            "unshare",
            "-n",
            *VC,
            "score",
            str(FIX / "filler.flac"),
            "-q",
            "cross-validation",
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 0, r.stderr
    d = json.loads(r.stdout)
    assert "stratified" in d["transcript"].lower() and d["delivery"]["wpm"]
    assert d["fillers"]["items"][0]["start"] is not None  # audio gives filler times
    r = subprocess.run(
        [
            "unshare",
            "-n",
            *VC,
            "score",
            str(FIX / "filler.flac"),
            "-q",
            "cross-validation",
            "--model",
            "small.en",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert r.returncode == 2 and "allow-download" in r.stderr  # never fetched silently
    assert len(r.stderr.strip().splitlines()) == 1
