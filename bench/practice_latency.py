"""Benchmark: `voicecoach practice` time to feedback and time to the first spoken question.

1. Feedback latency. A ~90 s spoken answer (piper voice) is played in real time into a
   private PulseAudio null sink that `voicecoach practice` records from (voicecoach.sound.virtual).
   The session file records `timing.feedback_latency_s` (recording stopped -> feedback ready)
   for each answer. Baseline, same run: transcribing the same 90 s file in one go after the
   fact (what the answer would cost without live transcription).
2. Start-up. `voicecoach practice` with espeak-ng speaking into a virtual ALSA playback device
   that writes to a file; the time from launch to the first bytes of question audio is
   measured from outside. Baseline, same run: a bare `python -c pass`.

    .venv/bin/python bench/practice_latency.py [--runs 3]
"""

from __future__ import annotations

import argparse
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


def long_answer(seconds: float = 90.0) -> np.ndarray:
    from voicecoach.banks import load_bank

    b = load_bank("ml-engineer")
    parts, total = [], 0.0
    for q in b.questions:
        x = render_piper_16k(q.model_answer)
        parts += [x, np.zeros(int(0.6 * 16000), np.float32)]
        total += len(x) / 16000 + 0.6
        if total >= seconds:
            break
    return np.concatenate(parts)


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
            out.append(
                a["timing"]
                | {
                    "words": a["result"]["delivery"]["words"],
                    "pieces": len(a["result"]["asr"]["pieces"]),
                }
            )
    finally:
        rig.stop()
    return out


def offline_baseline(wav: Path) -> float:
    code = (
        "import time,sys\nfrom voicecoach.asr.transcribe import get_transcriber\n"
        "t=get_transcriber(); t.transcribe(sys.argv[1][:0] or __import__('numpy').zeros(16000,"
        "'float32'))\nt0=time.perf_counter(); t.transcribe(sys.argv[1], context="
        "'Explain the bias-variance tradeoff.')\nprint(time.perf_counter()-t0)"
    )
    p = subprocess.run(
        [sys.executable, "-c", code, str(wav)], capture_output=True, text=True, check=True
    )
    return float(p.stdout.strip().splitlines()[-1])


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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--startup-only", action="store_true")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        speech = long_answer()
        wav = tmp / "answer90.wav"
        sf.write(wav, np.concatenate([speech, np.zeros(16000 * 4, np.float32)]), 16000)
        print(f"answer: {len(speech) / 16000:.1f} s of speech")
        lat = feedback_latency(tmp, wav, a.runs) if not a.startup_only else []
        for r in lat:
            print(
                f"  recorded {r['recorded_s']:.1f} s, {r['words']} words in {r['pieces']} "
                f"live pieces: feedback {r['feedback_latency_s']:.3f} s after the stop "
                f"(auto-stop fired 2 s after the last word)"
            )
        base = offline_baseline(wav) if lat else float("nan")
        med = statistics.median(r["feedback_latency_s"] for r in lat) if lat else float("nan")
        print(
            f"feedback latency median {med:.3f} s; baseline (transcribe the whole answer "
            f"after it ends) {base:.2f} s; ratio {base / med:.1f}x"
        )
        fq = first_question(tmp, a.runs)
        bare = bare_python()
        fq_med = statistics.median(fq) if fq else float("nan")
        print(
            f"first question audio {fq_med:.2f} s after launch (runs: "
            f"{', '.join(f'{x:.2f}' for x in fq)}); bare python start {bare:.3f} s"
        )
        print(
            f"feedback_latency_s={med:.3f} offline_baseline_s={base:.2f} "
            f"first_question_s={fq_med:.2f} cores={os.cpu_count()}"
        )


if __name__ == "__main__":
    main()
