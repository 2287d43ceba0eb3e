"""Benchmark (issue 4): batch throughput against plain faster-whisper, in one run.

(a) plain faster-whisper: `WhisperModel(<same model>).transcribe(file)` with default
    settings, one file after the other, in one process (what a user would write first);
(b) `voicecoach batch` over the same files: transcription with word timings, guards and
    scoring included, with its default workers.
Both are printed as seconds of audio per second of wall time, with their ratio.

    flock /tmp/vc-cpu.lock .venv/bin/python bench/throughput.py [--files samples/manifest.csv]
                                                                [--short N] [--workers N]

``--short N`` renders N answers of 5-15 s (the first sentences of the bundled model answers,
piper voice, cached in /tmp/voicecoach-short-answers) and measures on those instead: short
files are where a fixed cost per file shows.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PLAIN = """
import sys, time
from faster_whisper import WhisperModel
from voicecoach.asr.models import resolve_model
model = WhisperModel(resolve_model(None).path, device="cpu", compute_type="int8")
t0 = time.perf_counter()
for f in sys.argv[1:]:
    segments, info = model.transcribe(f)
    text = " ".join(s.text for s in segments)
print(time.perf_counter() - t0)
"""


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (Linux /proc)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo += [int(c) for c in fh.read().split()]
        except OSError:
            continue
    return total / 1024


def run_measured(cmd: list[str]) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run ``cmd``; return (result, wall seconds, peak MB of its process tree)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0.0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_mb(proc.pid))
            time.sleep(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    done.set()
    th.join()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), wall, peak


def audio_files(manifest: Path) -> list[Path]:
    from voicecoach.batch import read_manifest

    return [i.path for i in read_manifest(manifest) if i.path.is_file()]


def total_audio_s(files: list[Path]) -> float:
    from voicecoach.asr.audio import probe

    return sum(probe(f).duration_s for f in files)


def short_answers(n: int, folder: Path = Path("/tmp/voicecoach-short-answers")) -> Path:
    """A manifest of ``n`` spoken answers of 5-15 s (rendered once, then reused)."""
    import csv

    import numpy as np
    import soundfile as sf

    from voicecoach.banks import bundled_banks, load_bank
    from voicecoach.tts.engines import render_piper_16k

    manifest = folder / f"manifest-{n}.csv"
    if manifest.is_file():
        return manifest
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    questions = [q for b in bundled_banks() for q in load_bank(b).questions]
    k = 0
    while len(rows) < n and k < 4 * len(questions):
        q = questions[k % len(questions)]
        sentences = [t.strip() + "." for t in q.model_answer.split(".") if t.strip()]
        start = (k // len(questions)) % max(1, len(sentences))
        k += 1
        x = np.zeros(0, np.float32)
        for text in sentences[start:]:
            y = render_piper_16k(text)
            if len(x) and (len(x) + len(y)) / 16000 > 15:
                break
            x = np.concatenate([x, y, np.zeros(4000, np.float32)])
        if not 5 <= len(x) / 16000 <= 15:
            continue
        name = f"short-{len(rows):02d}.flac"
        sf.write(folder / name, np.concatenate([np.zeros(8000, np.float32), x]), 16000)
        rows.append({"audio": name, "question": q.id})
    with open(manifest, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, ["audio", "question"])
        w.writeheader()
        w.writerows(rows)
    return manifest


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", default=str(ROOT / "samples" / "manifest.csv"))
    ap.add_argument("--short", type=int, default=0, help="N rendered answers of 5-15 s")
    ap.add_argument("--workers", type=int, default=None)
    a = ap.parse_args()
    manifest = short_answers(a.short) if a.short else Path(a.files)
    files = audio_files(manifest)
    audio_s = total_audio_s(files)
    print(f"{len(files)} files, {audio_s / 60:.1f} min of audio")
    p, plain_wall, plain_mb = run_measured([sys.executable, "-c", PLAIN, *map(str, files)])
    if p.returncode:
        raise SystemExit(p.stderr)
    plain_loop = float(p.stdout.strip().splitlines()[-1])  # wall includes model load
    with tempfile.TemporaryDirectory() as out:
        cmd = [
            sys.executable,
            "-m",
            "voicecoach",
            "batch",
            "--manifest",
            str(manifest),
            "--out",
            out,
            "--quiet",
        ]
        if a.workers:
            cmd += ["--workers", str(a.workers)]
        r, batch_wall, batch_mb = run_measured(cmd)
        rows = [json.loads(x) for x in (Path(out) / "results.jsonl").read_text().splitlines()]
    errors = [x for x in rows if x.get("error")]
    if r.returncode not in (0, 1) or len(rows) != len(files):
        raise SystemExit(f"batch failed: {r.stderr}")
    plain_rate = audio_s / plain_wall
    batch_rate = audio_s / batch_wall
    print(
        f"plain faster-whisper (default settings, sequential): {plain_wall:.1f} s wall "
        f"({plain_loop:.1f} s in the loop) = {plain_rate:.1f} s audio per s, "
        f"peak {plain_mb:.0f} MB"
    )
    print(
        f"voicecoach batch (transcribe + score, {len(errors)} errors): {batch_wall:.1f} s "
        f"wall = {batch_rate:.1f} s audio per s, peak {batch_mb:.0f} MB (all processes)"
    )
    print(
        f"plain_rate={plain_rate:.2f} batch_rate={batch_rate:.2f} "
        f"ratio={batch_rate / plain_rate:.2f} batch_peak_mb={batch_mb:.0f}"
    )


if __name__ == "__main__":
    main()
