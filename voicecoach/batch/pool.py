"""Where a batch's files are scored: the executor interface, and the local executors (this
process, or worker processes on this machine).

An executor takes :class:`~voicecoach.batch.worker.Job` objects and yields ``(index, row)``
pairs as files finish, in any order; :func:`voicecoach.batch.run.run_batch` does all the
bookkeeping (keys, item files, aggregates, progress), whichever executor scores. Leaving the
``with`` block early (Ctrl-C, SIGTERM, an error) stops the workers at once.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import threading
from collections.abc import Iterator
from multiprocessing.pool import Pool
from typing import Protocol, Self

from voicecoach.batch.rows import Row
from voicecoach.batch.worker import Job, WorkerConfig, init_worker, score_job


class Executor(Protocol):
    workers: int  # workers scoring now (shown by the progress bar)
    where: str  # "this machine", or the cluster's address

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    def run(self, jobs: list[Job]) -> Iterator[tuple[int, Row]]: ...


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


class LocalExecutor:
    """This machine: ``workers`` worker processes sharing the cores, one model each; or this
    process with all the cores, for one worker or one file."""

    where = "this machine"

    def __init__(self, config: WorkerConfig, workers: int) -> None:
        self.config, self.workers = config, workers
        self._pool: Pool | None = None

    def __enter__(self) -> LocalExecutor:
        return self

    def run(self, jobs: list[Job]) -> Iterator[tuple[int, Row]]:
        cores = os.cpu_count() or 1
        threads = max(1, cores // self.workers)
        if self.workers == 1 or len(jobs) <= 1:
            init_worker(self.config, threads * self.workers)  # all the cores
            self.workers = 1
            for job in jobs:
                yield score_job(job)
            return
        self.workers = min(self.workers, len(jobs))
        # fork is faster to start (no re-import); with other threads running (a progress
        # bar) forkserver is the safe choice (spawn would re-run the parent's __main__).
        method = "fork" if threading.active_count() == 1 else "forkserver"
        self._pool = pool = mp.get_context(method).Pool(
            self.workers,
            initializer=init_worker,
            initargs=(self.config, threads, True),
            maxtasksperchild=200,
        )
        yield from pool.imap_unordered(score_job, jobs)

    def __exit__(self, *exc: object) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if exc[0] is None:
            pool.close()
        else:
            pool.terminate()  # SIGTERM to every worker, at once
        pool.join()
