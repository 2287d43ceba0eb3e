"""The transcriber with the real bundled tiny.en model on real (piper-rendered) audio."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from voicecoach.audio import SAMPLE_RATE, AudioError, load_audio
from voicecoach.models import ModelError, embedded_model_dir, resolve_model
from voicecoach.transcribe import (
    Transcriber,
    find_problems,
    get_transcriber,
    normalize_filler,
    uncovered_runs,
    vad_stretches,
)
from voicecoach.transcript import Word

pytestmark = pytest.mark.audio
FIX = Path(__file__).parent / "fixtures" / "audio"
SCRIPTS = dict(line.split("\t") for line in
               (FIX / "scripts.txt").read_text(encoding="utf-8").splitlines())
FORMATS = ["speech.wav", "speech.flac", "speech.mp3", "speech.opus.ogg", "speech.m4a",
           "speech.webm", "speech_stereo44k.flac"]


def words_of(text: str) -> list[str]:
    return re.sub(r"[^\w\s'-]", " ", text.lower()).split()


def overlap(ref: list[str], hyp: list[str]) -> float:
    return len(set(ref) & set(hyp)) / len(set(ref))


@pytest.fixture(scope="module")
def tr() -> Transcriber:
    return get_transcriber()


def test_model_loaded_once_per_process(tr: Transcriber) -> None:
    before = Transcriber.load_count
    assert get_transcriber() is tr and get_transcriber(None) is tr
    tr.transcribe(FIX / "speech.wav")
    assert Transcriber.load_count == before >= 1
    assert tr.resolved.source == "embedded" and tr.cpu_threads >= 1


def test_all_formats_give_the_same_words(tr: Transcriber) -> None:
    ref = words_of(SCRIPTS["speech"])
    results = {name: tr.transcribe(FIX / name) for name in FORMATS}
    base = words_of(results["speech.wav"].text)
    assert overlap(ref, base) >= 0.85, results["speech.wav"].text
    for name, t in results.items():
        assert words_of(t.text) == base or overlap(base, words_of(t.text)) >= 0.85, (name, t.text)
        assert 2.5 < t.duration < 3.5
        assert t.words and all(w.start is not None and w.end >= w.start for w in t.words)
        assert [w.start for w in t.words] == sorted(w.start for w in t.words)
        assert t.words[-1].end <= t.duration + 0.1
        assert t.speech and t.info["model"] == "tiny.en"


def test_filler_kept_and_hyphenated_words_whole(tr: Transcriber) -> None:
    t = tr.transcribe(FIX / "filler.flac", context="What is cross-validation?")
    tokens = words_of(t.text)
    assert tokens[0] == "um", t.text
    assert "k-fold" in tokens and "stratified" in tokens, t.text
    assert not any(w.text.startswith("-") for w in t.words)
    assert t.info["context_used"] is True
    assert json.loads(json.dumps(t.to_dict()))["words"][0]["text"] == t.words[0].text
    assert all(type(w.start) is float for w in t.words)
    assert t.info["options"]["prompt"] == "disfluent+context"


def test_silence_and_noise_give_empty_transcripts(tr: Transcriber, tmp_path: Path) -> None:
    import soundfile as sf

    path = tmp_path / "silence.wav"
    sf.write(path, np.zeros(4 * SAMPLE_RATE, dtype=np.int16), SAMPLE_RATE)
    t = tr.transcribe(path, context="Explain the bias-variance tradeoff.")
    assert t.text == "" and t.words == [] and t.speech == []
    assert t.duration == pytest.approx(4.0, abs=0.05)
    noise = (np.random.default_rng(1).standard_normal(10 * SAMPLE_RATE) * 0.1).astype(np.float32)
    assert tr.transcribe(noise).text == ""


def test_unusable_file_raises_audio_error(tr: Transcriber, tmp_path: Path) -> None:
    bad = tmp_path / "answer.wav"
    bad.write_text("not audio")
    with pytest.raises(AudioError, match="not a readable audio file"):
        tr.transcribe(bad)


def test_long_audio_is_cut_into_pieces_at_pauses(tr: Transcriber) -> None:
    speech = load_audio(FIX / "speech.wav")
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    audio = np.concatenate([speech, gap, speech, gap, speech])  # ~11 s
    pieces = list(tr.iter_pieces(audio, piece_s=5.0))
    assert len(pieces) >= 3
    assert all(a.offset < b.offset for a, b in zip(pieces, pieces[1:], strict=False))
    words = list(tr.transcribe_iter(audio, piece_s=5.0))
    ref = words_of(SCRIPTS["speech"])
    assert sum(words_of(w.text)[0] == "precision" for w in words) == 3
    assert overlap(ref, words_of(" ".join(w.text for w in words))) >= 0.85
    starts = [w.start for w in words]
    assert starts == sorted(starts) and starts[-1] > 2 * len(speech) / SAMPLE_RATE


def test_guard_detects_dropped_words_and_repair_restores_them(tr: Transcriber) -> None:
    audio = load_audio(FIX / "filler.flac")
    full = tr.transcribe(audio)
    speech = vad_stretches(audio)
    assert find_problems(full.words, speech, None, full.duration) == []
    kept = full.words[: len(full.words) // 3]  # as if the decoder stopped early, silently
    problems = find_problems(kept, speech, None, full.duration)
    assert any(p.startswith("low-coverage") for p in problems)
    runs = uncovered_runs(kept, speech)
    assert runs and runs[0][0] >= kept[-1].end
    repaired, added = tr._repair(audio, kept, runs)
    assert added >= 3
    assert overlap(words_of(full.text), words_of(" ".join(w.text for w in repaired))) >= 0.8


def test_guard_detects_loops_prompt_echo_and_invented_words() -> None:
    speech = [(0.0, 3.0)]
    loop_text = "so the model so the model so the model so the model"
    loop = [Word(t, i * 0.3, i * 0.3 + 0.25) for i, t in enumerate(loop_text.split())]
    assert any(p.startswith("repeat") for p in find_problems(loop, speech, None, 4.0))
    echo_text = "okay here's what i'm like thinking"
    echo = [Word(t, i * 0.3, i * 0.3 + 0.2) for i, t in enumerate(echo_text.split())]
    prompt = "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking."
    assert "prompt-echo" in find_problems(echo, speech, prompt, 4.0)
    late = [Word("fine", 0.5, 1.0), Word("so", 6.0, 6.2), Word("lets", 6.2, 6.5)]
    assert any(p.startswith("words-outside-speech") for p in find_problems(late, speech, None,
                                                                             8.0))


def test_filler_spellings_normalised_not_dropped() -> None:
    cases = {"Umm,": "Um,", "uhh.": "uh.", "Hmmm...": "Hmm...", "mhm": "mm-hmm",
             "Mm-hmm,": "Mm-hmm,", "Erm": "Erm", "Uhm": "Um", "Ahh": "Ah",
             "summer": "summer", "umbrella": "umbrella", "hum": "hmm"}
    assert {k: normalize_filler(k) for k in cases} == cases


def test_model_resolution(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    embedded = embedded_model_dir()
    assert resolve_model(None).path == str(embedded) == resolve_model("tiny.en").path
    assert resolve_model(str(embedded)).source == "folder"
    monkeypatch.delenv("VOICECOACH_ALLOW_DOWNLOAD", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError, match="--allow-download"):
        resolve_model("small")
    with pytest.raises(ModelError, match="unknown model 'huge'"):
        resolve_model("huge")
    with pytest.raises(ModelError, match="not a CTranslate2 Whisper model folder"):
        resolve_model(str(tmp_path))
    with pytest.raises(ModelError, match="model folder not found"):
        resolve_model(str(tmp_path / "missing"))
    # a local folder of models, as set with VOICECOACH_MODEL_DIR
    local = tmp_path / "models" / "faster-whisper-base.en"
    local.mkdir(parents=True)
    for f in embedded.iterdir():
        (local / f.name).symlink_to(f)
    monkeypatch.setenv("VOICECOACH_MODEL_DIR", str(tmp_path / "models"))
    got = resolve_model("base.en")
    assert got.source == "model-dir" and got.path == str(local.resolve())


def test_download_failure_offline_is_one_clear_line(tmp_path: Path) -> None:
    env = {**os.environ, "HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_CACHE": str(tmp_path),
           "VOICECOACH_ALLOW_DOWNLOAD": "1"}
    env.pop("VOICECOACH_MODEL_DIR", None)
    code = ("from voicecoach.models import resolve_model, ModelError\n"
            "try:\n    resolve_model('small')\nexcept ModelError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("could not download model 'small'")
    assert out.stdout.count("\n") == 1


def test_importing_modules_stays_light() -> None:
    code = ("import sys, voicecoach.audio, voicecoach.models, voicecoach.transcribe\n"
            "print(sorted(m for m in ('faster_whisper', 'av', 'ctranslate2') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
