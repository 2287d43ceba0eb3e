"""Benchmark: text scoring speed and `voicecoach score-text` start-up time.

Targets (issue 2): scoring one answer < 5 ms after import; `voicecoach score-text` starts
and finishes in < 300 ms with no speech library imported. Machines are noisy, so a
baseline is measured in the same run (the bare interpreter start) and ratios are printed.

    .venv/bin/python bench/scoring_speed.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def per_answer_ms(rounds: int) -> tuple[float, float, int]:
    from voicecoach.banks import all_banks
    from voicecoach.scoring.score import score_answer

    qs = [q for b in all_banks() for q in b.questions]
    texts = [(q, q.model_answer + " Um, it's, like, you know, I guarantee it.") for q in qs]
    for q, t in texts:
        score_answer(q, t)  # warm caches (rules, stems)
    samples = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for q, t in texts:
            score_answer(q, t)
        samples.append((time.perf_counter() - t0) / len(texts) * 1000)
    words = sum(len(t.split()) for _, t in texts) // len(texts)
    return statistics.median(samples), max(samples), words


def wall(cmd: list[str], stdin: bytes | None = None, n: int = 15) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(cmd, input=stdin, stdout=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=20)
    a = ap.parse_args()
    med, worst, words = per_answer_ms(a.rounds)
    print(
        f"scoring: median {med:.2f} ms per answer (worst round {worst:.2f} ms), "
        f"answers of ~{words} words, all bundled questions"
    )
    answer = b"Um, high bias means the model is too simple, like, and underfits."
    base = wall([sys.executable, "-c", "pass"])
    cli = wall(
        [sys.executable, "-m", "voicecoach", "score-text", "-q", "bias-variance", "--json"],
        stdin=answer,
    )
    human = wall(
        [sys.executable, "-m", "voicecoach", "score-text", "-q", "bias-variance"], stdin=answer
    )
    print(
        f"start-up: bare python {base:.0f} ms; score-text --json {cli:.0f} ms "
        f"({cli / base:.1f}x bare); score-text (rich table) {human:.0f} ms "
        f"({human / base:.1f}x bare)"
    )
    print(
        f"score_ms={med:.2f} startup_json_ms={cli:.0f} startup_table_ms={human:.0f} "
        f"baseline_ms={base:.0f}"
    )


if __name__ == "__main__":
    main()
