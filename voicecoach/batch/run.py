"""Batch scoring of prerecorded answers: resumable, crash-safe, parallel, local or on a
Dask cluster.

    from voicecoach.batch import read_manifest, run_batch
    summary = run_batch(read_manifest("answers.csv"), bank="ml-engineer", out="results/")
    summary = run_batch(inputs, None, "results/", cluster="tcp://10.0.0.5:8786")

Each finished input is written at once, atomically, to ``OUT/items/<key>.json``; the
aggregate files (``results.jsonl``, ``summary.csv``, ``index.html``) are kept in memory and
written atomically as the run goes and at its end, Ctrl-C and SIGTERM included
(:mod:`.aggregate`). An input's key (:mod:`.keys`) does not depend on where it is scored: a
rerun, local or on a cluster, skips inputs whose key already has a result. One run at a time
writes to a folder (:mod:`.lock`); runs one after the other add to it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from voicecoach.banks import load_bank
from voicecoach.batch.aggregate import Aggregates, Listed
from voicecoach.batch.inputs import BatchInput
from voicecoach.batch.keys import (
    BATCH_BEAM,
    RESULT_VERSION,
    bank_for,
    item_key,
    missing_key,
    settings_key,
)
from voicecoach.batch.lock import OutLock
from voicecoach.batch.output import write_item
from voicecoach.batch.pool import Executor, LocalExecutor, default_workers
from voicecoach.batch.rows import Failed, Row
from voicecoach.batch.worker import Job, WorkerConfig, score_one
from voicecoach.errors import UserError
from voicecoach.storage import ensure_dir

__all__ = [
    "BATCH_BEAM",
    "RESULT_VERSION",
    "BatchSummary",
    "default_workers",
    "run_batch",
    "score_one",
]


@dataclass
class BatchSummary:
    total: int = 0
    done: int = 0  # scored in this run
    skipped: int = 0  # already scored earlier with the same key
    failed: int = 0
    audio_s: float = 0.0
    wall_s: float = 0.0
    out: Path | None = None
    errors: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)  # each input's item key (items/<key>.json)
    workers: int = 0  # workers scoring (a cluster's may change during the run)
    where: str = "this machine"
    write_s: float = 0.0  # time spent writing the aggregate files


def run_batch(
    inputs: list[BatchInput],
    bank: str | Path | None,
    out: str | os.PathLike,
    model: str | None = None,
    workers: int | None = None,
    force: bool = False,
    on_progress: Callable[[BatchSummary, Row | None], None] | None = None,
    refresh_s: float = 1.0,
    company: str | None = None,
    history: bool = False,
    judge: bool = True,
    cluster: str | None = None,
    cluster_audio: str = "auto",
) -> BatchSummary:
    """Score ``inputs``, writing results under ``out``. See the module docstring.
    ``bank`` None looks each question id up in the bundled banks. ``company`` applies to
    inputs that name none (a manifest's ``company`` column). ``history``: add the scored
    answers to the progress history at the end. ``cluster``: a Dask scheduler address (or
    ``"local"``, or a scheduler file) to score on instead of this machine's processes;
    ``cluster_audio``: ``"paths"`` when the workers see this machine's files at the same
    paths, ``"bytes"`` to send the audio, ``"auto"`` to find out."""
    if not inputs:
        raise UserError(
            "nothing to score: give audio files or folders with --question, or a --manifest CSV"
        )
    if company:
        inputs = [inp if inp.company else replace(inp, company=company) for inp in inputs]
    bank_paths = [bank_for(inp, bank) for inp in inputs]
    for p in set(bank_paths):
        load_bank(p)  # fail early on a broken bank
    from voicecoach.asr.transcribe import DecodeOptions  # light: faster_whisper is lazy

    opts = asdict(DecodeOptions(beam_size=BATCH_BEAM))
    config = WorkerConfig(model, opts, judge)
    skeys = {p: settings_key(p, model, {**opts, "judge": judge}) for p in set(bank_paths)}
    keys = [
        item_key(inp, skeys[p]) or missing_key(inp)
        for inp, p in zip(inputs, bank_paths, strict=True)
    ]
    summary = BatchSummary(total=len(inputs), keys=keys)
    executor = _executor(config, workers, cluster, cluster_audio)
    from voicecoach.practice.setup import interrupt_on_term

    with interrupt_on_term(), executor:  # SIGTERM stops the workers as Ctrl-C does
        out_dir = ensure_dir(out)
        ensure_dir(out_dir / "items")
        summary.out, summary.where = out_dir, executor.where
        with OutLock(out_dir):
            jobs = [Job(i, inp, bank_paths[i]) for i, inp in enumerate(inputs)]
            _run(jobs, keys, out_dir, executor, summary, force, on_progress, refresh_s)
    if history:
        from voicecoach.history.record import import_quietly

        import_quietly(out_dir / "results.jsonl")
    return summary


def _executor(
    config: WorkerConfig, workers: int | None, cluster: str | None, cluster_audio: str
) -> Executor:
    if cluster:
        try:
            from voicecoach.batch.cluster import DaskExecutor  # the only path that imports Dask
        except ImportError as e:
            raise UserError(
                f"--cluster needs Dask distributed ({e}): pip install 'voicecoach[cluster]'"
            ) from None
        return DaskExecutor(cluster, config, workers, cluster_audio)
    return LocalExecutor(config, workers or default_workers())


def _run(
    every: list[Job],
    keys: list[str],
    out_dir: Path,
    executor: Executor,
    summary: BatchSummary,
    force: bool,
    on_progress: Callable[[BatchSummary, Row | None], None] | None,
    refresh_s: float,
) -> None:
    inputs = [job.input for job in every]
    listed = [
        Listed(inp.audio, str(inp.path.resolve()), inp.question, inp.company, key)
        for inp, key in zip(inputs, keys, strict=True)
    ]
    agg = Aggregates.open(out_dir, listed, refresh_s)
    by_key: dict[str, list[int]] = {}  # inputs with the same bytes and question: scored once
    for i, key in enumerate(keys):
        by_key.setdefault(key, []).append(i)
    jobs = []
    for key, idx in by_key.items():
        if key in agg.scored_keys and not force:
            summary.skipped += len(idx)
        else:
            jobs.append(every[idx[0]])
    # Longest first: the last files to finish are short, so no core idles at the end.
    jobs.sort(key=lambda job: -_size(job.input.path))
    t0 = time.perf_counter()
    summary.workers = executor.workers
    if on_progress:
        on_progress(summary, None)

    def record(i: int, row: Row) -> None:
        key = keys[i]
        write_item(out_dir, key, row)
        agg.update(key, row)
        for j in by_key[key]:
            if isinstance(row, Failed):
                summary.failed += 1
                summary.errors.append(f"{inputs[j].audio}: {row.error}")
            else:
                summary.done += 1
        if not isinstance(row, Failed):
            summary.audio_s += row.delivery.duration_s or 0.0
        summary.wall_s = time.perf_counter() - t0
        summary.workers = executor.workers
        agg.maybe_write()
        if on_progress:
            on_progress(summary, row)

    try:
        if jobs:
            for i, row in executor.run(jobs):
                record(i, row)
    finally:
        agg.write()
        summary.wall_s = time.perf_counter() - t0
        summary.write_s = agg.write_s


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
