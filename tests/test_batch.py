"""`voicecoach batch` with real audio through the real model: outputs, errors, resume,
Ctrl-C, and no network."""

from __future__ import annotations

import csv
import json
import os
import pty
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicecoach.cli import main

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


@pytest.mark.audio
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


@pytest.mark.audio
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


def _unique_copies(d: Path, n: int) -> Path:
    d.mkdir()
    for i in range(n):
        shutil.copy(FIX / "filler.flac", d / f"f{i}.flac")
        # make each file's bytes unique, so every one is a separate input
        with open(d / f"f{i}.flac", "ab") as fh:
            fh.write(bytes([i]))
    return d


def _items(out: Path) -> int:
    return len(list((out / "items").glob("*.json"))) if (out / "items").is_dir() else 0


def descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (Linux /proc)."""
    found, todo = set(), [pid]
    while todo:
        q = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{q}/task")
        except OSError:
            continue
        for t in tasks:
            try:
                kids = {int(c) for c in Path(f"/proc/{q}/task/{t}/children").read_text().split()}
            except OSError:
                continue
            todo += kids - found
            found |= kids
    return found


def alive(pids: set[int]) -> set[int]:
    """The ``pids`` still running (zombies count as gone)."""
    out = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.add(pid)
    return out


@pytest.mark.audio
@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_batch_interrupt_keeps_results_stops_workers_and_refuses_a_second_run(
    tmp_path: Path, sig: signal.Signals
) -> None:
    """Ctrl-C (with a progress bar on a terminal: the forkserver pool) and SIGTERM (no
    terminal: the fork pool) stop the workers at once, keep what is finished, print one
    line and no traceback or "leaked semaphore" warning, and leave no process behind. A
    second run into the same --out meanwhile is refused with one line."""
    d = _unique_copies(tmp_path / "many", 16)
    out = tmp_path / "out"
    cmd = [*VC, "batch", str(d), "-q", "cross-validation", "--out", str(out), "-j", "2"]
    tty = sig == signal.SIGINT
    if tty:
        master, slave = pty.openpty()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
        os.close(slave)
        chunks: list[bytes] = []
        reader = threading.Thread(target=_drain, args=(master, chunks), daemon=True)
        reader.start()
    else:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline and _items(out) < 2:
        time.sleep(0.1)
    workers = descendants(p.pid)
    assert len(workers) >= 2, workers  # the pool really runs
    second = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert second.returncode == 2 and "in use by another batch run" in second.stderr
    assert f"pid {p.pid}" in second.stderr and len(second.stderr.strip().splitlines()) == 1
    p.send_signal(sig)
    if tty:
        p.wait(timeout=60)
        reader.join(timeout=10)
        err = b"".join(chunks).decode(errors="replace")
    else:
        _, err = p.communicate(timeout=60)
    assert p.returncode == (130 if tty else 143), err
    assert "Traceback" not in err and "resume" in err and "leaked" not in err, err
    time.sleep(0.5)
    assert not alive(workers), "worker processes left behind"
    done = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert 2 <= len(done) < 16 and all(x["error"] is None for x in done)
    assert len(done) == _items(out)  # the aggregates hold every finished item
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert f"{len(done)} already done" in r.stderr
    assert len((out / "results.jsonl").read_text().splitlines()) == 16


def _drain(fd: int, chunks: list[bytes]) -> None:
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:
            return
        if not data:
            return
        chunks.append(data)


@pytest.mark.audio
def test_runs_one_after_the_other_into_one_out_keep_every_result(
    folder: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    first = _manifest(folder, [("a.flac", "cross-validation")])
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(FIX / "speech.mp3", other / "b.mp3")
    second = _manifest(other, [("b.mp3", "precision-recall-f1")])
    for m in (first, second):
        r = CliRunner().invoke(
            main, ["batch", "--manifest", str(m), "--out", str(out), "-j", "1", "--no-history"]
        )
        assert r.exit_code == 0 and "1 scored" in r.output, r.output
    rows = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert [(x["audio"], x["question_id"]) for x in rows] == [
        ("a.flac", "cross-validation"),
        ("b.mp3", "precision-recall-f1"),
    ]
    assert len(list(csv.DictReader((out / "summary.csv").open()))) == 2
    html = (out / "index.html").read_text()
    assert "a.flac" in html and "b.mp3" in html
    # the first manifest again: nothing to do, and nothing of the second run is dropped
    r = CliRunner().invoke(main, ["batch", "--manifest", str(first), "--out", str(out)])
    assert "0 scored, 1 already done" in r.output
    assert len((out / "results.jsonl").read_text().splitlines()) == 2


@pytest.mark.audio
def test_silent_and_failed_files_are_told_apart_in_index_html(folder: Path, tmp_path: Path) -> None:
    import numpy as np
    import soundfile as sf

    sf.write(str(folder / "silent.wav"), np.zeros(16000 * 3, np.float32), 16000)
    out = tmp_path / "out"
    r = CliRunner().invoke(
        main,
        ["batch", str(folder), "-q", "cross-validation", "--out", str(out), "-j", "1"],
    )
    assert r.exit_code == 1, r.output  # broken.wav
    html = (out / "index.html").read_text()
    scored, unscored = html.split('<tbody class="unscored">')
    assert "a.flac" in scored.split("</thead>")[1] and "silent.wav" not in scored
    assert "silent.wav" in unscored and "no speech" in unscored and "broken.wav" in unscored
    assert str(folder) not in html.split("<section")[0]  # relative names in the table
    assert '<audio controls preload="none" src="../in/a.flac">' in html


@pytest.mark.audio
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


@pytest.mark.audio
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


# ---------------------------------------------------------------- fast: no speech model


def _text_row(question_id: str, text: str, audio: str):
    """A real scored row from typed text (the rules only: no model to load)."""
    from voicecoach.answer import score_text
    from voicecoach.banks import find_question
    from voicecoach.scoring.score import Settings

    _, q = find_question(question_id)
    r = score_text(q, text, Settings(judge=False))
    r.audio = audio
    return r


def test_a_fifo_on_the_command_line_is_refused_with_one_line_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo.wav"
    os.mkfifo(fifo)
    out = tmp_path / "out"
    r = subprocess.run(
        [*VC, "batch", str(fifo), "-q", "cross-validation", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and "named pipe" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not out.exists()


def test_a_fifo_in_a_manifest_is_an_error_row_not_a_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.wav")
    m = _manifest(tmp_path, [("fifo.wav", "cross-validation")])
    out = tmp_path / "out"
    r = subprocess.run(
        [*VC, "batch", "--manifest", str(m), "--out", str(out), "-j", "1", "--no-history"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 1, r.stderr
    (row,) = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert "named pipe" in row["error"] and row["audio"] == "fifo.wav"


def test_an_unknown_question_fails_before_any_work(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = CliRunner().invoke(
        main, ["batch", str(FIX / "speech.wav"), "-q", "bias-varianse", "--out", str(out)]
    )
    assert r.exit_code == 2 and "bias-varianse" in r.output and "bias-variance" in r.output
    assert len(r.output.strip().splitlines()) == 1 and not out.exists()


def test_out_is_required_except_for_one_session(tmp_path: Path) -> None:
    r = CliRunner().invoke(main, ["batch", str(FIX / "speech.wav"), "-q", "bias-variance"])
    assert r.exit_code == 2 and "--out" in r.output and len(r.output.strip().splitlines()) == 1


def test_a_busy_out_folder_is_refused_naming_the_other_run(tmp_path: Path) -> None:
    """The lock is the real flock, held here by this process as a running batch would."""
    from voicecoach.batch.lock import OutFolderBusy, OutLock

    out = tmp_path / "out"
    out.mkdir()
    with OutLock(out), pytest.raises(OutFolderBusy) as e, OutLock(out):
        pass
    assert f"pid {os.getpid()}" in str(e.value)
    with OutLock(out):  # released when the first run ends
        pass


def test_aggregates_are_written_from_memory_at_a_bounded_rate(tmp_path: Path) -> None:
    from voicecoach.batch.aggregate import Aggregates, Listed
    from voicecoach.batch.output import write_item

    out = tmp_path / "out"
    (out / "items").mkdir(parents=True)
    files = [tmp_path / f"a{i}.wav" for i in range(3)]
    listed = [Listed(f.name, str(f), "bias-variance", None, f"k{i}") for i, f in enumerate(files)]
    agg = Aggregates.open(out, listed, refresh_s=3600)
    row = _text_row("bias-variance", "High bias means underfitting.", "a0")
    write_item(out, "k0", row)
    agg.update("k0", row)
    agg.write()
    first = (out / "results.jsonl").read_text()
    for f in (out / "items").iterdir():
        f.unlink()  # the aggregates never read item files again
    agg.update("k1", _text_row("bias-variance", "Variance is overfitting.", "a1"))
    agg.maybe_write()  # too soon after the last write: nothing written
    assert (out / "results.jsonl").read_text() == first
    agg.write()
    rows = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert [x["audio"] for x in rows] == ["a0.wav", "a1.wav"]
    assert [x["audio_path"] for x in rows] == [str(files[0]), str(files[1])]
    assert len((out / "summary.csv").read_text().splitlines()) == 3


def test_inputs_sharing_one_result_are_one_row_each_and_old_folders_still_load(
    tmp_path: Path,
) -> None:
    from voicecoach.batch.aggregate import INDEX, Aggregates, Listed
    from voicecoach.batch.output import write_item
    from voicecoach.batch.rows import Failed

    out = tmp_path / "out"
    (out / "items").mkdir(parents=True)
    old = _text_row("bias-variance", "High bias means underfitting.", "old.wav")
    old.audio_path = str(tmp_path / "old.wav")
    write_item(out, "k-old", old)  # a folder from before inputs.jsonl: only items/
    same = [tmp_path / "x.wav", tmp_path / "y.wav"]
    listed = [Listed(f.name, str(f), "bias-variance", None, "k-same") for f in same]
    listed.append(Listed("gone.wav", str(tmp_path / "gone.wav"), "bias-variance", None, "k-gone"))
    agg = Aggregates.open(out, listed)
    agg.update("k-same", _text_row("bias-variance", "Variance is overfitting.", "x.wav"))
    agg.update("k-gone", Failed("gone.wav", "bias-variance", "gone.wav: no such file"))
    agg.write()
    rows = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert [x["audio"] for x in rows] == ["old.wav", "x.wav", "y.wav", "gone.wav"]
    assert rows[1]["transcript"] == rows[2]["transcript"] and rows[3]["error"]
    assert len((out / INDEX).read_text().splitlines()) == 4
    html = (out / "index.html").read_text()
    table = html.split("<section")[0]
    assert str(tmp_path) not in table  # names relative to the inputs' folder
    assert table.index("y.wav") < table.index('<tbody class="unscored">') < table.index("gone")
