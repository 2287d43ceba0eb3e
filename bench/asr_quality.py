"""Transcription quality on the rendered samples (samples/manifest.csv + *.truth.json).

    .venv/bin/python bench/asr_quality.py [--show] [--json OUT] [--strict] [--manifest CSV]
                                          [--company NAME]

Transcribes every sample with ``voicecoach.asr.get_transcriber()`` (the question text
as context, as the app does) and prints, per file: word error rate against the truth text,
um/uh found vs expected, and the transcriber's fallbacks; then overall WER, um/uh recall,
words invented on the silence file, real-time factor with and without model load, and as the
last line ``wer=... um_uh_recall=... silence_words=... rtf=...``.

Normaliser (both sides): lowercase, "%" -> "percent", "++" -> "plus plus", hyphens and
punctuation out, numbers as words ("0.84" -> "zero point eight four", "F1" -> "f one"),
filler spellings unified with ``normalize_filler`` ("Umm" -> "um"); fillers stay words, so a
dropped "um" counts as a deletion. um/uh recall per file is min(found, expected) / expected,
summed over files (count based); the aligned figure counts only um/uh matched in place.
Targets (issue 3): WER <= 5 %, um/uh recall >= 90 %, 0 words on silence, >= 10x real time.
``--strict`` exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import time
from pathlib import Path

from voicecoach.asr.transcribe import normalize_filler

ROOT = Path(__file__).resolve().parents[1]
UM_UH = {"um", "uh"}
OTHER_FILLERS = {"ah", "eh", "er", "erm", "hmm"}
TARGETS = {"wer": 0.05, "um_uh_recall": 0.90, "silence_words": 0, "rtf": 10.0}
_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
# Spelling variants that are not errors (both sides are mapped).
_SPELL = {
    "canceled": "cancelled",
    "ok": "okay",
    "tradeoff": "trade off",
    "cutoff": "cut off",
    "realtime": "real time",
}


def _int_words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    if n < 1000:
        rest = n % 100
        return _ONES[n // 100] + " hundred" + ("" if rest == 0 else " " + _int_words(rest))
    if n < 1_000_000:
        rest = n % 1000
        return _int_words(n // 1000) + " thousand" + ("" if rest == 0 else " " + _int_words(rest))
    return " ".join(_ONES[int(d)] for d in str(n))


def _number_words(m: re.Match) -> str:
    whole, frac = m.group(1), m.group(2)
    out = _int_words(int(whole)) if whole else "zero"
    if frac:
        out += " point " + " ".join(_ONES[int(d)] for d in frac)
    return f" {out} "


def normalize(text: str) -> str:
    """Text -> space-separated comparable words (see the module docstring)."""
    t = text.lower().replace("%", " percent").replace("++", " plus plus")
    t = re.sub(r"(\d),(\d{3})", r"\1\2", t)
    t = re.sub(r"(?<=[a-z])(?=\d)|(?<=\d)(?=[a-z])", " ", t)  # f1 -> f 1
    t = re.sub(
        r"(\d*)\.(\d+)|(\d+)",
        lambda m: _number_words(m) if m.group(2) else f" {_int_words(int(m.group(3)))} ",
        t,
    )
    out = []
    for tok in t.replace("-", " ").split():
        tok = normalize_filler(tok)
        tok = re.sub(r"[^\w]", "", tok)
        if tok:
            out.extend(_SPELL.get(tok, tok).split())
    return " ".join(out)


def aligned_um_uh(ref: str, hyp: str) -> int:
    """um/uh of ``ref`` matched in place by um/uh (or another filler sound) in ``hyp``."""
    import jiwer

    r, h = ref.split(), hyp.split()
    if not r or not h:
        return 0
    hit = 0
    for chunk in jiwer.process_words(ref, hyp).alignments[0]:
        for k in range(chunk.ref_end_idx - chunk.ref_start_idx):
            if r[chunk.ref_start_idx + k] not in UM_UH:
                continue
            if chunk.type == "equal" or (
                chunk.type == "substitute" and h[chunk.hyp_start_idx + k] in UM_UH | OTHER_FILLERS
            ):
                hit += 1
    return hit


def read_samples(manifest: Path) -> list[dict]:
    rows = list(csv.DictReader(manifest.read_text(encoding="utf-8").splitlines()))
    out = []
    for r in rows:
        audio = manifest.parent / r["audio"]
        truth_path = audio.with_name(audio.name + ".truth.json")
        if not truth_path.exists():
            raise SystemExit(
                f"{truth_path}: missing; run .venv/bin/python samples/make_samples.py first"
            )
        out.append(
            {
                "path": audio,
                "question": r["question"],
                "truth": json.loads(truth_path.read_text(encoding="utf-8")),
            }
        )
    return out


def main() -> int:
    import jiwer

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifest", default=str(ROOT / "samples" / "manifest.csv"))
    ap.add_argument(
        "--show",
        action="store_true",
        help="print reference and transcript of every file with errors",
    )
    ap.add_argument("--json", help="write per-file results here")
    ap.add_argument("--strict", action="store_true", help="exit 1 if a target is missed")
    ap.add_argument(
        "--company",
        help="decode as `--company NAME` does (the name appended to "
        "the question context), to check that it costs no accuracy",
    )
    args = ap.parse_args()
    manifest = Path(args.manifest)
    if not manifest.exists():
        raise SystemExit(
            f"{manifest}: no such manifest; run .venv/bin/python samples/make_samples.py first"
        )
    samples = read_samples(manifest)
    from voicecoach.answer import decode_context
    from voicecoach.asr.transcribe import get_transcriber
    from voicecoach.banks import load_bank

    bank = load_bank("ml-engineer")
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    tr = get_transcriber()
    load_s = time.perf_counter() - t0
    results, refs, hyps = [], [], []
    audio_s = decode_s = cpu_s = 0.0
    silence_words = 0
    um_truth = um_found = um_aligned = 0
    print(f"{'file':44} {'dur':>5} {'rtf':>5} {'wer':>6} {'um/uh':>7}  notes")
    for s in samples:
        truth = s["truth"]
        q = bank.get(s["question"]) if s["question"] in bank else None
        context = decode_context(q, args.company)
        t1, c1 = time.perf_counter(), time.process_time()
        t = tr.transcribe(s["path"], context=context)
        wall = time.perf_counter() - t1
        cpu_s += time.process_time() - c1
        audio_s += t.duration
        decode_s += wall
        ref, hyp = normalize(truth["text"]), normalize(t.text)
        fallbacks = t.info.get("fallbacks", [])
        row = {
            "audio": truth["audio"],
            "duration_s": t.duration,
            "wall_s": round(wall, 3),
            "ref": ref,
            "hyp": hyp,
            "transcript": t.text,
            "fallbacks": fallbacks,
        }
        notes = ";".join(str(f) for f in fallbacks)[:60]
        if not ref:  # the silence file
            row["words"] = len(t.words)
            silence_words += len(t.words)
            print(
                f"{truth['audio']:44} {t.duration:5.1f} {t.duration / wall:5.1f} "
                f"{'-':>6} {'-':>7}  words={len(t.words)} {t.text[:40]!r} {notes}"
            )
        else:
            m = jiwer.process_words(ref, hyp)
            found = sum(w in UM_UH for w in hyp.split())
            want = truth["um_uh"]
            um_truth += want
            um_found += min(found, want)
            aligned = aligned_um_uh(ref, hyp)
            um_aligned += aligned
            refs.append(ref)
            hyps.append(hyp)
            row.update(
                wer=round(m.wer, 4),
                sub=m.substitutions,
                dele=m.deletions,
                ins=m.insertions,
                um_uh_truth=want,
                um_uh_found=found,
                um_uh_aligned=aligned,
            )
            print(
                f"{truth['audio']:44} {t.duration:5.1f} {t.duration / wall:5.1f} "
                f"{m.wer:6.1%} {found:>3}/{want:<3}  S{m.substitutions} D{m.deletions} "
                f"I{m.insertions} {notes}"
            )
            if args.show and m.wer > 0:
                print(
                    jiwer.visualize_alignment(m, show_measures=False).split("\n", 1)[1].rstrip()
                    + "\n"
                )
        results.append(row)
    wer = jiwer.wer(refs, hyps) if refs else 0.0
    merged = [
        [" ".join("um" if w == "uh" else w for w in x.split()) for x in side]
        for side in (refs, hyps)
    ]
    content = [
        [" ".join(w for w in x.split() if w not in UM_UH | OTHER_FILLERS) for x in side]
        for side in (refs, hyps)
    ]
    recall = um_found / um_truth if um_truth else 1.0
    rtf_decode = audio_s / decode_s if decode_s else 0.0
    rtf_all = audio_s / (decode_s + load_s) if decode_s else 0.0
    print(
        f"\n{len(refs)} speech files + {len(results) - len(refs)} silence, "
        f"{audio_s:.0f} s of audio; model load {load_s:.2f} s, decoding {decode_s:.1f} s "
        f"({os.cpu_count()} cores; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after: other processes slow the wall-clock figures)"
    )
    print(
        f"overall WER {wer:.2%} (target <= 5%); {jiwer.wer(*merged):.2%} with um = uh; "
        f"{jiwer.wer(*content):.2%} on content words only (um/uh/ah/er/hmm removed)"
    )
    print(
        f"um/uh recall {recall:.1%} ({um_found}/{um_truth}, count based; "
        f"{um_aligned}/{um_truth} aligned in place) (target >= 90%)"
    )
    print(f"words on the silence file: {silence_words} (target 0)")
    print(
        f"real-time factor {rtf_decode:.1f}x decoding only, {rtf_all:.1f}x with model load "
        f"(target >= 10x); {audio_s / cpu_s if cpu_s else 0:.1f}x audio s per CPU s"
    )
    summary = {
        "wer": round(wer, 4),
        "um_uh_recall": round(recall, 4),
        "silence_words": silence_words,
        "rtf": round(rtf_all, 1),
    }
    if args.json:
        tmp = Path(args.json + ".tmp")
        tmp.write_text(json.dumps({"summary": summary, "files": results}, indent=2) + "\n")
        os.replace(tmp, args.json)
    missed = [k for k in ("wer", "silence_words") if summary[k] > TARGETS[k]]
    missed += [k for k in ("um_uh_recall", "rtf") if summary[k] < TARGETS[k]]
    if missed:
        print("targets missed: " + ", ".join(missed))
    print(" ".join(f"{k}={v}" for k, v in summary.items()))
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
