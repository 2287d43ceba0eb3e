"""What a whole-answer decode costs on this machine, and what a cheaper one loses.

    cd bench && ../.venv/bin/python decode_cost.py [--set samples|real|all] [--json OUT]

Issue 11 asks for live feedback within 1.0 s of the stop *and* a live transcript within 0.5
WER points of decoding the whole answer at once. The only live decoder measured that close
(bench/live_redecode.py: one decode of the open window at the stop) needs that decode after
the stop. This bench measures, on the same files and the same model, two things that decide
whether such a decode can fit in a second:

* the encoder's fixed cost per 30 s window (paid by any decode, however short the audio);
* plain faster-whisper decoding each whole answer with voicecoach's prompt (the question and
  the filler prompt), with beam search (5) or greedy (1), with or without word timestamps:
  WER against the references and decode seconds per second of audio. A cheaper setting is
  only a way out if it stays within 0.5 WER points of the default (beam 5, word timestamps).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
from asr_quality import real_items, sample_items
from textnorm import normalize

SETTINGS = (("beam 5, word timestamps", 5, True), ("beam 5", 5, False),
            ("greedy, word timestamps", 1, True), ("greedy", 1, False))  # fmt: skip


def encoder_s(model, runs: int = 5) -> float:
    """Median seconds of one encoder pass over a 30 s window."""
    fe = model.feature_extractor
    feats = np.zeros((1, fe.mel_filters.shape[0], fe.nb_max_frames), np.float32)
    model.encode(feats)  # warm
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        model.encode(feats)
        out.append(time.perf_counter() - t0)
    return statistics.median(out)


def main() -> None:
    import jiwer

    from voicecoach.asr.audio import SAMPLE_RATE, load_audio
    from voicecoach.asr.decode import DecodeOptions, build_prompt
    from voicecoach.asr.transcribe import get_transcriber

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", default="samples", choices=["samples", "real", "all"])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    chosen = []
    if args.set in ("samples", "all"):
        chosen += sample_items("question")
    if args.set in ("real", "all"):
        chosen += real_items("none")
    model = get_transcriber().model
    enc = encoder_s(model)
    print(f"encoder, one 30 s window: {enc:.3f} s (median of 5)")
    refs = [it.ref for it in chosen]
    audios = [load_audio(str(it.path)) for it in chosen]
    seconds = sum(len(a) for a in audios) / SAMPLE_RATE
    rows = []
    for name, beam, word_ts in SETTINGS:
        hyps, spent = [], 0.0
        for it, audio in zip(chosen, audios, strict=True):
            prompt = build_prompt(DecodeOptions(), it.context)
            t0 = time.perf_counter()
            segments, _ = model.transcribe(
                audio, language="en", beam_size=beam, word_timestamps=word_ts,
                initial_prompt=prompt,
            )  # fmt: skip
            text = " ".join(s.text for s in segments)
            spent += time.perf_counter() - t0
            hyps.append(normalize(text))
        wer = jiwer.wer(refs, hyps)
        rows.append({"setting": name, "wer": round(wer, 4), "decode_s_per_s": spent / seconds})
    print(f"{len(chosen)} answers, {seconds / 60:.1f} min of audio ({args.set})")
    print(f"{'setting':<26}{'WER':>7}{'decode s per s':>16}{'per 30 s of audio':>19}")
    for r in rows:
        print(
            f"{r['setting']:<26}{100 * r['wer']:>6.1f}%{r['decode_s_per_s']:>16.3f}"
            f"{30 * r['decode_s_per_s']:>17.1f} s"
        )
    if args.json:
        payload = {"set": args.set, "encoder_s": enc, "seconds": seconds, "rows": rows}
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
