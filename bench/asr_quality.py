"""Transcription quality and cost, against plain faster-whisper run in the same process.

    .venv/bin/python bench/asr_quality.py [--set real|samples|all] [--context auto|none|question]
                                          [--model NAME] [--show] [--json OUT] [--strict]

Sets: ``real`` = the 14 recordings of real people in tests/fixtures/real (real.json has the
references and kinds of speech); ``samples`` = samples/ (31 piper-voiced answers, a third
with noise, plus a silence file). Every file is transcribed twice, back to back, with the
same model folder and threads: plain ``WhisperModel.transcribe(path)`` with its defaults
(the baseline; seeded, so reruns agree) and ``Transcriber.transcribe(path, context)``.
``--context auto`` (default): samples/ get their question as context (as ``score`` and
``practice`` decode), the real recordings none (as ``voicecoach transcribe``);
``question`` gives the real ones an interview question too, as a second check.

Per set and per kind of speech: WER of both; um/uh recall and precision on the verbatim
files (count based: min(found, said) per file); runs of 4+ words plain wrote that voicecoach
dropped (and how many of those words were right); words invented over laughter and breaths
(voicecoach words in neither the reference nor plain's transcript); words on silence
(samples/silence.flac, 4 s of zeros, 10 s of white noise); wall and CPU time against plain.
Normaliser: bench/textnorm.py. ``--strict`` exits 1 when a quality-bar line fails.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

import numpy as np
from textnorm import UM_UH, aligned_um_uh, normalize

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "tests" / "fixtures" / "real"
REAL_QUESTION = "Tell me about a recent project you worked on."
KINDS = [  # (prefix of real.json's speaker_kind, the kind reported)
    ("spontaneous", "spontaneous"),
    ("elicited disfluencies", "elicited fillers and repetitions"),
    ("elicited voice-quality", "voice quality (whisper, falsetto, laughter, breaths, pauses)"),
    ("prepared", "prepared speech"),
    ("read", "read speech"),
]
BAR = {"spontaneous_wer": 0.08, "um_uh_recall": 0.90, "um_uh_precision": 0.90, "time": 1.3}


@dataclass
class Item:
    set: str
    kind: str
    path: Path
    ref: str  # normalised reference ("" for silence)
    verbatim: bool
    context: str | None
    sounds: bool = False  # laughter or breaths between the words


@dataclass
class Row:
    file: str
    set: str
    kind: str
    ref: str
    plain: str
    vc: str
    plain_s: float
    vc_s: float
    plain_cpu: float
    vc_cpu: float
    verbatim: bool
    sounds: bool
    fallbacks: list = field(default_factory=list)


def real_items(context: str) -> list[Item]:
    out = []
    for r in json.loads((REAL / "real.json").read_text(encoding="utf-8")):
        kind = next(k for p, k in KINDS if r["speaker_kind"].startswith(p))
        ctx = REAL_QUESTION if context == "question" else None
        sounds = any(s in r["speaker_kind"] for s in ("laughter", "breaths"))
        out.append(
            Item("real", kind, REAL / r["file"], normalize(r["reference"]), r["verbatim"], ctx)
        )
        out[-1].sounds = sounds
    return out


def sample_items(context: str) -> list[Item]:
    import csv

    from voicecoach.banks import load_bank

    manifest = ROOT / "samples" / "manifest.csv"
    bank = load_bank("ml-engineer")
    out = []
    for r in csv.DictReader(manifest.read_text(encoding="utf-8").splitlines()):
        audio = manifest.parent / r["audio"]
        truth_path = audio.with_name(audio.name + ".truth.json")
        if not truth_path.exists():
            raise SystemExit(f"{truth_path}: missing; run .venv/bin/python samples/make_samples.py")
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        q = bank.get(r["question"]) if r["question"] in bank else None
        ctx = q.text if q is not None and context != "none" else None
        kind = "synthetic, noisy" if truth.get("noise") else "synthetic, clean"
        out.append(Item("samples", kind, audio, normalize(truth["text"]), True, ctx))
    return out


def dropped_runs(plain: str, vc: str, ref: str) -> list[tuple[str, int]]:
    """Runs of 4+ words of plain's transcript missing from voicecoach's, each with how many
    of its words plain had right (aligned to the reference)."""
    p, v, r = plain.split(), vc.split(), ref.split()
    right = set()
    for tag, i1, i2, j1, _ in SequenceMatcher(None, r, p, autojunk=False).get_opcodes():
        if tag == "equal":
            right.update(range(j1, j1 + i2 - i1))
    out = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, p, v, autojunk=False).get_opcodes():
        if tag in ("delete", "replace") and (i2 - i1) - (j2 - j1) >= 4:
            out.append((" ".join(p[i1:i2]), sum(i in right for i in range(i1, i2))))
    return out


def invented(row: Row) -> list[str]:
    extra = Counter(row.vc.split()) - (Counter(row.ref.split()) | Counter(row.plain.split()))
    return sorted(extra.elements())


def run(items: list[Item], model: str | None) -> list[Row]:
    import ctranslate2
    from faster_whisper import WhisperModel

    from voicecoach.asr.transcribe import Transcriber

    tr = Transcriber(model)
    plain = WhisperModel(
        tr.resolved.path, device="cpu", compute_type="int8", cpu_threads=tr.cpu_threads
    )
    tr.transcribe(np.zeros(16000, np.float32) + 1e-3)  # warm both up outside the timing
    list(plain.transcribe(np.zeros(16000, np.float32))[0])
    rows = []
    for it in items:
        ctranslate2.set_random_seed(0)
        t0, c0 = time.perf_counter(), time.process_time()
        ptext = " ".join(s.text for s in plain.transcribe(str(it.path))[0])
        p_s, p_cpu = time.perf_counter() - t0, time.process_time() - c0
        t0, c0 = time.perf_counter(), time.process_time()
        t = tr.transcribe(it.path, context=it.context)
        v_s, v_cpu = time.perf_counter() - t0, time.process_time() - c0
        rows.append(
            Row(
                it.path.name,
                it.set,
                it.kind,
                it.ref,
                normalize(ptext),
                normalize(t.text),
                round(p_s, 3),
                round(v_s, 3),
                round(p_cpu, 3),
                round(v_cpu, 3),
                it.verbatim,
                it.sounds,
                t.info.get("fallbacks", []),
            )
        )
        r = rows[-1]
        print(
            f"  {r.file[:40]:40} plain {_wer([r]) if r.ref else '-':>6} {r.plain_s:5.2f}s"
            f"   vc {_wer([r], 'vc') if r.ref else '-':>6} {r.vc_s:5.2f}s"
            f"  {';'.join(str(f.get('reason')) for f in r.fallbacks)[:50]}",
            flush=True,
        )
    return rows


def _wer(rows: list[Row], side: str = "plain", fmt: bool = True):
    import jiwer

    rows = [r for r in rows if r.ref]
    if not rows:
        return "-" if fmt else None
    w = jiwer.wer([r.ref for r in rows], [getattr(r, side) or "<empty>" for r in rows])
    return f"{w:.1%}" if fmt else w


def um_uh(rows: list[Row], side: str) -> tuple[int, int, int, int]:
    """(said, found, right by count, right in place) over the verbatim rows."""
    said = found = right = placed = 0
    for r in rows:
        if not r.verbatim or not r.ref:
            continue
        hyp = getattr(r, side)
        n_said = sum(w in UM_UH for w in r.ref.split())
        n_found = sum(w in UM_UH for w in hyp.split())
        said += n_said
        found += n_found
        right += min(n_said, n_found)
        placed += aligned_um_uh(r.ref, hyp) if hyp else 0
    return said, found, right, placed


def silence_words(model_rows: list[Row]) -> dict[str, int]:
    from voicecoach.asr.transcribe import get_transcriber

    tr = get_transcriber()
    out = {r.file: len(r.vc.split()) for r in model_rows if not r.ref}
    out["zeros 4 s"] = len(tr.transcribe(np.zeros(4 * 16000, np.float32)).words)
    noise = np.random.default_rng(1).standard_normal(10 * 16000).astype(np.float32) * 0.1
    out["white noise 10 s"] = len(tr.transcribe(noise).words)
    return out


def report(rows: list[Row]) -> dict:
    summary: dict = {}
    for name, sub in [("all", rows)] + [
        (s, [r for r in rows if r.set == s]) for s in sorted({r.set for r in rows})
    ]:
        kinds = {k: [r for r in sub if r.kind == k] for k in dict.fromkeys(r.kind for r in sub)}
        said, found, right, placed = um_uh(sub, "vc")
        psaid, pfound, pright, _ = um_uh(sub, "plain")
        plain_s, vc_s = sum(r.plain_s for r in sub), sum(r.vc_s for r in sub)
        drops = [(r.file, d) for r in sub for d in dropped_runs(r.plain, r.vc, r.ref)]
        s = {
            "files": len(sub),
            "wer_plain": _wer(sub, "plain", False),
            "wer_vc": _wer(sub, "vc", False),
            "kinds": {
                k: {
                    "files": len(v),
                    "wer_plain": _wer(v, "plain", False),
                    "wer_vc": _wer(v, "vc", False),
                }
                for k, v in kinds.items()
            },
            "um_uh": {
                "said": said,
                "vc_found": found,
                "vc_recall": right / said if said else None,
                "vc_precision": right / found if found else None,
                "vc_in_place": placed,
                "plain_found": pfound,
                "plain_recall": pright / psaid if psaid else None,
                "plain_precision": pright / pfound if pfound else None,
            },
            "dropped_runs": drops,
            "invented_over_sounds": {r.file: invented(r) for r in sub if r.sounds},
            "time_ratio": vc_s / plain_s if plain_s else None,
            "cpu_ratio": sum(r.vc_cpu for r in sub) / max(1e-9, sum(r.plain_cpu for r in sub)),
            "plain_s": plain_s,
            "vc_s": vc_s,
        }
        summary[name] = s
        print(f"\n== {name}: {len(sub)} files")
        print(f"   WER plain {_pc(s['wer_plain'])}  voicecoach {_pc(s['wer_vc'])}")
        for k, v in s["kinds"].items():
            print(f"     {k[:60]:60} plain {_pc(v['wer_plain'])}  vc {_pc(v['wer_vc'])}")
        u = s["um_uh"]
        print(
            f"   um/uh said {u['said']}: voicecoach found {u['vc_found']}, recall "
            f"{_pc(u['vc_recall'])} precision {_pc(u['vc_precision'])} ({u['vc_in_place']} in "
            f"place); plain found {u['plain_found']}, recall {_pc(u['plain_recall'])}"
        )
        print(f"   runs of 4+ plain words dropped: {len(drops)} {drops[:3]}")
        print(f"   invented over laughter/breaths: {s['invented_over_sounds']}")
        print(
            f"   time: plain {plain_s:.1f} s, voicecoach {vc_s:.1f} s, ratio "
            f"{s['time_ratio']:.2f} (CPU ratio {s['cpu_ratio']:.2f})"
        )
    return summary


def _pc(x) -> str:
    return "-" if x is None else f"{x:.1%}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", choices=["real", "samples", "all"], default="all")
    ap.add_argument("--context", choices=["auto", "none", "question"], default="auto")
    ap.add_argument("--model", default=None, help="as --model of the app (default tiny.en)")
    ap.add_argument("--show", action="store_true", help="print reference and both transcripts")
    ap.add_argument("--json", help="write per-file rows and the summary here")
    ap.add_argument("--strict", action="store_true", help="exit 1 if a quality-bar line fails")
    a = ap.parse_args()
    items = []
    if a.set in ("real", "all"):
        items += real_items(a.context)
    if a.set in ("samples", "all"):
        items += sample_items(a.context)
    load = os.getloadavg()[0]
    print(f"{len(items)} files; load average {load:.1f} ({os.cpu_count()} cores)")
    rows = run(items, a.model)
    if a.show:
        for r in rows:
            if r.vc != r.ref or r.plain != r.ref:
                print(f"\n{r.file}\n  ref   {r.ref}\n  plain {r.plain}\n  vc    {r.vc}")
    summary = report(rows)
    summary["silence_words"] = silence_words(rows) if a.set != "real" else {}
    print(f"\nwords on silence: {summary['silence_words']}")
    fails = _bar(summary)
    print("quality bar: " + ("all met" if not fails else "missed: " + "; ".join(fails)))
    if a.json:
        tmp = Path(a.json + ".tmp")
        rows_out = [asdict(r) for r in rows]
        tmp.write_text(json.dumps({"summary": summary, "files": rows_out}, indent=1, default=str))
        os.replace(tmp, a.json)
    return 1 if a.strict and fails else 0


def _bar(summary: dict) -> list[str]:
    fails = []
    for name, s in summary.items():
        if name == "silence_words":
            continue
        if s["wer_vc"] is not None and s["wer_vc"] > s["wer_plain"]:
            fails.append(f"{name}: WER above plain")
        for k, v in s["kinds"].items():
            if v["wer_vc"] is not None and v["wer_vc"] > v["wer_plain"] + 1e-9:
                fails.append(f"{name}/{k}: WER above plain")
            if k == "spontaneous" and v["wer_vc"] > BAR["spontaneous_wer"]:
                fails.append(f"{name}/spontaneous WER above 8%")
        u = s["um_uh"]
        for key in ("vc_recall", "vc_precision"):
            if u[key] is not None and u[key] < BAR["um_uh_recall"]:
                fails.append(f"{name}: um/uh {key[3:]} below 90%")
        if [d for d in s["dropped_runs"] if d[1][1] > 0]:
            fails.append(f"{name}: runs of 4+ words dropped")
        if any(s["invented_over_sounds"].values()):
            fails.append(f"{name}: words invented over laughter or breaths")
        if s["time_ratio"] is not None and name == "real" and s["time_ratio"] > BAR["time"]:
            fails.append(f"{name}: time above 1.3x plain")
    if any(summary.get("silence_words", {}).values()):
        fails.append("words on silence")
    return fails


if __name__ == "__main__":
    raise SystemExit(main())
