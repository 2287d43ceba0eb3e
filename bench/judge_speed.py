"""Benchmark: what the judge costs, against the rules alone measured in the same run.

    .venv/bin/python bench/judge_speed.py [--answers 60] [--batch [--batch-runs 3]]

* time the judge adds to scoring one 200-word answer (median and 95th percentile over
  distinct answers, each read cold: nothing cached);
* loading the judge, in a fresh process;
* ``voicecoach score-text --json`` start to finish, with and without the judge, beside a
  bare ``python -c pass`` (the interpreter's own start-up);
* peak memory of a process that scores one answer, with and without the judge;
* ``--batch``: ``voicecoach batch`` over samples/ with ``--judge`` and ``--no-judge``, each
  ``--batch-runs`` times (3), alternating (throughput ratio of the mean times).

Targets (issue 10): judge <= 150 ms median and <= 300 ms p95 per 200-word answer; loading
<= 0.5 s; score-text <= 0.8 s; batch throughput drop <= 5 %; memory growth <= 150 MB.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PY = sys.executable


def answers_of_200_words(n: int) -> list[tuple[str, str, str]]:
    """(bank, question, text) of about 200 words: marked training answers joined end to end
    per question (distinct texts, so nothing is read twice)."""
    by_q: dict[tuple[str, str], list[str]] = {}
    for f in sorted((ROOT / "training/data/answers").glob("*.toml")):
        for a in tomllib.loads(f.read_text(encoding="utf-8"))["answer"]:
            by_q.setdefault((a["bank"], a["question"]), []).append(a["text"])
    out = []
    for (bank, q), texts in sorted(by_q.items()):
        buf: list[str] = []
        for t in texts:
            buf.append(t)
            words = sum(len(x.split()) for x in buf)
            if words >= 180:
                joined = " ".join(buf).split()
                out.append((bank, q, " ".join(joined[:220])))
                buf = []
        if len(out) >= n:
            break
    return out[:n]


def per_answer(n: int) -> dict[str, float]:
    from voicecoach.banks import load_bank
    from voicecoach.judge.model import JudgeModel, get_model
    from voicecoach.scoring.score import Settings, score_answer

    banks: dict[str, object] = {}
    for f in sorted((ROOT / "questions").glob("*.toml")):
        b = load_bank(f)
        banks[b.id] = b
    stages = _timed_stages(get_model())  # loaded once, as in a long-running process
    items = answers_of_200_words(n)
    judged, rules = [], []
    for bank, qid, text in items:
        q = banks[bank].get(qid)  # type: ignore[attr-defined]
        m: JudgeModel = get_model()
        m._read.clear()  # read cold: nothing from an earlier answer helps
        m._cover.clear()
        m._labels.clear()
        t0 = time.perf_counter()
        score_answer(q, text, Settings(judge=False))
        t1 = time.perf_counter()
        for v in stages.values():
            v.append(0.0)
        score_answer(q, text, Settings())
        t2 = time.perf_counter()
        rules.append(t1 - t0)
        judged.append(t2 - t1)
    added = sorted(1000 * (j - r) for j, r in zip(judged, rules, strict=True))
    words = statistics.mean(len(t.split()) for _, _, t in items)
    return {
        "answers": len(items),
        "mean_words": round(words, 1),
        "rules_ms_median": round(1000 * statistics.median(rules), 1),
        "judge_added_ms_median": round(statistics.median(added), 1),
        "judge_added_ms_p95": round(added[int(0.95 * (len(added) - 1))], 1),
        # where the judge's time goes (medians per answer): reading the windows with the
        # question, embedding the labels, and the close (label, window) readings
        **{
            (f"{k}_median" if k == "pairs" else f"{k}_ms_median"): round(
                statistics.median(v) * (1 if k == "pairs" else 1000), 1
            )
            for k, v in stages.items()
        },
    }


def _timed_stages(model: object) -> dict[str, list[float]]:
    """Wrap the model's three readings so each answer's time in them (and its number of
    close readings, ``pairs``) is added to the last entry of the returned lists."""
    stages: dict[str, list[float]] = {"read": [], "labels": [], "cover": [], "pairs": []}
    for name, attr in (("read", "read_windows"), ("labels", "embed_labels"), ("cover", "cover")):
        f = getattr(model, attr)

        def timed(*a: object, _f=f, _name=name) -> object:
            t = time.perf_counter()
            out = _f(*a)
            stages[_name][-1] += time.perf_counter() - t
            if _name == "cover":
                stages["pairs"][-1] += len(a[0])  # type: ignore[arg-type]
            return out

        setattr(model, attr, timed)
    return stages


def _timed(cmd: list[str], stdin: str = "", runs: int = 7) -> float:
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=True)
        ts.append(time.perf_counter() - t0)
    return round(statistics.median(ts), 3)


def startup() -> dict[str, float]:
    answer = answers_of_200_words(1)[0][2]
    load = (
        "import time; t=time.perf_counter(); from voicecoach.judge.model import JudgeModel;"
        " JudgeModel(); print(time.perf_counter()-t)"
    )
    loads = sorted(
        float(subprocess.run([PY, "-c", load], capture_output=True, text=True, check=True).stdout)
        for _ in range(5)
    )
    vc = [PY, "-m", "voicecoach", "score-text", "-q", "bias-variance", "--json"]
    return {
        "python_pass_s": _timed([PY, "-c", "pass"]),
        "judge_load_s_median": round(loads[2], 3),
        "score_text_judge_s": _timed(vc, answer),
        "score_text_rules_s": _timed([*vc, "--no-judge"], answer),
    }


def memory() -> dict[str, float]:
    code = (
        "import sys; from voicecoach.banks import find_question; "
        "from voicecoach.scoring.score import Settings, score_answer; "
        "q=find_question('bias-variance')[1]; "
        "score_answer(q, 'High bias means the model is too simple and underfits.', "
        "Settings(judge=sys.argv[1]=='1')); "
        # VmHWM, not ru_maxrss: ru_maxrss survives fork and exec, so a child of this
        # (large) benchmark process would report at least the parent's peak
        "print([int(x.split()[1]) for x in open('/proc/self/status') "
        "if x.startswith('VmHWM')][0] / 1024)"
    )
    mb = {
        k: float(
            subprocess.run([PY, "-c", code, k], capture_output=True, text=True, check=True).stdout
        )
        for k in ("0", "1")
    }
    return {
        "peak_mb_rules": round(mb["0"], 1),
        "peak_mb_judge": round(mb["1"], 1),
        "judge_added_mb": round(mb["1"] - mb["0"], 1),
    }


def batch(runs: int) -> dict[str, float]:
    times: dict[str, list[float]] = {"judge": [], "no-judge": []}
    for _ in range(runs):
        for flag in ("judge", "no-judge"):
            with tempfile.TemporaryDirectory() as out:
                t0 = time.perf_counter()
                subprocess.run(
                    [
                        PY,
                        "-m",
                        "voicecoach",
                        "batch",
                        "--manifest",
                        str(ROOT / "samples/manifest.csv"),
                        "--out",
                        out,
                        "--quiet",
                        "--no-history",
                        f"--{flag}",
                    ],
                    check=True,
                    capture_output=True,
                )
                times[flag].append(time.perf_counter() - t0)
    j, r = statistics.mean(times["judge"]), statistics.mean(times["no-judge"])
    return {
        "batch_judge_s": round(j, 1),
        "batch_rules_s": round(r, 1),
        "batch_throughput_ratio": round(r / j, 3),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--answers", type=int, default=60)
    ap.add_argument("--batch", action="store_true")
    ap.add_argument("--batch-runs", type=int, default=3, help="runs of each batch mode")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args(argv)
    figures = {**per_answer(args.answers), **startup(), **memory()}
    if args.batch:
        figures.update(batch(args.batch_runs))
    print(json.dumps(figures, indent=2))
    print(" ".join(f"{k}={v}" for k, v in figures.items()))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
