"""Experiment (not shipped): live transcription by re-decoding the open window each second.

    cd bench && ../.venv/bin/python live_redecode.py [--set samples|real|fluent|all]
                                                     [--tune KEY=VALUE ...]

Instead of short pieces refined once (voicecoach.asr.streaming.LiveDecoder), every pass
decodes the whole open window, from ``b0`` to now, with the words before ``b0`` as the
prompt; the last pass's words stand. When the window passes ``keep_s`` (25 s), the words
before the widest gap at least ``right_s`` (6 s) before its end are committed and ``b0``
moves to that gap. So an answer up to 25 s is, at the stop, one decode of all of it. Run on
the same simulated clock as bench/live_wer.py (``voicecoach.asr.live.replay``, 2 s of
silence after the answer); compare its WER with live_wer.py's whole-answer column.
Measured 2026-12-01 on samples (BENCHMARKS.md, issue 11): WER 5.1% against 4.6% whole and
7.2% for the shipped pieces, but a median 1.76 s (max 3.6 s) from the stop to the
transcript, and one core busy for the whole answer: each pass of 15-25 s takes 1-2.5 s here.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from live_wer import items
from textnorm import normalize

from voicecoach.asr.audio import SAMPLE_RATE as SR
from voicecoach.asr.intervals import times
from voicecoach.asr.streaming import _same, _Tape
from voicecoach.asr.vad import DIGITAL_SILENCE_DB, activity, frame_db, vad_stretches
from voicecoach.transcript import Transcript


class Redecoder:
    """LiveDecoder's interface (add, step, stop, transcript) over re-decoded windows."""

    def __init__(self, model, context=None, step_s=1.0, keep_s=25.0, right_s=6.0):
        self._model, self.context = model, context
        self.step_s, self.keep_s, self.right_s = step_s, keep_s, right_s
        self._tape, self._total, self._levels = _Tape(), 0, []
        self.b0, self.covered = 0.0, 0.0
        self.done: list = []
        self.hyp: list = []
        self.passes: list[dict] = []

    def add(self, x: np.ndarray) -> None:
        if len(x):
            self._tape.add(x)
            self._total += len(x)
            self._levels.append(frame_db(x))

    def _floor(self) -> float | None:
        lv = np.concatenate(self._levels) if self._levels else np.zeros(0)
        live = lv[lv > DIGITAL_SILENCE_DB]
        return float(np.percentile(live, 10)) if len(live) >= 25 else None

    def _new_speech(self, now: float) -> bool:
        a = self._tape.get(max(self.b0, self.covered - 0.3), now)
        return len(a) >= SR * 0.3 and bool(activity(a, vad_stretches(a), floor_db=self._floor()))

    def _pass(self, now: float) -> None:
        t0 = time.perf_counter()
        prev = " ".join(w.text for w in self.done[-40:]) or None
        p = self._model.transcribe_piece(
            self._tape.get(self.b0, now),
            self.b0,
            self.context,
            floor_db=self._floor(),
            previous=prev,
        )
        words = list(p.words)
        if words and self.done and _same(words[0], self.done[-1]):
            words = words[1:]
        self.hyp, self.covered = words, now
        self.passes.append({"start": self.b0, "end": now, "s": time.perf_counter() - t0})

    def _trim(self, now: float) -> None:
        if now - self.b0 <= self.keep_s:
            return
        best = None
        for a, b in zip(self.hyp, self.hyp[1:], strict=False):
            e, s = times(a)[1], times(b)[0]
            mid = (e + max(e, s)) / 2
            if self.b0 + 5 <= mid <= now - self.right_s and (best is None or s - e >= best[0]):
                best = (s - e, mid)
        if best is not None:
            self.done += [w for w in self.hyp if sum(times(w)) / 2 < best[1]]
            self.hyp = [w for w in self.hyp if sum(times(w)) / 2 >= best[1]]
            self.b0 = best[1]

    def step(self) -> bool:
        now = self._total / SR
        if now - self.covered < self.step_s or not self._new_speech(now):
            return False
        self._pass(now)
        self._trim(now)
        return True

    def stop(self) -> None:
        now = self._total / SR
        if self._new_speech(now):
            self._pass(now)
        self.done, self.hyp = self.done + self.hyp, []

    def transcript(self) -> Transcript:
        words = sorted(self.done, key=lambda w: times(w)[0])
        return Transcript.from_words(words, duration=self._total / SR)


def main() -> None:
    import jiwer

    from voicecoach.asr.live import replay
    from voicecoach.asr.transcribe import get_transcriber

    ap = argparse.ArgumentParser()
    ap.add_argument("--set", default="samples", choices=["samples", "real", "fluent", "all"])
    ap.add_argument("--tune", action="append", default=[], help="step_s, keep_s or right_s")
    args = ap.parse_args()
    which = args.set
    tune = {k: float(v) for k, v in (a.split("=") for a in args.tune)}
    model = get_transcriber()
    rows = []
    for name, audio, ref, ctx in items(which):
        dec = Redecoder(model, ctx, **tune)
        lat = replay(dec, np.concatenate([audio, np.zeros(2 * SR, np.float32)]), 0.5)
        busy = sum(p["s"] for p in dec.passes)
        rows.append(
            {
                "set": name,
                "ref": ref,
                "live": normalize(dec.transcript().text),
                "latency_s": lat,
                "decode_s": busy,
                "seconds": len(audio) / SR,
            }
        )
        print(
            f"{name} {len(audio) / SR:.1f} s: latency {lat:.2f} s, {len(dec.passes)} "
            f"passes, {busy:.1f} s decoding",
            flush=True,
        )
    wer = jiwer.wer([r["ref"] for r in rows], [r["live"] or "<empty>" for r in rows])
    lat = [r["latency_s"] for r in rows]
    print(
        json.dumps(
            {
                "wer": round(wer, 4),
                "latency_median_s": round(float(np.median(lat)), 2),
                "latency_max_s": round(max(lat), 2),
            }
        )
    )


if __name__ == "__main__":
    main()
