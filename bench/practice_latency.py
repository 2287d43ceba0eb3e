"""Benchmark: `voicecoach practice` time to feedback, and time to the first spoken question.

1. Feedback latency, through the real-time PulseAudio microphone (voicecoach.sound.virtual):
   each answer is played in real time into a private null sink that `voicecoach practice`
   records from; auto-stop ends the recording 2 s after the last word, and the session
   records `timing.feedback_latency_s` (recording stopped -> scored feedback ready, the
   judge included). Three answers (piper voice, texts: the bank's model answers):
   (a) fluent 30 s, no pause over 0.3 s; (b) fluent 90 s, five answers joined with 0.2 s
   gaps, no pause over 0.3 s; (c) 120 s with its natural pauses (0.8 s between answers).
   Each idle, then again with one CPU-busy process beside it (started here). Baseline, same
   run: transcribing the whole answer after it ends. Accuracy: the live transcript's WER
   (the feedback shown first) against the text, beside the whole answer decoded at once;
   then the checked result that practice keeps (the recording decoded whole after the
   feedback, voicecoach.practice.check): its WER, when it was ready, what it changed.
2. Start-up. `voicecoach practice` with espeak-ng speaking into a virtual ALSA playback device
   that writes to a file; the time from launch to the first bytes of question audio is
   measured from outside. Baseline, same run: a bare `python -c pass`.

Piper's renderings vary from run to run, so each sentence is rendered once and kept in
``bench/.cache/piper`` (bench/live_wer.py's ``fluent`` set uses the same answers): runs of
the benchmarks compare the same audio. Delete that folder to render them again.

    flock /tmp/vc-cpu.lock .venv/bin/python bench/practice_latency.py [--runs 3] [--cases a,b,c]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from voicecoach.sound import virtual as audio_rig
from voicecoach.tts.engines import render_piper_16k

ROOT = Path(__file__).resolve().parent.parent

VC = [sys.executable, "-m", "voicecoach"]
PIPER_CACHE = ROOT / "bench" / ".cache" / "piper"


def _squeeze(x: np.ndarray, longest: float = 0.25, to: float = 0.15) -> np.ndarray:
    """Shorten every pause longer than ``longest`` seconds to ``to`` seconds."""
    from voicecoach.asr.vad import FRAME_S, frame_db

    db = frame_db(x)
    quiet = db < np.percentile(db, 95) - 35
    fr = int(FRAME_S * 16000)
    out, i = [], 0
    while i < len(quiet):
        j = i
        while j < len(quiet) and quiet[j] == quiet[i]:
            j += 1
        keep = j - i
        if quiet[i] and (j - i) * FRAME_S > longest:
            keep = int(to / FRAME_S)
        out.append(x[i * fr : (i + keep) * fr])
        i = j
    return np.concatenate(out)


def rendered(text: str) -> np.ndarray:
    """``render_piper_16k(text)``, rendered once and then read from PIPER_CACHE."""
    f = PIPER_CACHE / (hashlib.sha256(text.encode("utf-8")).hexdigest()[:20] + ".npy")
    if f.is_file():
        return np.load(f)
    x = np.asarray(render_piper_16k(text), np.float32)
    PIPER_CACHE.mkdir(parents=True, exist_ok=True)
    part = f.with_suffix(".part.npy")
    np.save(part, x)
    os.replace(part, f)
    return x


def answer(case: str) -> tuple[np.ndarray, str]:
    """The audio and text of case a (fluent 30 s), b (fluent 90 s) or c (120 s, pauses)."""
    from voicecoach.banks import load_bank

    target, fluent, gap = {"a": (30, True, 0.2), "b": (90, True, 0.2), "c": (120, False, 0.8)}[case]
    parts, texts, total = [], [], 0.0
    for q in load_bank("ml-engineer").questions:
        sentences = [t.strip() + "." for t in q.model_answer.split(".") if t.strip()]
        for text in sentences:
            x = rendered(text)
            x = _squeeze(x) if fluent else x
            if parts and total + len(x) / 16000 > target + 3:
                break
            parts += [x, np.zeros(int((0.12 if fluent else 0.3) * 16000), np.float32)]
            texts.append(text)
            total += len(x) / 16000
        parts[-1] = np.zeros(int(gap * 16000), np.float32)
        if total >= target - 3:
            break
    return np.concatenate(parts[:-1]), " ".join(texts)


def busy() -> subprocess.Popen:
    """One CPU-busy process beside the practice run."""
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def feedback_latency(tmp: Path, wav: Path, runs: int) -> list[dict]:
    rig = audio_rig.PulseRig(tmp / "pulse").start()
    out = []
    try:
        for k in range(runs):
            root = tmp / f"sessions{k}"
            proc = subprocess.Popen(
                [
                    *VC,
                    "practice",
                    "-q",
                    "bias-variance",
                    "--yes",
                    "--no-speak",
                    "-i",
                    "vpulse",
                    "--auto-stop",
                    "2",
                    "--max-seconds",
                    "300",
                    "--sessions-dir",
                    str(root),
                ],
                env=rig.env(),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            deadline = time.time() + 60
            while time.time() < deadline and not list(root.glob("*/session.json")):
                time.sleep(0.05)
            while time.time() < deadline:  # wait until the answer is being recorded
                f = next(iter(root.glob("*/session.json")))
                if json.loads(f.read_text())["answers"]:
                    break
                time.sleep(0.05)
            rig.play(wav).wait()
            _, err = proc.communicate(timeout=120)
            if proc.returncode != 0:
                raise SystemExit(f"practice failed: {err}")
            s = json.loads(next(iter(root.glob("*/session.json"))).read_text())
            a = s["answers"][0]
            live = a["check"]["live"]  # the feedback shown first; the result: checked whole
            out.append(
                a["timing"]
                | {
                    "words": a["result"]["delivery"]["words"],
                    "pieces": live["pieces"],
                    "transcript": live["transcript"],
                    "saved": a["result"]["transcript"],
                    "checked_s": a["check"]["checked_s"],
                    "feedback_changes": a["check"]["feedback_changes"],
                }
            )
    finally:
        rig.stop()
    return out


def offline_baseline(wav: Path) -> tuple[float, str]:
    """Seconds to transcribe the whole answer after it ends, and that transcript."""
    code = (
        "import time,sys,json\nfrom voicecoach.asr.transcribe import get_transcriber\n"
        "t=get_transcriber(); t.transcribe(__import__('numpy').zeros(16000,'float32'))\n"
        "t0=time.perf_counter(); r=t.transcribe(sys.argv[1], context="
        "'Explain the bias-variance tradeoff.')\n"
        "print(json.dumps([time.perf_counter()-t0, r.text]))"
    )
    p = subprocess.run(
        [sys.executable, "-c", code, str(wav)], capture_output=True, text=True, check=True
    )
    seconds, transcript = json.loads(p.stdout.strip().splitlines()[-1])
    return seconds, transcript


def first_question(tmp: Path, runs: int) -> list[float]:
    times = []
    for k in range(runs):
        rig = audio_rig.AlsaRig(tmp / f"alsa{k}")
        rig.set_input(np.zeros(16000 * 3, np.int16) + 1)  # quiet but not digital silence
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [
                *VC,
                "practice",
                "-q",
                "bias-variance",
                "--yes",
                "-i",
                "vcin",
                "-o",
                "vcout",
                "--max-seconds",
                "5",
                "--sessions-dir",
                str(tmp / f"s{k}"),
            ],
            env=rig.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        first = None
        while proc.poll() is None and time.perf_counter() - t0 < 30:
            if any(p.stat().st_size > 0 for p in rig.outfile.parent.glob(rig.outfile.name + "*")):
                first = time.perf_counter() - t0
                break
            time.sleep(0.005)
        proc.wait(60)
        if first is not None:
            times.append(first)
    return times


def bare_python(n: int = 10) -> float:
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        ts.append(time.perf_counter() - t0)
    return statistics.median(ts)


def _p95(xs: list[float]) -> float:
    return float(np.percentile(xs, 95)) if xs else float("nan")


def main() -> None:
    import jiwer
    from textnorm import normalize

    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cases", default="a,b,c")
    ap.add_argument("--startup-only", action="store_true")
    a = ap.parse_args()
    names = {"a": "fluent 30 s", "b": "fluent 90 s", "c": "120 s with pauses"}
    summary = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for case in [] if a.startup_only else a.cases.split(","):
            speech, text = answer(case)
            wav = tmp / f"answer-{case}.wav"
            sf.write(wav, np.concatenate([speech, np.zeros(16000 * 4, np.float32)]), 16000)
            base = offline_baseline(wav)
            for loaded in (False, True):
                hog = busy() if loaded else None
                work = tmp / f"{case}{int(loaded)}"
                work.mkdir()
                try:
                    lat = feedback_latency(work, wav, a.runs)
                finally:
                    if hog is not None:
                        hog.kill()
                        hog.wait()
                ref = normalize(text)
                wers = [jiwer.wer(ref, normalize(r["transcript"])) for r in lat]
                saved = [jiwer.wer(ref, normalize(r["saved"]) or "<empty>") for r in lat]
                xs = [r["feedback_latency_s"] for r in lat]
                row = {
                    "case": names[case],
                    "speech_s": round(len(speech) / 16000, 1),
                    "loaded": loaded,
                    "median_s": round(statistics.median(xs), 3),
                    "p95_s": round(_p95(xs), 3),
                    "runs": xs,
                    "pieces": [r["pieces"] for r in lat],
                    "live_wer": round(statistics.median(wers), 4),
                    "saved_wer": round(statistics.median(saved), 4),
                    "checked_s": [r["checked_s"] for r in lat],
                    "feedback_changes": [r["feedback_changes"] for r in lat],
                    "whole_wer": round(jiwer.wer(ref, normalize(base[1]) or "<empty>"), 4),
                    "whole_s": round(base[0], 2),
                }
                summary.append(row)
                print(
                    f"{row['case']:18} ({row['speech_s']:.0f} s) "
                    f"{'1 busy process' if loaded else 'idle':14} feedback median "
                    f"{row['median_s']:.2f} s p95 {row['p95_s']:.2f} s (runs {xs}; pieces "
                    f"{row['pieces']}); live WER {row['live_wer']:.2%} vs whole "
                    f"{row['whole_wer']:.2%}; baseline (decode after the end) {base[0]:.2f} s; "
                    f"checked result (WER {row['saved_wer']:.2%}) {row['checked_s']} s after "
                    f"the stop, feedback changes {row['feedback_changes']}",
                    flush=True,
                )
        fq = first_question(tmp, a.runs)
        bare = bare_python()
        fq_med = statistics.median(fq) if fq else float("nan")
        print(
            f"first question audio {fq_med:.2f} s after launch (runs: "
            f"{', '.join(f'{x:.2f}' for x in fq)}); bare python start {bare:.3f} s"
        )
        out = {"feedback": summary, "first_question_s": fq_med, "cores": os.cpu_count()}
        print(json.dumps(out))


if __name__ == "__main__":
    main()
