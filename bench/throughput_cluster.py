"""Benchmark (issue 13): `voicecoach batch` on a Dask cluster against the local batch, on the
same files, in one run.

(a) local: `voicecoach batch --manifest M --out T1` with its default workers (2 processes,
    one thread each, on this 2-core machine);
(b) cluster: a `dask scheduler` and two `dask worker --nthreads 1` on 127.0.0.1, started
    before the timer as an existing cluster would be, then `voicecoach batch --manifest M
    --out T2 --cluster tcp://127.0.0.1:PORT` (files sent as paths; `--cluster-audio bytes`
    with --bytes).

Both runs load their models inside the timed run. Printed: audio seconds per second of wall
time for each and their ratio (target >= 0.9), the per-file overhead of the cluster path
(extra wall time per file, and extra worker time per file), the peak resident memory of each
worker process, and the hours 10,000 answers of 90 s would take on 1, 4 and 16 such workers
at the measured per-worker rate. --rounds N alternates the two N times and also prints
the ratio of all rounds together (this machine's speed drifts by 10-20% between minutes, so
one round's ratio is noisy).

    .venv/bin/python bench/throughput_cluster.py [--files samples/manifest.csv] [--rounds 1]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DASK = str(Path(sys.executable).with_name("dask"))
ANSWERS, ANSWER_S = 10_000, 90.0


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for t in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{t}/children") as fh:
                out += [int(c) for c in fh.read().split()]
    except OSError:
        pass
    return out


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class PeakRss:
    """Samples the resident memory of the processes ``find()`` returns, every 50 ms; keeps
    each one's peak."""

    def __init__(self, find) -> None:
        self.find, self.peaks = find, {}
        self._stop = threading.Event()
        self._th = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in self.find():
                self.peaks[pid] = max(self.peaks.get(pid, 0.0), _rss_mb(pid))
            time.sleep(0.05)

    def __enter__(self) -> PeakRss:
        self._th.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._th.join()


def run_batch(cmd: list[str], find_workers) -> tuple[float, dict[int, float], list[dict]]:
    """Run a batch command; its wall time, the peak MB of each worker, and its rows."""
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [*cmd, "--out", out, "--quiet", "--no-history"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        with PeakRss(lambda: find_workers(proc.pid)) as rss:
            _, err = proc.communicate()
        wall = time.perf_counter() - t0
        if proc.returncode not in (0, 1):
            raise SystemExit(f"batch failed: {err}")
        rows = [json.loads(x) for x in (Path(out) / "results.jsonl").read_text().splitlines()]
    return wall, rss.peaks, rows


class Cluster:
    """A scheduler and ``n`` single-threaded workers on 127.0.0.1."""

    def __init__(self, n: int, folder: Path) -> None:
        self.log = (folder / "dask.log").open("w")
        sched = folder / "scheduler.json"
        self.procs = [self._start("scheduler", "--host", "127.0.0.1", "--port", "0",
                                  "--scheduler-file", str(sched))]  # fmt: skip
        while not sched.is_file():
            time.sleep(0.1)
        self.address = json.loads(sched.read_text())["address"]
        self.workers = [
            self._start("worker", self.address, "--nthreads", "1", "--host", "127.0.0.1")
            for _ in range(n)
        ]
        self.procs += self.workers
        from distributed import Client

        with Client(self.address, timeout=30) as c:
            c.wait_for_workers(n, timeout=120)

    def _start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [DASK, *args, "--no-dashboard"], stdout=self.log, stderr=subprocess.STDOUT
        )

    def worker_processes(self, _batch_pid: int) -> list[int]:
        """Each worker's process (the child of its nanny)."""
        return [c for w in self.workers for c in _children(w.pid)]

    def nanny_mb(self) -> float:
        return max(_rss_mb(w.pid) for w in self.workers)

    def stop(self) -> None:
        for p in reversed(self.procs):
            p.terminate()
        for p in self.procs:
            p.wait(timeout=30)
        self.log.close()


def busy_s(rows: list[dict]) -> float:
    """Worker time spent on the files themselves (decode and score), from the rows."""
    t = 0.0
    for r in rows:
        timings = ((r.get("asr") or {}).get("timings") or {}) if not r.get("error") else {}
        t += float(timings.get("transcribe_s") or 0) + float(timings.get("score_s") or 0)
    return t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", default=str(ROOT / "samples" / "manifest.csv"))
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--bytes", action="store_true", help="send audio bytes, not paths")
    ap.add_argument(
        "--copies",
        type=int,
        default=1,
        help="score each file N times, as N inputs (another company name each: other keys)",
    )
    a = ap.parse_args()
    from voicecoach.batch import read_manifest

    inputs = [i for i in read_manifest(a.files) if i.path.is_file()]
    with tempfile.TemporaryDirectory() as tmp:
        manifest = Path(tmp) / "manifest.csv"
        with manifest.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["audio", "question", "company"])
            for c in range(a.copies):
                company = f"Acme {c}" if c else ""
                w.writerows([str(i.path.resolve()), i.question, company] for i in inputs)
        measure(manifest, a.rounds, a.bytes, Path(tmp))


def measure(manifest: Path, rounds: int, send_bytes: bool, tmp: Path) -> None:
    from voicecoach.asr.audio import probe
    from voicecoach.batch import read_manifest

    files = [i.path for i in read_manifest(manifest)]
    audio_s = sum(probe(f).duration_s for f in files)
    n = 2
    print(f"{len(files)} files, {audio_s / 60:.1f} min of audio; {n} workers, 1 thread each")
    base = [sys.executable, "-m", "voicecoach", "batch", "--manifest", str(manifest)]
    cluster = Cluster(n, tmp)
    try:
        ratios: list[float] = []
        walls = [0.0, 0.0]  # local, cluster: summed over the rounds
        for rnd in range(1, rounds + 1):
            lw, lpeak, lrows = run_batch([*base, "-j", str(n)], _children)
            cmd = [*base, "--cluster", cluster.address]
            if send_bytes:
                cmd += ["--cluster-audio", "bytes"]
            cw, cpeak, crows = run_batch(cmd, cluster.worker_processes)
            if len(lrows) != len(files) or len(crows) != len(files):
                raise SystemExit("a run did not score every file")
            same = [(r["audio"], r.get("overall"), r.get("transcript")) for r in lrows] == [
                (r["audio"], r.get("overall"), r.get("transcript")) for r in crows
            ]
            lr, cr = audio_s / lw, audio_s / cw
            ratios.append(cr / lr)
            walls[0] += lw
            walls[1] += cw
            extra_wall = (cw - lw) / len(files)
            extra_work = ((cw * n - busy_s(crows)) - (lw * n - busy_s(lrows))) / len(files)
            print(
                f"round {rnd}: local {lw:.1f} s = {lr:.1f} audio s/s, peak per worker "
                f"{max(lpeak.values(), default=0):.0f} MB; cluster {cw:.1f} s = {cr:.1f} "
                f"audio s/s, peak per worker {max(cpeak.values(), default=0):.0f} MB "
                f"(nanny {cluster.nanny_mb():.0f} MB); ratio {cr / lr:.2f}; same results: "
                f"{same}"
            )
            print(
                f"  cluster overhead per file: {extra_wall * 1000:+.0f} ms of wall time, "
                f"{extra_work * 1000:+.0f} ms of worker time (idle or not on a file)"
            )
        per_worker = cr / n
        hours = {k: ANSWERS * ANSWER_S / (per_worker * k) / 3600 for k in (1, 4, 16)}
        pooled = walls[0] / walls[1]
        print(
            f"ratio cluster/local: {', '.join(f'{r:.2f}' for r in ratios)}"
            + (f" (all rounds together: {pooled:.2f})" if len(ratios) > 1 else "")
            + "; per-worker "
            f"rate {per_worker:.1f} audio s/s; {ANSWERS} x {ANSWER_S:.0f} s answers: "
            + ", ".join(f"{k} worker(s) {h:.1f} h" for k, h in hours.items())
        )
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
