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

import csv
import hashlib
import json
import multiprocessing as mp
import os
import signal
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from .banks import Bank, load_bank, resolve_bank
from .errors import UserError
from .storage import atomic_write_json, atomic_write_text, ensure_dir, file_sha256

AUDIO_EXTS = {".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aac", ".webm",
              ".mp4", ".wma", ".aiff", ".aif"}
RESULT_VERSION = "1"  # bump when scoring changes make old results stale
# Decoding for batch runs, chosen by bench/throughput.py (BENCHMARKS.md): beam 3 is the
# fastest setting that leaves the samples' key points, red flags and filler counts unchanged.
BATCH_OPTIONS: dict = {"beam_size": 3}


@dataclass(frozen=True)
class BatchInput:
    audio: str  # as given in the manifest or on the command line
    path: Path  # where the file is
    question: str
    company: str | None = None  # the employer, for the not-knowing-the-company red flag


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


# ---------------------------------------------------------------- inputs

def read_manifest(path: str | os.PathLike) -> list[BatchInput]:
    """Rows of a CSV with columns ``audio,question`` (and optionally ``company``, the employer
    that answer was practised for); paths relative to the CSV's folder."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise UserError(f"{p}: no such manifest file") from None
    except OSError as e:
        raise UserError(f"{p}: cannot read ({e.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UserError(f"{p}: not UTF-8 text; save the manifest as UTF-8 CSV") from None
    rows = list(csv.DictReader(text.splitlines()))
    cols = {c.strip().lower() for c in (rows[0].keys() if rows else [])}
    if not rows or not {"audio", "question"} <= cols:
        raise UserError(f"{p}: needs a header row with columns 'audio,question' and at least "
                        "one row (e.g. 'answers/q1.wav,bias-variance')")
    out = []
    for row in rows:
        r = {k.strip().lower(): (v or "").strip() for k, v in row.items() if k}
        if not r.get("audio"):
            continue
        out.append(BatchInput(r["audio"], (p.parent / r["audio"]), r.get("question", ""),
                              r.get("company") or None))
    return out


def expand_inputs(paths: list[str], question: str) -> list[BatchInput]:
    """Files and folders (searched recursively for audio files) answering ``question``."""
    out = []
    for s in paths:
        p = Path(s)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.suffix.lower() in AUDIO_EXTS
                           and f.is_file())
            out += [BatchInput(str(f), f, question) for f in found]
        else:
            out.append(BatchInput(s, p, question))
    return out


# ---------------------------------------------------------------- keys and storage

def settings_key(bank_path: Path, model: str | None, options: dict) -> str:
    h = hashlib.sha256()
    h.update(Path(bank_path).read_bytes())
    h.update(json.dumps({"model": model or "default", "options": options,
                         "v": RESULT_VERSION}, sort_keys=True).encode())
    return h.hexdigest()


def item_key(inp: BatchInput, skey: str) -> str | None:
    try:
        digest = file_sha256(inp.path)
    except OSError:
        return None
    company = f"|company={inp.company}" if inp.company else ""  # keys without one are unchanged
    return hashlib.sha256(f"{digest}|{inp.question}{company}|{skey}".encode()).hexdigest()[:24]


def _item_path(out: Path, key: str) -> Path:
    return out / "items" / f"{key}.json"


def error_row(inp: BatchInput, message: str) -> dict:
    return {"schema": "voicecoach.result/1", "audio": inp.audio, "question_id": inp.question,
            "overall": None, "error": message}


# ---------------------------------------------------------------- workers

_worker_state: dict = {}


def _init_worker(model: str | None, cpu_threads: int, bank_path: str,
                 options: dict | None = None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C
    _worker_state.update(model=model, cpu_threads=cpu_threads, bank=load_bank(bank_path),
                         options=options)


def _transcriber():
    tr = _worker_state.get("transcriber")
    if tr is None:
        from .transcribe import DecodeOptions, Transcriber

        opts = _worker_state.get("options")
        tr = Transcriber(_worker_state["model"], cpu_threads=_worker_state["cpu_threads"],
                         options=DecodeOptions(**opts) if opts else None)
        _worker_state["transcriber"] = tr
    return tr


def score_one(inp: BatchInput, bank: Bank | None = None) -> dict:
    """Score one input; never raises for a bad input (returns an error row instead)."""
    from .pipeline import score_audio
    from .scoring import Settings

    bank = bank or _worker_state["bank"]
    if inp.question not in bank:
        return error_row(inp, f"unknown question id '{inp.question}' in bank '{bank.id}'")
    if not inp.path.is_file():
        return error_row(inp, f"{inp.audio}: no such file")
    try:
        d = score_audio(bank.get(inp.question), inp.path, transcriber=_transcriber(),
                        settings=Settings(company=inp.company))
    except UserError as e:
        return error_row(inp, str(e))
    except Exception as e:  # one bad file must not stop the batch; keep the reason
        return error_row(inp, f"{type(e).__name__}: {e}")
    d["audio"] = inp.audio
    d["audio_path"] = str(inp.path.resolve())
    d["error"] = None
    return d


def _work(job: tuple[int, BatchInput]) -> tuple[int, dict]:
    i, inp = job
    return i, score_one(inp)


# ---------------------------------------------------------------- the run

def default_workers() -> int:
    return max(1, min(2, os.cpu_count() or 1))


def run_batch(inputs: list[BatchInput], bank: str | os.PathLike, out: str | os.PathLike,
              model: str | None = None, workers: int | None = None, force: bool = False,
              on_progress: Callable[[BatchSummary, dict | None], None] | None = None,
              refresh_s: float = 1.0, options: dict | None = None,
              company: str | None = None) -> BatchSummary:
    """Score ``inputs``, writing results under ``out``. See the module docstring.
    ``company`` applies to inputs that name none (a manifest's ``company`` column)."""
    if not inputs:
        raise UserError("nothing to score: give audio files or folders with --question, "
                        "or a --manifest CSV")
    if company:
        inputs = [inp if inp.company else replace(inp, company=company) for inp in inputs]
    bank_path = resolve_bank(bank)
    load_bank(bank_path)  # fail early on a broken bank
    out_dir = ensure_dir(out)
    ensure_dir(out_dir / "items")
    workers = workers or default_workers()
    threads = max(1, (os.cpu_count() or 1) // workers)
    from .transcribe import DecodeOptions  # light: faster_whisper is imported lazily

    opts = asdict(DecodeOptions(**(options or BATCH_OPTIONS)))
    skey = settings_key(bank_path, model, opts)
    keys = [item_key(inp, skey) for inp in inputs]
    summary = BatchSummary(total=len(inputs), out=out_dir)
    todo: list[tuple[int, BatchInput]] = []
    for i, (inp, key) in enumerate(zip(inputs, keys, strict=True)):
        done = key is not None and _item_path(out_dir, key).is_file()
        if done and not force:
            prev = json.loads(_item_path(out_dir, key).read_text(encoding="utf-8"))
            if prev.get("error") is None:
                summary.skipped += 1
                continue
        todo.append((i, inp))
    # Longest first: the last files to finish are short, so no core idles at the end.
    todo.sort(key=lambda job: -_size(job[1].path))
    t0 = time.perf_counter()
    last_refresh = 0.0

    def record(i: int, d: dict) -> None:
        nonlocal last_refresh
        key = keys[i]
        if key is not None:
            atomic_write_json(_item_path(out_dir, key), d)
        else:  # missing file: remember the error under a name-based key
            keys[i] = "missing-" + hashlib.sha256(inputs[i].audio.encode()).hexdigest()[:16]
            atomic_write_json(_item_path(out_dir, keys[i]), d)
        if d.get("error"):
            summary.failed += 1
            summary.errors.append(f"{inputs[i].audio}: {d['error']}")
        else:
            summary.done += 1
            summary.audio_s += d["delivery"].get("duration_s") or 0.0
        summary.wall_s = time.perf_counter() - t0
        now = time.monotonic()
        if now - last_refresh >= refresh_s:
            write_aggregates(out_dir, inputs, keys)
            last_refresh = now
        if on_progress:
            on_progress(summary, d)

    try:
        for i, d in _execute(todo, bank_path, model, workers, threads, opts):
            record(i, d)
    finally:
        write_aggregates(out_dir, inputs, keys)
        summary.wall_s = time.perf_counter() - t0
    return summary


def _execute(todo: list[tuple[int, BatchInput]], bank_path: Path, model: str | None,
             workers: int, threads: int, opts: dict) -> Iterator[tuple[int, dict]]:
    if not todo:
        return
    if workers == 1 or len(todo) == 1:
        _init_worker(model, threads * workers, str(bank_path), opts)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for job in todo:
            yield _work(job)
        return
    # fork is faster to start (no re-import); with other threads running (a progress bar)
    # spawn is the safe choice.
    import threading

    ctx = mp.get_context("fork" if threading.active_count() == 1 else "spawn")
    pool = ctx.Pool(min(workers, len(todo)), initializer=_init_worker,
                    initargs=(model, threads, str(bank_path), opts), maxtasksperchild=200)
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


def load_items(out: Path, inputs: list[BatchInput], keys: list[str | None]) -> Iterator[dict]:
    for inp, key in zip(inputs, keys, strict=True):
        if key is None or not _item_path(out, key).is_file():
            continue
        d = json.loads(_item_path(out, key).read_text(encoding="utf-8"))
        d["audio"] = inp.audio  # the same audio may be listed twice under other names
        yield d


SUMMARY_COLUMNS = ["audio", "question_id", "overall", "coverage", "filler_count",
                   "fillers_per_100_words", "red_flags", "red_flag_categories", "wpm",
                   "duration_s", "error"]


def summary_row(d: dict) -> dict:
    if d.get("error"):
        return {"audio": d["audio"], "question_id": d.get("question_id"), "error": d["error"]}
    return {
        "audio": d["audio"], "question_id": d["question_id"], "overall": d["overall"],
        "coverage": d["coverage"]["score"], "filler_count": d["fillers"]["count"],
        "fillers_per_100_words": d["fillers"]["per_100_words"],
        "red_flags": len(d["red_flags"]),
        "red_flag_categories": " ".join(sorted({h["category"] for h in d["red_flags"]})),
        "wpm": d["delivery"]["wpm"], "duration_s": d["delivery"]["duration_s"], "error": "",
    }


def write_aggregates(out: Path, inputs: list[BatchInput], keys: list[str | None]) -> None:
    """Rebuild results.jsonl, summary.csv and index.html from the per-item files."""
    import io

    from .batch_html import render_index

    rows = list(load_items(out, inputs, keys))
    atomic_write_text(out / "results.jsonl",
                      "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in rows))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    w.writeheader()
    for d in rows:
        w.writerow(summary_row(d))
    atomic_write_text(out / "summary.csv", buf.getvalue())
    atomic_write_text(out / "index.html", render_index(rows))
