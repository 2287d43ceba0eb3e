"""Batch scoring of prerecorded answers: resumable, crash-safe, parallel.

    from voicecoach.batch import read_manifest, run_batch
    summary = run_batch(read_manifest("answers.csv"), bank="ml-engineer", out="results/")

Each finished input is written at once, atomically, to ``OUT/items/<key>.json``; the
aggregate files (``results.jsonl``, ``summary.csv``, ``index.html``) are rebuilt from them
atomically as the run goes and at its end, Ctrl-C included. An input's key hashes its audio
bytes, the bank file, the question id and the decoding settings: a rerun skips inputs whose
key already has a result, so interrupted runs resume where they stopped.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing as mp
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from voicecoach.banks import Bank, find_question, load_bank, resolve_bank
from voicecoach.batch.inputs import BatchInput
from voicecoach.batch.output import item_path, write_aggregates, write_item
from voicecoach.batch.rows import Failed, Row
from voicecoach.errors import UserError
from voicecoach.storage import ensure_dir, file_sha256

RESULT_VERSION = "1"  # bump when scoring changes make old results stale
# Decoding for batch runs, chosen by bench/throughput.py (BENCHMARKS.md): beam 3 is the
# fastest setting that leaves the samples' key points, red flags and filler counts unchanged.
BATCH_BEAM = 3


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


# ---------------------------------------------------------------- keys


def settings_key(bank_path: Path, model: str | None, options: dict[str, Any]) -> str:
    h = hashlib.sha256()
    h.update(Path(bank_path).read_bytes())
    h.update(
        json.dumps(
            {"model": model or "default", "options": options, "v": RESULT_VERSION}, sort_keys=True
        ).encode()
    )
    return h.hexdigest()


def item_key(inp: BatchInput, skey: str) -> str | None:
    try:
        digest = file_sha256(inp.path)
    except OSError:
        return None
    company = f"|company={inp.company}" if inp.company else ""  # keys without one are unchanged
    return hashlib.sha256(f"{digest}|{inp.question}{company}|{skey}".encode()).hexdigest()[:24]


def bank_for(inp: BatchInput, bank: str | Path | None) -> Path:
    """The bank file an input's question is looked up in: ``bank``, or the bundled bank
    that has the question (the first bundled bank when none has it: an error row later)."""
    if bank is not None:
        return resolve_bank(bank)
    try:
        b, _ = find_question(inp.question)
    except UserError:
        return resolve_bank("ml-engineer")
    assert b.path is not None
    return b.path


# ---------------------------------------------------------------- workers

_worker_state: dict[str, Any] = {}


def _init_worker(model: str | None, cpu_threads: int, options: dict[str, Any]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    _worker_state.update(model=model, cpu_threads=cpu_threads, options=options, banks={})


def _transcriber():
    tr = _worker_state.get("transcriber")
    if tr is None:
        from voicecoach.asr.transcribe import DecodeOptions, Transcriber

        tr = Transcriber(
            _worker_state["model"],
            cpu_threads=_worker_state["cpu_threads"],
            options=DecodeOptions(**_worker_state["options"]),
        )
        _worker_state["transcriber"] = tr
    return tr


def _bank(path: Path) -> Bank:
    banks = _worker_state.setdefault("banks", {})
    if path not in banks:
        banks[path] = load_bank(path)
    return banks[path]


def score_one(inp: BatchInput, bank: Bank) -> Row:
    """Score one input; never raises for a bad input (returns a :class:`Failed` row)."""
    from voicecoach.answer import score_audio
    from voicecoach.scoring.score import Settings

    if inp.question not in bank:
        return Failed(
            inp.audio, inp.question, f"unknown question id '{inp.question}' in bank '{bank.id}'"
        )
    if not inp.path.is_file():
        return Failed(inp.audio, inp.question, f"{inp.audio}: no such file")
    try:
        r = score_audio(
            bank.get(inp.question),
            inp.path,
            transcriber=_transcriber(),
            settings=Settings(company=inp.company),
        )
    except UserError as e:
        return Failed(inp.audio, inp.question, str(e))
    except Exception as e:  # one bad file must not stop the batch; keep the reason
        return Failed(inp.audio, inp.question, f"{type(e).__name__}: {e}")
    r.audio = inp.audio
    r.audio_path = str(inp.path.resolve())
    return r


def _work(job: tuple[int, BatchInput, Path]) -> tuple[int, Row]:
    i, inp, bank_path = job
    return i, score_one(inp, _bank(bank_path))


# ---------------------------------------------------------------- the run


def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


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
) -> BatchSummary:
    """Score ``inputs``, writing results under ``out``. See the module docstring.
    ``bank`` None looks each question id up in the bundled banks. ``company`` applies to
    inputs that name none (a manifest's ``company`` column). ``history``: add the scored
    answers to the progress history at the end."""
    if not inputs:
        raise UserError(
            "nothing to score: give audio files or folders with --question, or a --manifest CSV"
        )
    if company:
        inputs = [inp if inp.company else replace(inp, company=company) for inp in inputs]
    bank_paths = [bank_for(inp, bank) for inp in inputs]
    for p in set(bank_paths):
        load_bank(p)  # fail early on a broken bank
    out_dir = ensure_dir(out)
    ensure_dir(out_dir / "items")
    workers = workers or default_workers()
    threads = max(1, (os.cpu_count() or 1) // workers)
    from voicecoach.asr.transcribe import DecodeOptions  # light: faster_whisper is lazy

    opts = asdict(DecodeOptions(beam_size=BATCH_BEAM))
    skeys = {p: settings_key(p, model, opts) for p in set(bank_paths)}
    keys = [item_key(inp, skeys[p]) for inp, p in zip(inputs, bank_paths, strict=True)]
    audios = [inp.audio for inp in inputs]
    summary = BatchSummary(total=len(inputs), out=out_dir)
    todo: list[tuple[int, BatchInput, Path]] = []
    for i, (inp, key) in enumerate(zip(inputs, keys, strict=True)):
        done = key is not None and item_path(out_dir, key).is_file()
        if done and not force:
            assert key is not None
            prev = json.loads(item_path(out_dir, key).read_text(encoding="utf-8"))
            if prev.get("error") is None:
                summary.skipped += 1
                continue
        todo.append((i, inp, bank_paths[i]))
    # Longest first: the last files to finish are short, so no core idles at the end.
    todo.sort(key=lambda job: -_size(job[1].path))
    t0 = time.perf_counter()
    last_refresh = 0.0

    def record(i: int, row: Row) -> None:
        nonlocal last_refresh
        key = keys[i]
        if key is None:  # missing file: remember the error under a name-based key
            key = keys[i] = "missing-" + hashlib.sha256(inputs[i].audio.encode()).hexdigest()[:16]
        write_item(out_dir, key, row)
        if isinstance(row, Failed):
            summary.failed += 1
            summary.errors.append(f"{inputs[i].audio}: {row.error}")
        else:
            summary.done += 1
            summary.audio_s += row.delivery.duration_s or 0.0
        summary.wall_s = time.perf_counter() - t0
        now = time.monotonic()
        if now - last_refresh >= refresh_s:
            write_aggregates(out_dir, audios, keys)
            last_refresh = now
        if on_progress:
            on_progress(summary, row)

    try:
        for i, row in _execute(todo, model, workers, threads, opts):
            record(i, row)
    finally:
        write_aggregates(out_dir, audios, keys)
        summary.wall_s = time.perf_counter() - t0
    if history:
        from voicecoach.history.record import import_quietly

        import_quietly(out_dir / "results.jsonl")
    return summary


def _execute(
    todo: list[tuple[int, BatchInput, Path]],
    model: str | None,
    workers: int,
    threads: int,
    opts: dict[str, Any],
) -> Iterator[tuple[int, Row]]:
    if not todo:
        return
    if workers == 1 or len(todo) == 1:
        _init_worker(model, threads * workers, opts)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for job in todo:
            yield _work(job)
        return
    # fork is faster to start (no re-import); with other threads running (a progress bar)
    # spawn is the safe choice.
    ctx = mp.get_context("fork" if threading.active_count() == 1 else "spawn")
    pool = ctx.Pool(
        min(workers, len(todo)),
        initializer=_init_worker,
        initargs=(model, threads, opts),
        maxtasksperchild=200,
    )
    try:
        yield from pool.imap_unordered(_work, todo)
        pool.close()
    except BaseException:
        pool.terminate()
        raise
    finally:
        pool.join()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
