"""What runs in a batch worker process: score one input with this process's model.

The same code serves the local worker processes (:mod:`voicecoach.batch.pool`) and Dask
workers (:mod:`voicecoach.batch.cluster`). Each process loads one model, once, the first
time it scores a file (CTranslate2 models cannot be pickled, so they are never sent), with
as many threads as the worker has; the judge gets the same count. Nothing here imports Dask.
"""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicecoach.asr.audio import check_audio_file
from voicecoach.banks import Bank, BankError, load_bank, parse_bank
from voicecoach.batch.inputs import BatchInput
from voicecoach.batch.rows import Failed, Row, row_dict
from voicecoach.errors import UserError


@dataclass(frozen=True)
class WorkerConfig:
    """What every worker needs to score like every other: the model and the settings."""

    model: str | None
    options: dict[str, Any]  # voicecoach.asr.transcribe.DecodeOptions fields
    judge: bool = True


@dataclass(frozen=True)
class Job:
    """One input to score: ``index`` into the run's inputs, the input, its bank file."""

    index: int
    input: BatchInput
    bank: Path


_state: dict[str, Any] = {}
_lock = threading.Lock()  # one file at a time per process: the model uses all its threads


def init_worker(config: WorkerConfig, cpu_threads: int, pool: bool = False) -> None:
    """Set this process up to score with ``config`` on ``cpu_threads`` threads (the model is
    loaded later, by the first file). ``pool``: a local worker process, whose parent handles
    Ctrl-C and SIGTERM."""
    if pool:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        for sig in (signal.SIGTERM, signal.SIGHUP):  # forked: not the parent's handlers
            signal.signal(sig, signal.SIG_DFL)  # the parent stops its pool with SIGTERM
        _die_with_parent()
    if _state.get("config") == config and _state.get("threads") == cpu_threads:
        return
    _state.clear()
    _state.update(config=config, threads=cpu_threads, banks={})
    one_blas_thread()
    keep_freed_memory()
    with contextlib.suppress(ImportError):
        from tqdm import tqdm  # faster-whisper's progress bar (off) takes a lock anyway

        # a thread lock, not tqdm's default process-shared semaphore, which a worker stopped
        # by SIGTERM would leave behind ("leaked semaphore objects" at exit)
        tqdm.set_lock(threading.RLock())
    import voicecoach.judge.model as judge_model

    judge_model.THREADS = cpu_threads  # the judge shares the worker's cores


def one_blas_thread() -> None:
    """NumPy's OpenBLAS uses every core by default, and its sums (in the log-mel features)
    then depend on the number of cores: the same file could come out with other words on a
    machine with more cores. Batch workers use one BLAS thread everywhere (as a Dask nanny
    sets for its workers), so a result does not depend on where it was scored."""
    import ctypes

    import numpy  # noqa: F401  (loads the BLAS library, if not loaded yet)

    try:
        with open("/proc/self/maps") as fh:
            libs = {ln.split()[-1] for ln in fh if "openblas" in ln.lower() and "/" in ln}
    except OSError:
        return
    for lib in libs:
        try:
            dll = ctypes.CDLL(lib)
        except OSError:
            continue
        for name in ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_",
                     "openblas_set_num_threads"):  # fmt: skip
            fn = getattr(dll, name, None)
            if fn is not None:
                fn(1)
                break


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters
MMAP_THRESHOLD = 32 << 20  # glibc's own ceiling for its dynamic threshold (64-bit)


def keep_freed_memory() -> None:
    """Let glibc keep freed memory for reuse, as it does by default.

    A Dask nanny starts its worker with ``MALLOC_TRIM_THRESHOLD_=65536``, which also fixes
    glibc's mmap threshold at 128 KiB: every buffer the model allocates for a decode then
    comes fresh from the kernel and goes back to it (thousands of mmap/munmap calls and page
    faults a second), and decoding took twice as long on a cluster worker as in a local
    batch worker (BENCHMARKS.md, issue 13). A worker keeps at most 64 MiB of freed memory
    this way. Not glibc (musl, macOS): nothing to do."""
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None)
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
        libc.mallopt(M_TRIM_THRESHOLD, 2 * MMAP_THRESHOLD)


def _die_with_parent() -> None:
    """Linux: this process gets SIGTERM when its parent dies, even by SIGKILL, so no worker
    is ever left behind scoring for nobody."""
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before we got here
            os._exit(1)


def _transcriber():
    tr = _state.get("transcriber")
    if tr is None:
        from voicecoach.asr.transcribe import DecodeOptions, Transcriber

        config: WorkerConfig = _state["config"]
        tr = Transcriber(
            config.model, cpu_threads=_state["threads"], options=DecodeOptions(**config.options)
        )
        _state["transcriber"] = tr
    return tr


def _bank(path: Path) -> Bank:
    banks = _state.setdefault("banks", {})
    if path not in banks:
        banks[path] = load_bank(path)
    return banks[path]


def use_banks(banks: dict[str, str]) -> None:
    """Banks sent as TOML text, by the SHA-256 of the text (workers on other machines may
    not see the files); parsed the first time a file needs one."""
    _texts.update(banks)


_texts: dict[str, str] = {}


def bank_from_text(digest: str, name: str) -> Bank:
    banks = _state.setdefault("banks", {})
    if digest not in banks:
        text = _texts.get(digest)
        if text is None:
            raise BankError(name, "this worker was not sent the bank (restart the run)")
        try:
            banks[digest] = parse_bank(tomllib.loads(text), Path(name))
        except tomllib.TOMLDecodeError as e:
            raise BankError(name, f"invalid TOML: {e}") from None
    return banks[digest]


def score_one(inp: BatchInput, bank: Bank, audio_path: Path | None = None) -> Row:
    """Score one input; never raises for a bad input (returns a :class:`Failed` row).
    ``audio_path``: where the audio is read from, when not ``inp.path`` (bytes sent to a
    worker are scored from a temporary file)."""
    from voicecoach.answer import score_audio
    from voicecoach.scoring.score import Settings

    if not inp.question:
        return Failed(
            inp.audio,
            "",
            "the question column is empty for this row; give a "
            "question id (see 'voicecoach questions list')",
        )
    if inp.question not in bank:
        return Failed(
            inp.audio, inp.question, f"unknown question id '{inp.question}' in bank '{bank.id}'"
        )
    source = audio_path or inp.path
    try:
        check_audio_file(source)
    except UserError as e:
        return Failed(inp.audio, inp.question, str(e).replace(str(source), inp.audio))
    config: WorkerConfig | None = _state.get("config")
    try:
        with _lock:
            r = score_audio(
                bank.get(inp.question),
                source,
                transcriber=_transcriber(),
                settings=Settings(company=inp.company, judge=config.judge if config else True),
            )
    except UserError as e:
        return Failed(inp.audio, inp.question, str(e).replace(str(source), inp.audio))
    except Exception as e:  # one bad file must not stop the batch; keep the reason
        return Failed(inp.audio, inp.question, f"{type(e).__name__}: {e}")
    r.audio = inp.audio
    r.audio_path = str(inp.path.resolve())
    return r


def score_job(job: Job) -> tuple[int, Row]:
    """A local worker's task."""
    return job.index, score_one(job.input, _bank(job.bank))


# ---------------------------------------------------------------- on a Dask worker


@dataclass(frozen=True)
class RemoteJob:
    """One input as sent to a cluster worker: the bank as text, and the audio's bytes when
    the workers do not share the client's files (else its absolute path and size)."""

    index: int
    input: BatchInput  # its path absolute
    bank_name: str
    bank_sha: str  # the bank's text is in the run's worker plugin, by this hash
    size: int
    data: bytes | None = None


def score_remote(job: RemoteJob, config: WorkerConfig) -> dict[str, Any]:
    """A Dask task: score one input on this worker and return its row as JSON (plain data,
    so nothing of this worker's state travels back). Never raises for a bad input."""
    from distributed import get_worker

    with _lock:  # a worker thread may be scoring for another run's settings
        init_worker(config, max(1, get_worker().state.nthreads))
    inp = job.input
    try:
        bank = bank_from_text(job.bank_sha, job.bank_name)
    except UserError as e:
        return row_dict(Failed(inp.audio, inp.question, str(e)))
    if job.data is None:
        try:
            ok = inp.path.stat().st_size == job.size
        except OSError:
            ok = False
        if not ok:
            return row_dict(
                Failed(
                    inp.audio,
                    inp.question,
                    f"worker {_host()} cannot read {inp.path} (not on a filesystem it "
                    "shares with this machine?): run with --cluster-audio bytes",
                )
            )
        return row_dict(score_one(inp, bank))
    fd, tmp = tempfile.mkstemp(prefix="voicecoach-", suffix=inp.path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(job.data)
        return row_dict(score_one(inp, bank, Path(tmp)))
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _host() -> str:
    import socket

    return socket.gethostname()


def probe(samples: list[tuple[str, int]]) -> dict[str, Any]:
    """Run on every worker before a cluster batch: what it runs, and whether it sees the
    client's files (``samples``: absolute paths and their sizes)."""
    from voicecoach.batch.keys import RESULT_VERSION

    seen = 0
    for path, size in samples:
        with contextlib.suppress(OSError):
            seen += os.stat(path).st_size == size
    return {
        "host": _host(),
        "result_version": RESULT_VERSION,
        "sees_files": bool(samples) and seen == len(samples),
    }
