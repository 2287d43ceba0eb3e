"""Measure decoding choices for voicecoach's transcriber on ``samples/`` (known scripts).

    .venv/bin/python bench/asr_choices.py [--variants NAME,NAME] [--limit N] [--json OUT]

Variants (see VARIANTS): default, beam1, hotwords, beam1+hotwords, filler-fixes,
no-guards, notes-prompt[+beam1|+hotwords|+suppress-none|+no-temp-fallback|+redecode-long|...].

Every sample is decoded to a 16 kHz array once; then, per variant, the transcriber runs on
every array and the bench prints WER and um/uh recall (``bench/asr_quality.py``'s normaliser
and count-based recall), fallbacks, and speed. The CPU is shared with other jobs, so speed is
given three ways: real-time factor (audio s / wall s), audio s per CPU s of this process, and
``vs_plain``: wall time relative to plain ``WhisperModel.transcribe`` (beam 5, no word
timestamps, no prompt, no guards) measured just before the variant on every 4th file and
scaled to all files (so the load of other jobs cancels out roughly).
Per variant also: how many ``Transcript.unrecognized`` stretches lie where the transcript
lacks a reference um/uh (a dropped filler; window from the aligned neighbour words) vs
elsewhere (false alarms, if reported as fillers).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from asr_quality import UM_UH, normalize, read_samples  # noqa: E402

from voicecoach import transcribe as T  # noqa: E402
from voicecoach.audio import SAMPLE_RATE, load_audio  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
D = T.DecodeOptions()
NOTES_PROMPT = "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking."
SUPPRESS_NONE = {"suppress_tokens": [], "suppress_blank": False}
# name -> (options, prompt text or None for T.DISFLUENT_PROMPT, extra WhisperModel kwargs).
# "default" is DecodeOptions() with the filler prompt "Um, uh, so, um, I think, uh, like, you
# know."; "notes-*" use the prompt from NOTES.md (the default before issue 3).
VARIANTS: dict[str, tuple[T.DecodeOptions, str | None, dict]] = {
    "default": (D, None, {}),
    "beam1": (replace(D, beam_size=1), None, {}),
    "hotwords": (replace(D, hotwords="um uh"), None, {}),
    "beam1+hotwords": (replace(D, beam_size=1, hotwords="um uh"), None, {}),
    "filler-fixes": (replace(D, filler_fixes=True), None, {}),
    "no-guards": (replace(D, guards=False), None, {}),
    "notes-prompt": (D, NOTES_PROMPT, {}),
    "notes-prompt+beam1": (replace(D, beam_size=1), NOTES_PROMPT, {}),
    "notes-prompt+hotwords": (replace(D, hotwords="um uh"), NOTES_PROMPT, {}),
    "notes-prompt+beam1+hotwords": (replace(D, beam_size=1, hotwords="um uh"), NOTES_PROMPT,
                                    {}),
    "notes-prompt+suppress-none": (D, NOTES_PROMPT, SUPPRESS_NONE),
    "notes-prompt+no-temp-fallback": (D, NOTES_PROMPT, {"temperature": 0.0}),
    "notes-prompt+redecode-long": (replace(D, redecode_long_words=True), NOTES_PROMPT, {}),
    "notes-prompt+no-guards": (replace(D, guards=False), NOTES_PROMPT, {}),
}


def run_variant(tr: T.Transcriber, items: list[dict], name: str) -> dict:
    import jiwer

    opts, prompt, extra = VARIANTS[name]
    model = tr.model
    saved_prompt = T.DISFLUENT_PROMPT
    if prompt is not None:
        T.DISFLUENT_PROMPT = prompt
    if extra:
        tr.model = _Proxy(model, extra)
    refs, hyps, rows = [], [], []
    um_truth = um_found = fallbacks = silence_words = 0
    unrec_on_filler = unrec_else = 0
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        for it in items:
            t = tr.transcribe(it["audio"], context=it["context"], options=opts)
            ref, hyp = normalize(it["truth"]["text"]), normalize(t.text)
            fallbacks += len(t.info["fallbacks"])
            if not ref:
                silence_words += len(t.words)
                continue
            refs.append(ref)
            hyps.append(hyp)
            found = sum(w in UM_UH for w in hyp.split())
            um_truth += it["truth"]["um_uh"]
            um_found += min(found, it["truth"]["um_uh"])
            windows = missed_filler_windows(ref, t)
            for a, b in t.unrecognized:
                if any(a < we and b > ws for ws, we in windows):
                    unrec_on_filler += 1
                else:
                    unrec_else += 1
            rows.append({"audio": it["truth"]["audio"], "wer": round(jiwer.wer(ref, hyp), 4),
                         "um_uh": f"{found}/{it['truth']['um_uh']}",
                         "fallbacks": t.info["fallbacks"]})
    finally:
        T.DISFLUENT_PROMPT = saved_prompt
        tr.model = model
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"variant": name, "wer": round(jiwer.wer(refs, hyps), 4),
            "um_uh_recall": round(um_found / max(um_truth, 1), 3),
            "um_uh": f"{um_found}/{um_truth}",
            "silence_words": silence_words, "fallbacks": fallbacks, "wall_s": round(wall, 1),
            "cpu_s": round(cpu, 1), "unrec_on_missed_filler": unrec_on_filler,
            "unrec_other": unrec_else, "files": rows}


def missed_filler_windows(ref: str, t) -> list[tuple[float, float]]:
    """Time windows of the reference um/uh the transcript lacks: between the hypothesis
    words aligned just before and just after each missed one."""
    import jiwer

    toks: list[tuple[str, float, float]] = []
    for w in t.words:
        toks += [(x, w.start, w.end) for x in normalize(w.text).split()]
    hyp = " ".join(x for x, _, _ in toks)
    if not hyp:
        return []
    r = ref.split()
    out = []
    for chunk in jiwer.process_words(ref, hyp).alignments[0]:
        for k in range(chunk.ref_end_idx - chunk.ref_start_idx):
            if r[chunk.ref_start_idx + k] not in UM_UH:
                continue
            if chunk.type == "equal":
                continue
            if chunk.type == "substitute" and toks[chunk.hyp_start_idx + k][0] in UM_UH:
                continue
            if chunk.type == "substitute":  # heard as another word: that word's time
                _, a, b = toks[chunk.hyp_start_idx + k]
            else:  # deleted: between the neighbours
                j = chunk.hyp_start_idx
                a = toks[j - 1][2] if j > 0 else 0.0
                b = toks[j][1] if j < len(toks) else t.duration
            out.append((a - 0.1, b + 0.1))
    return out


class _Proxy:
    """A WhisperModel whose ``transcribe`` gets extra keyword arguments."""

    def __init__(self, model, extra: dict):
        self._model, self._extra = model, extra

    def __getattr__(self, name):
        attr = getattr(self._model, name)
        return functools.partial(attr, **self._extra) if name == "transcribe" else attr


def plain_seconds(tr: T.Transcriber, items: list[dict], every: int = 4) -> float:
    """Wall time of plain decoding of every ``every``-th file, scaled to all files."""
    t0 = time.perf_counter()
    some = items[::every]
    for it in some:
        segs, _ = tr.model.transcribe(it["audio"], language="en", beam_size=5)
        list(segs)
    share = sum(len(it["audio"]) for it in some) / sum(len(it["audio"]) for it in items)
    return (time.perf_counter() - t0) / share


def main() -> None:
    from voicecoach.banks import load_bank

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variants", default="default,beam1,notes-prompt,notes-prompt+beam1")
    ap.add_argument("--limit", type=int, default=0, help="only the first N samples")
    ap.add_argument("--json", help="write all results here")
    args = ap.parse_args()
    bank = load_bank("ml-engineer")
    samples = read_samples(ROOT / "samples" / "manifest.csv")
    if args.limit:
        samples = samples[:args.limit]
    items = [{"audio": load_audio(s["path"]), "truth": s["truth"],
              "context": bank.get(s["question"]).text if s["question"] in bank else None}
             for s in samples]
    audio_s = sum(len(it["audio"]) for it in items) / SAMPLE_RATE
    tr = T.get_transcriber()
    print(f"{len(items)} files, {audio_s:.0f} s of audio, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'variant':24} {'WER':>6} {'um/uh':>7} {'rec':>5} {'sil':>3} {'fb':>3} "
          f"{'RTF':>5} {'aud/cpu':>7} {'vs_plain':>8} unrecognized(on missed um/uh, other)")
    out = []
    for name in args.variants.split(","):
        plain = plain_seconds(tr, items)
        r = run_variant(tr, items, name)
        r.update(rtf=round(audio_s / r["wall_s"], 1), audio_per_cpu=round(audio_s / r["cpu_s"], 1),
                 plain_wall_s=round(plain, 1), vs_plain=round(r["wall_s"] / plain, 2),
                 load=round(os.getloadavg()[0], 1))
        out.append(r)
        print(f"{name:24} {r['wer']:6.2%} {r['um_uh']:>7} {r['um_uh_recall']:5.0%} "
              f"{r['silence_words']:>3} {r['fallbacks']:>3} {r['rtf']:5.1f} "
              f"{r['audio_per_cpu']:7.1f} {r['vs_plain']:8.2f} "
              f"{r['unrec_on_missed_filler']}, {r['unrec_other']}", flush=True)
    if args.json:
        tmp = Path(args.json + ".tmp")
        tmp.write_text(json.dumps(out, indent=1) + "\n")
        os.replace(tmp, args.json)


if __name__ == "__main__":
    main()
