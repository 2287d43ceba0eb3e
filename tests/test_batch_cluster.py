"""`voicecoach batch --cluster` on a real Dask cluster: a `dask scheduler` and `dask worker`
processes on 127.0.0.1 (nothing mocked), the real model on real audio.

Results must match a local batch (same rows, same keys, so a run resumes across modes),
whether the workers read the files by path or are sent their bytes; a worker killed with
SIGKILL mid-file loses nothing and duplicates nothing; what goes wrong reaches the user as one
line or an error row.
"""

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
from test_batch import _items, _manifest, _unique_copies, alive, descendants

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "audio"
VC = [sys.executable, "-m", "voicecoach"]
DASK = str(Path(sys.executable).with_name("dask"))


class DaskRig:
    """A real scheduler and ``workers`` real single-threaded workers on 127.0.0.1."""

    def __init__(self, folder: Path, workers: int = 2, nanny: bool = True) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.file = folder / "scheduler.json"
        self.log = (folder / "dask.log").open("w")
        self.procs: list[subprocess.Popen] = []
        self._start(
            "scheduler", "--host", "127.0.0.1", "--port", "0", "--scheduler-file", str(self.file)
        )
        deadline = time.time() + 60
        while not self.file.is_file() and time.time() < deadline:
            time.sleep(0.1)
        self.address = json.loads(self.file.read_text())["address"]
        self.add_workers(workers, nanny)

    def _start(self, *args: str) -> subprocess.Popen:
        p = subprocess.Popen(
            [DASK, *args, "--no-dashboard"], stdout=self.log, stderr=subprocess.STDOUT
        )
        self.procs.append(p)
        return p

    def add_workers(self, n: int, nanny: bool = True) -> None:
        self.workers = getattr(self, "workers", 0) + n
        for _ in range(n):
            self._start(
                "worker",
                self.address,
                "--nthreads",
                "1",
                "--host",
                "127.0.0.1",
                *([] if nanny else ["--no-nanny"]),
            )
        self.client().wait_for_workers(self.workers, timeout=120)

    def client(self):
        from distributed import Client

        if not hasattr(self, "_client"):
            self._client = Client(self.address, timeout=30, set_as_default=False)
        return self._client

    def worker_pids(self) -> dict[str, int]:
        return self.client().run(os.getpid)

    def stop(self) -> None:
        if hasattr(self, "_client"):
            self._client.close()
        for p in reversed(self.procs):
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        self.log.close()


@pytest.fixture(scope="module")
def dask_rig(tmp_path_factory: pytest.TempPathFactory):
    pytest.importorskip("distributed", reason="pip install 'voicecoach[cluster]'")
    rig = DaskRig(tmp_path_factory.mktemp("dask"))
    try:
        yield rig
    finally:
        rig.stop()


def _rows(out: Path) -> list[dict]:
    return [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]


def _batch(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*VC, "batch", *args, "--no-history"], capture_output=True, text=True, timeout=timeout
    )


def _same(row: dict) -> tuple:
    """What must agree between two runs of the same file."""
    if row["error"]:
        return (row["audio"], row["question_id"], "error")
    return (
        row["audio"],
        row["question_id"],
        row["transcript"],
        row["overall"],
        row["coverage"]["score"],
        row["fillers"]["count"],
        [f["category"] for f in row["red_flags"]],
        row["delivery"]["wpm"],
    )


@pytest.mark.audio
@pytest.mark.slow
def test_cluster_results_match_a_local_batch_by_path_and_by_bytes(dask_rig, tmp_path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(FIX / "filler.flac", src / "a.flac")
    shutil.copy(FIX / "speech.mp3", src / "b.mp3")
    shutil.copy(FIX / "speech.wav", src / "same-bytes-as-c.wav")
    shutil.copy(FIX / "speech.wav", src / "c.wav")
    (src / "broken.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEjunk" + os.urandom(300))
    m = _manifest(
        src,
        [
            ("a.flac", "cross-validation"),
            ("b.mp3", "precision-recall-f1"),
            ("c.wav", "precision-recall-f1"),
            ("same-bytes-as-c.wav", "precision-recall-f1"),
            ("broken.wav", "bias-variance"),
            ("gone.wav", "bias-variance"),
            ("a.flac", "no-such-question"),
        ],
    )
    local, paths, sent = tmp_path / "local", tmp_path / "paths", tmp_path / "bytes"
    r = _batch("--manifest", str(m), "--out", str(local), "-j", "2")
    assert r.returncode == 1, r.stderr
    for out, mode in ((paths, "paths"), (sent, "bytes")):
        r = _batch(
            "--manifest",
            str(m),
            "--out",
            str(out),
            "--cluster",
            dask_rig.address,
            "--cluster-audio",
            mode,
        )
        assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
        assert "4 scored, 0 already done, 3 failed" in r.stderr and dask_rig.address in r.stderr
        assert [_same(x) for x in _rows(out)] == [_same(x) for x in _rows(local)]
        # the same keys: a run resumes across local and cluster modes
        assert sorted(p.name for p in (out / "items").iterdir()) == sorted(
            p.name for p in (local / "items").iterdir()
        )
    rows = _rows(sent)
    assert "stratified" in rows[0]["transcript"].lower()
    assert rows[2]["audio_path"] == str(src / "c.wav")  # where it is here, not on a worker
    assert "broken.wav" in rows[4]["error"] and "no such file" in rows[5]["error"]
    assert "unknown question id" in rows[6]["error"]
    r = _batch("--manifest", str(m), "--out", str(paths), "-j", "1")  # local, over cluster's
    assert "0 scored, 4 already done, 3 failed" in r.stderr, r.stderr
    r = _batch("--manifest", str(m), "--out", str(local), "--cluster", dask_rig.address)
    assert "0 scored, 4 already done, 3 failed" in r.stderr, r.stderr


def _profiling(dask_worker) -> bool:
    return dask_worker.periodic_callbacks["profile"].is_running()


def _bank_text(digest: str) -> str | None:
    from voicecoach.batch.worker import _texts  # the worker's own, not a pickled copy

    return _texts.get(digest)


@pytest.mark.slow
def test_a_run_pauses_the_workers_profiler_and_starts_it_again(dask_rig) -> None:
    import cloudpickle

    from voicecoach.batch.cluster import RunPlugin

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import tests
    client = dask_rig.client()
    assert all(client.run(_profiling).values())  # Dask's default: on
    client.register_plugin(RunPlugin({"abc": "id = 'x'"}), name="vc-test-run")
    try:
        assert not any(client.run(_profiling).values())
        assert set(client.run(_bank_text, "abc").values()) == {"id = 'x'"}
    finally:
        client.unregister_worker_plugin("vc-test-run")
        assert all(client.run(_profiling).values())
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


@pytest.mark.audio
@pytest.mark.slow
def test_a_worker_killed_mid_file_loses_nothing_and_writes_nothing_twice(tmp_path) -> None:
    pytest.importorskip("distributed", reason="pip install 'voicecoach[cluster]'")
    rig = DaskRig(tmp_path / "dask", workers=2, nanny=False)  # a killed worker stays dead
    try:
        samples = ROOT / "samples"
        with (samples / "manifest.csv").open() as fh:
            rows = list(csv.DictReader(fh))[:8]
        m = _manifest(
            tmp_path, [(str(samples / r["audio"]), r["question"]) for r in rows]
        )  # absolute paths: the manifest lives elsewhere
        out = tmp_path / "out"
        cmd = [*VC, "batch", "--manifest", str(m), "--out", str(out), "--no-history"]
        p = subprocess.Popen([*cmd, "--cluster", rig.address], stderr=subprocess.PIPE, text=True)
        client = rig.client()
        pids = rig.worker_pids()
        victim = None
        deadline = time.time() + 300
        while victim is None and time.time() < deadline and p.poll() is None:
            busy = [w for w, keys in client.processing().items() if keys]
            done = len(list((out / "items").glob("*.json"))) if (out / "items").is_dir() else 0
            if busy and done >= 1:  # the model is loaded and a file is being scored
                victim = busy[0]
            time.sleep(0.05)
        assert victim is not None, "no worker was ever seen scoring"
        os.kill(pids[victim], signal.SIGKILL)
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0 and "Traceback" not in err, err
        assert "8 scored, 0 already done, 0 failed" in err  # each file recorded once
        got = _rows(out)
        assert sorted(x["audio"] for x in got) == sorted(str(samples / r["audio"]) for r in rows)
        assert all(x["error"] is None and x["transcript"] for x in got)
        assert len(list((out / "items").glob("*.json"))) == 8
        assert list(client.nthreads()) == [w for w in pids if w != victim]  # one worker left
    finally:
        rig.stop()


@pytest.mark.audio
@pytest.mark.slow
def test_a_local_cluster_scores_like_local_workers(tmp_path) -> None:
    pytest.importorskip("distributed", reason="pip install 'voicecoach[cluster]'")
    out = tmp_path / "out"
    r = _batch(str(FIX / "filler.flac"), "-q", "cross-validation", "--out", str(out))
    assert r.returncode == 0, r.stderr
    again = tmp_path / "again"
    r = _batch(
        str(FIX / "filler.flac"),
        "-q",
        "cross-validation",
        "--out",
        str(again),
        "--cluster",
        "local",
    )
    assert r.returncode == 0 and "local cluster" in r.stderr, r.stderr
    assert [_same(x) for x in _rows(again)] == [_same(x) for x in _rows(out)]


@pytest.mark.slow
def test_an_unreachable_scheduler_is_one_line_and_creates_nothing(tmp_path) -> None:
    pytest.importorskip("distributed", reason="pip install 'voicecoach[cluster]'")
    out = tmp_path / "out"
    r = _batch(
        str(FIX / "filler.flac"), "-q", "cross-validation", "--out", str(out),
        "--cluster", "127.0.0.1:9",
        timeout=120,
    )  # fmt: skip
    assert r.returncode == 2 and "dask scheduler" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not out.exists()


def test_dask_is_imported_only_for_a_cluster_run() -> None:
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from voicecoach.cli import main\n"
        "import voicecoach.batch.run, voicecoach.batch.sessions, voicecoach.batch.worker\n"
        "assert CliRunner().invoke(main, ['--help']).exit_code == 0\n"
        "assert CliRunner().invoke(main, ['batch', '--help']).exit_code == 0\n"
        "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "[]", p.stdout + p.stderr


@pytest.mark.audio
@pytest.mark.slow
def test_a_scheduler_lost_mid_run_is_one_line_and_keeps_finished_results(tmp_path) -> None:
    pytest.importorskip("distributed", reason="pip install 'voicecoach[cluster]'")
    rig = DaskRig(tmp_path / "dask", workers=1)
    try:
        src = tmp_path / "in"
        src.mkdir()
        for i in range(6):
            shutil.copy(FIX / "filler.flac", src / f"f{i}.flac")
            with open(src / f"f{i}.flac", "ab") as fh:
                fh.write(bytes([i]))
        out = tmp_path / "out"
        cmd = [*VC, "batch", str(src), "-q", "cross-validation", "--out", str(out)]
        p = subprocess.Popen(
            [*cmd, "--no-history", "--cluster", rig.address], stderr=subprocess.PIPE, text=True
        )
        deadline = time.time() + 300
        while time.time() < deadline and not list((out / "items").glob("*.json")):
            time.sleep(0.05)
        rig.procs[0].kill()  # the scheduler
        _, err = p.communicate(timeout=120)
    finally:
        rig.stop()
    assert p.returncode == 2 and "run the same command again" in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    kept = _rows(out)
    assert 1 <= len(kept) < 6 and all(x["error"] is None for x in kept)
    r = subprocess.run([*cmd, "--no-history", "-j", "1"], capture_output=True, text=True)
    assert r.returncode == 0 and f"{len(kept)} already done" in r.stderr, r.stderr


@pytest.mark.audio
@pytest.mark.slow
def test_sigterm_stops_a_local_cluster_and_keeps_finished_results(tmp_path) -> None:
    pytest.importorskip("distributed", reason="pip install 'voicecoach[cluster]'")
    d = _unique_copies(tmp_path / "many", 12)
    out = tmp_path / "out"
    cmd = [*VC, "batch", str(d), "-q", "cross-validation", "--out", str(out), "--no-history"]
    p = subprocess.Popen([*cmd, "--cluster", "local"], stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 180
    while time.time() < deadline and _items(out) < 2:
        time.sleep(0.1)
    procs = descendants(p.pid)
    assert len(procs) >= 2, procs  # the local cluster's worker processes
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=120)
    assert p.returncode == 143 and "Traceback" not in err and "resume" in err, err
    assert len(err.strip().splitlines()) == 1
    time.sleep(1)
    assert not alive(procs), "cluster processes left behind"
    done = _rows(out)
    assert 2 <= len(done) < 12 and len(done) == _items(out)


def test_without_dask_a_cluster_run_says_what_to_install(tmp_path) -> None:
    """Dask is hidden from the import system here, as on an install without the extra."""
    code = (
        "import sys; sys.modules['distributed'] = None\n"
        "from voicecoach.cli import run\n"
        f"sys.argv = ['voicecoach', 'batch', {str(FIX / 'filler.flac')!r}, '-q', "
        f"'cross-validation', '--out', {str(tmp_path / 'out')!r}, '--cluster', 'local']\n"
        "run()\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 2 and "pip install 'voicecoach[cluster]'" in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


MALLINFO = """
import ctypes, sys
import numpy as np
from voicecoach.batch.worker import keep_freed_memory

FIELDS = "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"

class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in FIELDS.split()]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
if sys.argv[1] == "fixed":
    keep_freed_memory()
before = libc.mallinfo2().hblks
x = np.ones(4 << 20, np.uint8)  # 4 MiB: mmapped when the threshold is stuck at 128 KiB
print(libc.mallinfo2().hblks - before)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's mallopt")
def test_workers_undo_the_nannys_malloc_trim_setting():
    """A Dask nanny's MALLOC_TRIM_THRESHOLD_=65536 pins glibc's mmap threshold at 128 KiB, so
    every large buffer of a decode is a fresh mmap (decoding ran twice as slow); a worker
    sets the thresholds back, and a 4 MiB buffer then comes from the heap."""
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"}

    def mmapped(mode: str) -> int:
        p = subprocess.run(
            [sys.executable, "-c", MALLINFO, mode], env=env, capture_output=True, text=True
        )
        assert p.returncode == 0, p.stderr
        return int(p.stdout.strip())

    assert mmapped("as-started") == 1  # the nanny's setting, as a worker inherits it
    assert mmapped("fixed") == 0
