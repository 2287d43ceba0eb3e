"""The cluster executor: score a batch on a Dask distributed cluster (``--cluster``).

This module is the only one that imports Dask (``pip install 'voicecoach[cluster]'``), and
only ``run_batch(cluster=...)`` imports it. The client (this process) keeps all the
bookkeeping; workers only score (:func:`voicecoach.batch.worker.score_remote`), each with one
model loaded once in its own process, threads matched to the worker's ``--nthreads``.

* Banks travel as TOML text in a worker plugin (installed on every worker, also on workers
  that join later), never as paths. The plugin also pauses Dask's statistical profiler on
  the workers for the run (see :class:`RunPlugin`).
* Audio travels as a path when every worker sees the client's files at the same paths (a
  shared filesystem; checked on each worker before the run, by size), else as bytes;
  ``cluster_audio`` ``"paths"`` or ``"bytes"`` decides instead of that check.
* A bounded number of files is in flight (twice the cluster's threads, read again as
  workers come and go), so neither the client nor the scheduler holds 10,000 files.
* A worker that dies mid-file: Dask runs the file again on another worker; its result is
  written once, when its future completes. After ``distributed.scheduler.allowed-failures``
  deaths (3) the file becomes an error row. Any exception on a worker is its file's error row.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import CancelledError
from dataclasses import replace
from pathlib import Path
from typing import Any

from distributed import Client, KilledWorker, LocalCluster, WorkerPlugin, as_completed

from voicecoach.asr.audio import check_audio_file
from voicecoach.batch.inputs import BatchInput
from voicecoach.batch.keys import RESULT_VERSION
from voicecoach.batch.pool import default_workers
from voicecoach.batch.rows import Failed, Row, read_row
from voicecoach.batch.worker import Job, RemoteJob, WorkerConfig, probe, score_remote, use_banks
from voicecoach.errors import UserError

AUDIO_MODES = ("auto", "paths", "bytes")
CONNECT_TIMEOUT_S = 10
WORKERS_TIMEOUT_S = 60  # how long to wait for a first worker to join the scheduler
INSTALL = "pip install 'voicecoach[cluster]'"


class ClusterError(UserError):
    """The cluster cannot be reached or used."""


PROFILER = ("profile", "profile-cycle")  # a Dask worker's statistical profiler callbacks


class RunPlugin(WorkerPlugin):
    """Sets up every worker, present or joining later, for the run: its banks as TOML text,
    and Dask's statistical profiler paused while the run is registered.

    The profiler takes a sample of the scoring thread's stack 100 times a second (for the
    dashboard's profile page); on a worker that decodes on all its cores it cost about 4% of
    the worker's CPU time in ``bench/throughput_cluster.py``. It is started again when the
    run ends (``teardown``), so a shared cluster's other users keep their profiles."""

    def __init__(self, banks: dict[str, str]) -> None:
        self.banks = banks
        self._paused: list[Any] = []

    def setup(self, worker: Any) -> None:
        use_banks(self.banks)
        callbacks = getattr(worker, "periodic_callbacks", {})
        for name in PROFILER:
            pc = callbacks.get(name)
            if pc is not None and pc.is_running():
                pc.stop()
                self._paused.append(pc)

    def teardown(self, worker: Any) -> None:
        while self._paused:
            self._paused.pop().start()


class DaskExecutor:
    def __init__(
        self,
        address: str,
        config: WorkerConfig,
        workers: int | None = None,
        audio: str = "auto",
    ) -> None:
        if audio not in AUDIO_MODES:
            raise UserError(f"--cluster-audio must be one of {', '.join(AUDIO_MODES)}")
        self.address, self.config, self.audio = address.strip(), config, audio
        self.local_workers = workers or default_workers()
        self.workers = 0
        self.where = self.address
        self._client: Client | None = None
        self._cluster: LocalCluster | None = None
        self._plugin: str | None = None
        self._threads_at = 0.0
        self._threads = 1

    # ---------------------------------------------------------------- connecting

    def __enter__(self) -> DaskExecutor:
        for name in ["distributed", *logging.root.manager.loggerDict]:
            if name.startswith("distributed"):  # our own one-line messages only
                logging.getLogger(name).setLevel(logging.CRITICAL)
        try:
            self._client = self._connect()
            self._client.wait_for_workers(1, timeout=WORKERS_TIMEOUT_S)
        except (OSError, TimeoutError) as e:
            connected = self._client is not None
            self.__exit__(type(e))
            if connected:
                raise ClusterError(
                    f"no Dask worker joined {self.where} within {WORKERS_TIMEOUT_S} s: start "
                    f"some with 'dask worker {self.where}' (each needs {INSTALL})"
                ) from None
            raise ClusterError(
                f"cannot reach the Dask scheduler at {self.where} ({_one_line(e)}): start "
                "one with 'dask scheduler', or use --cluster local"
            ) from None
        except BaseException:
            self.__exit__(Exception)
            raise
        self.workers = len(self._client.nthreads())
        self._probe([])  # workers that cannot run voicecoach: refused before any output
        return self

    def _connect(self) -> Client:
        if self.address == "local":
            cores = max(1, _cores() // self.local_workers)
            self._cluster = LocalCluster(
                n_workers=self.local_workers,
                threads_per_worker=cores,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
                # no dashboard, but the scheduler still serves /health: on any free port
                # (its default, 8787, warns when another cluster holds it)
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                silence_logs=logging.ERROR,
            )
            self.where = f"a local cluster ({self.local_workers} workers)"
            return Client(self._cluster, set_as_default=False)
        if Path(self.address).is_file():  # a scheduler file (dask-jobqueue, dask-mpi, SLURM)
            return Client(
                scheduler_file=self.address, timeout=CONNECT_TIMEOUT_S, set_as_default=False
            )
        address = self.address if "://" in self.address else f"tcp://{self.address}"
        self.where = address
        return Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)

    def _sends_paths(self, jobs: list[Job]) -> bool:
        """Whether the workers are sent paths (True) or bytes: as asked, else whether every
        worker sees a few of the inputs at this machine's paths, with the same sizes."""
        if self.audio != "auto":
            return self.audio == "paths"
        samples = [(str(j.input.path.resolve()), _size(j.input.path)) for j in jobs[:3]]
        return all(d.get("sees_files") for d in self._probe(samples).values())

    def _probe(self, samples: list[tuple[str, int]]) -> dict[str, dict[str, Any]]:
        """Every worker runs voicecoach with the same result version (else one line)."""
        assert self._client is not None
        try:
            found = self._client.run(probe, samples)
        except Exception as e:
            raise ClusterError(
                f"the workers of {self.where} cannot run voicecoach ({_one_line(e)}): "
                f"install it on each worker ({INSTALL}, the same version as here)"
            ) from None
        stale = sorted(w for w, d in found.items() if d.get("result_version") != RESULT_VERSION)
        if stale:
            raise ClusterError(
                f"worker {stale[0]} runs another voicecoach version (results version "
                f"{found[stale[0]].get('result_version')}, here {RESULT_VERSION}): install "
                "the same version on every worker"
            )
        return found

    def __exit__(self, *exc: object) -> None:
        client, self._client = self._client, None
        cluster, self._cluster = self._cluster, None
        if client is not None:
            with contextlib.suppress(Exception):
                if exc and exc[0] is not None:
                    client.cancel(list(client.futures.values()), force=True)
                if self._plugin:
                    client.unregister_worker_plugin(self._plugin)
            with contextlib.suppress(Exception):
                client.close(timeout=5)
        if cluster is not None:
            with contextlib.suppress(Exception):
                cluster.close(timeout=10)

    # ---------------------------------------------------------------- running

    def run(self, jobs: list[Job]) -> Iterator[tuple[int, Row]]:
        client = self._client
        assert client is not None
        paths = self._sends_paths(jobs)
        texts = {p: p.read_text(encoding="utf-8") for p in {j.bank for j in jobs}}
        banks = {hashlib.sha256(t.encode()).hexdigest(): t for t in texts.values()}
        self._plugin = f"voicecoach-banks-{uuid.uuid4().hex[:12]}"
        client.register_plugin(RunPlugin(banks), name=self._plugin)
        by_key: dict[Any, Job] = {}
        pending = iter(jobs)
        done = as_completed(loop=client.loop)

        unreadable: list[tuple[int, Row]] = []

        def submit() -> bool:
            job = next(pending, None)
            if job is None:
                return False
            inp = replace(job.input, path=job.input.path.resolve())
            try:  # a missing, special or unreadable file fails here, never on a worker
                check_audio_file(inp.path)
                data = None if paths else inp.path.read_bytes()
            except (UserError, OSError) as e:
                unreadable.append((job.index, Failed(inp.audio, inp.question, _named(e, inp))))
                return True
            remote = RemoteJob(
                job.index,
                inp,
                job.bank.name,
                hashlib.sha256(texts[job.bank].encode()).hexdigest(),
                _size(inp.path),
                data,
            )
            fut = client.submit(
                score_remote, remote, self.config, key=f"voicecoach-{uuid.uuid4().hex}", pure=False
            )
            by_key[fut.key] = job
            done.add(fut)
            return True

        while len(by_key) < self._window() and submit():
            yield from _drain(unreadable)
        yield from _drain(unreadable)
        for fut in done:
            job = by_key.pop(fut.key)
            row = self._row(fut, job)
            del fut  # release it: the worker may forget the result
            yield job.index, row
            while len(by_key) < self._window() and submit():
                yield from _drain(unreadable)

    def _row(self, fut: Any, job: Job) -> Row:
        inp = job.input
        try:
            return read_row(fut.result())
        except KilledWorker:
            return Failed(
                inp.audio,
                inp.question,
                "the workers scoring this file died each time (out of memory, or a crash "
                "while decoding it); the file was tried on several workers",
            )
        except CancelledError:
            raise ClusterError(
                f"the cluster at {self.where} dropped this run's work (the scheduler "
                "restarted or the connection was lost); finished results are saved: run "
                "the same command again to resume"
            ) from None
        except Exception as e:  # whatever went wrong on the worker: this file's error row
            return Failed(inp.audio, inp.question, f"on the cluster: {_one_line(e)}")

    def _window(self) -> int:
        """How many files to keep in flight: twice the cluster's threads now."""
        now = time.monotonic()
        if now - self._threads_at > 2 and self._client is not None:
            with contextlib.suppress(Exception):
                nthreads = self._client.nthreads()
                self.workers = len(nthreads)
                self._threads = max(1, sum(nthreads.values()))
            self._threads_at = now
        return max(2, 2 * self._threads)


def _drain(rows: list[tuple[int, Row]]) -> Iterator[tuple[int, Row]]:
    while rows:
        yield rows.pop()


def _named(e: Exception, inp: BatchInput) -> str:
    if isinstance(e, OSError):
        return f"{inp.audio} cannot be read: {e.strerror}"
    return str(e).replace(str(inp.path), inp.audio)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return -1


def _cores() -> int:
    import os

    return os.cpu_count() or 1


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split()) or type(e).__name__
    return f"{type(e).__name__}: {text}" if type(e).__name__ not in text else text
