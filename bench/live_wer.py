"""Live transcription against decoding the whole answer, on a simulated real-time clock.

    .venv/bin/python bench/live_wer.py [--set samples|real|fluent|all] [--chunk 0.5]
                                       [--no-refine] [--show] [--json OUT] [--feedback]

Each answer is fed to :class:`voicecoach.asr.streaming.LiveDecoder` in chunks as practice
does (0.5 s), on a clock that runs as the audio would arrive: while a piece decodes (for as
long as it really takes on this machine), the chunks that would have arrived meanwhile wait
and are added together, exactly as the live thread sees them. So the pieces are cut where
they would be in a session on this machine, without playing audio in real time; the ASR part
of the feedback latency (end of the recording -> transcript ready) comes out of the same
clock. The baseline, run beside it with the same model: ``Transcriber.transcribe`` of the
whole answer after it ends, which is what `voicecoach score` does.

Sets: ``samples`` (samples/, 31 piper-voiced answers with their questions as context: the
dev set the refine settings were chosen on), ``real`` (the 14 recordings of real people in
tests/fixtures/real, no context), ``fluent`` (bench/practice_latency.py's answers a and b:
30 s and 90 s of fluent speech with no pause over 0.25 s, rendered by piper once and then
read from bench/.cache/piper, so that runs compare the same audio).
``--tail`` (2 s): silence after the last word before the recording stops, as with
``--auto-stop 2``; ``--tail 0`` is a key pressed on the last word. A second baseline decodes
the whole answer with that tail of silence, as the live decoder hears it (and as practice's
whole-recording check decodes the saved recording): the difference between the two
baselines is how far one whole decode moves with a little silence, the noise under any gap.
``--no-refine`` measures the pieces alone. ``--feedback`` also scores the live and the
whole transcript of every answer to a bank question (samples: their question; fluent:
bias-variance, as practice's benchmark asks) and counts the answers whose feedback differs
(:func:`voicecoach.practice.check.feedback_changes`: a point, a flag, the filler count or the
overall score), which is what practice's whole-recording check corrects after the fact.
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

CHUNK_S = 0.5


def simulate(audio: np.ndarray, model, context: str | None, chunk_s: float, **tuning):
    """Run the decoder over ``audio`` on a simulated clock; (transcript, ASR latency s)."""
    from voicecoach.asr.live import replay
    from voicecoach.asr.streaming import LiveDecoder

    dec = LiveDecoder(lambda: model, context, **tuning)
    latency = replay(dec, audio, chunk_s)
    return dec.transcript(), latency


def items(which: str) -> list[tuple[str, np.ndarray, str, str | None]]:
    import soundfile as sf

    from voicecoach.asr.audio import load_audio

    out = []
    if which in ("samples", "all"):
        for it in sample_items("auto"):
            if it.ref:
                out.append(("samples", load_audio(it.path), it.ref, it.context))
    if which in ("real", "all"):
        for it in real_items("auto"):
            out.append(("real", load_audio(it.path), it.ref, None))
    if which in ("fluent", "all"):
        from practice_latency import answer

        for case in "ab":
            x, text = answer(case)
            sf.write(f"/tmp/live_wer_{case}.wav", x, 16000)
            out.append(("fluent", x.astype(np.float32), normalize(text), None))
    return out


def question_of(name: str, ctx: str | None):
    """The bank question an answer of this set answers (None: no question)."""
    from voicecoach.banks import load_bank

    bank = load_bank("ml-engineer")
    if name == "fluent":
        return bank.get("bias-variance")
    return next((q for q in bank.questions if ctx and q.text == ctx), None)


def feedback_diff(q, whole: str, live: str) -> list[str]:
    from voicecoach.answer import score_text
    from voicecoach.practice.check import feedback_changes

    return feedback_changes(score_text(q, live), score_text(q, whole))


def main() -> None:
    import jiwer

    from voicecoach.asr.transcribe import get_transcriber

    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default="all", choices=["samples", "real", "fluent", "all"])
    ap.add_argument("--chunk", type=float, default=CHUNK_S)
    ap.add_argument("--no-refine", action="store_true")
    ap.add_argument("--tail", type=float, default=2.0, help="silence after the answer (s)")
    ap.add_argument("--show", action="store_true")
    ap.add_argument("--tune", action="append", default=[], help="KEY=VALUE for LiveDecoder")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--feedback", action="store_true", help="compare the scored feedback too")
    args = ap.parse_args()
    tuning: dict = {"refine": False} if args.no_refine else {}
    tuning.update((k, float(v)) for k, v in (t.split("=") for t in args.tune))
    model = get_transcriber()
    rows = []
    for name, audio, ref, ctx in items(args.set):
        t0 = time.perf_counter()
        whole = model.transcribe(audio, ctx).text
        whole_s = time.perf_counter() - t0
        tail = np.zeros(int(args.tail * 16000), np.float32)
        recorded = np.concatenate([audio, tail])
        # the second baseline: the same audio the live decoder hears, silence included (what
        # practice's whole-recording check decodes): how much a whole decode moves by itself
        whole_tail = model.transcribe(recorded, ctx).text
        live, latency = simulate(recorded, model, ctx, args.chunk, **tuning)
        rows.append(
            {
                "set": name,
                "seconds": round(len(audio) / 16000, 1),
                "ref": ref,
                "whole": normalize(whole),
                "whole_tail": normalize(whole_tail),
                "live": normalize(live.text),
                "latency_s": round(latency, 3),
                "whole_s": round(whole_s, 3),
                "refines": live.info.get("refines", []),
                "pieces": len(live.info["pieces"]),
            }
        )
        if args.feedback and (q := question_of(name, ctx)) is not None:
            rows[-1]["feedback_changes"] = feedback_diff(q, whole, live.text)
        if args.show:
            r = rows[-1]
            print(f"\n[{name} {r['seconds']} s] latency {latency:.2f} s")
            print("  whole:", r["whole"])
            print("  live: ", r["live"])
    print(
        f"{'set':8} {'answers':>7} {'audio':>7} {'whole WER':>9} {'live WER':>9} "
        f"{'gap':>6} {'ASR latency med/max':>20} {'refines kept':>12} {'whole+tail WER':>14}"
    )
    for name in ["samples", "real", "fluent", "all"]:
        rs = [r for r in rows if name in ("all", r["set"])]
        if not rs or (name == "all" and len({r["set"] for r in rows}) == 1):
            continue
        refs = [r["ref"] for r in rs]
        w = jiwer.wer(refs, [r["whole"] or "<empty>" for r in rs])
        lv = jiwer.wer(refs, [r["live"] or "<empty>" for r in rs])
        wt = jiwer.wer(refs, [r["whole_tail"] or "<empty>" for r in rs])
        lat = [r["latency_s"] for r in rs]
        kept = [x["kept"] for r in rs for x in r["refines"]]
        print(
            f"{name:8} {len(rs):7} {sum(r['seconds'] for r in rs) / 60:6.1f}m {w:9.1%} "
            f"{lv:9.1%} {100 * (lv - w):+5.1f}p {statistics.median(lat):9.2f} / "
            f"{max(lat):.2f} s {sum(kept):5}/{len(kept)} {wt:14.1%}"
        )
    scored = [r for r in rows if "feedback_changes" in r]
    if scored:
        differ = [r for r in scored if r["feedback_changes"]]
        print(
            f"feedback (live vs whole transcript): differs on {len(differ)} of {len(scored)} "
            f"answers: {[r['feedback_changes'] for r in differ]}"
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
