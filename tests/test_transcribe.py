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

from voicecoach.asr.audio import SAMPLE_RATE, AudioError, load_audio
from voicecoach.asr.guards import (
    drop_stock_endings,
    find_problems,
    keep_fillers,
    long_words,
    normalize_filler,
    uncovered_runs,
)
from voicecoach.asr.models import ModelError, embedded_model_dir, resolve_model
from voicecoach.asr.transcribe import Transcriber, get_transcriber
from voicecoach.asr.vad import vad_stretches
from voicecoach.transcript import Word

pytestmark = pytest.mark.audio
FIX = Path(__file__).parent / "fixtures" / "audio"
SAMPLES = Path(__file__).resolve().parents[1] / "samples" / "audio"
SCRIPTS = dict(
    line.split("\t") for line in (FIX / "scripts.txt").read_text(encoding="utf-8").splitlines()
)
FORMATS = [
    "speech.wav",
    "speech.flac",
    "speech.mp3",
    "speech.opus.ogg",
    "speech.m4a",
    "speech.webm",
    "speech_stereo44k.flac",
]


def words_of(text: str) -> list[str]:
    return re.sub(r"[^\w\s'-]", " ", text.lower()).split()


def bare_words(text: str) -> list[str]:
    """Words with hyphens split ("cross-validation" = "cross validation": not a word error)."""
    return words_of(text.replace("-", " "))


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
    assert find_problems(full.words, speech, None) == []
    kept = full.words[: len(full.words) // 3]  # as if the decoder stopped early, silently
    problems = find_problems(kept, speech, None)
    assert any(p.kind == "low-coverage" for p in problems)
    runs = uncovered_runs(kept, speech)
    assert runs and runs[0][0] >= kept[-1].end
    repaired, added = tr._repair(audio, kept, runs)
    assert added >= 3
    assert overlap(bare_words(full.text), bare_words(" ".join(w.text for w in repaired))) >= 0.8


def test_guard_detects_loops_prompt_echo_and_invented_words() -> None:
    speech = [(0.0, 3.0)]
    # a decoder loop: 12 words written over 0.6 s of sound (or past the end of the speech)
    loop_text = "so the model so the model so the model so the model"
    loop = [Word(t, 2.4 + i * 0.05, 2.4 + i * 0.05 + 0.04) for i, t in enumerate(loop_text.split())]
    assert any(p.kind == "repeat" for p in find_problems(loop, speech, None))
    # the same words at a speaking pace over speech: a person repeating themselves
    said = [Word(t, i * 0.24, i * 0.24 + 0.2) for i, t in enumerate(loop_text.split())]
    assert not any(p.kind == "repeat" for p in find_problems(said, speech, None))
    echo_text = "okay here's what i'm like thinking"
    echo = [Word(t, 4.0 + i * 0.3, 4.2 + i * 0.3) for i, t in enumerate(echo_text.split())]
    prompt = "Umm, let me think like, hmm... Okay, here's what I'm, like, thinking."
    assert "prompt-echo" in [p.kind for p in find_problems(echo, speech, prompt)]
    inside = [Word(t, i * 0.3, i * 0.3 + 0.2) for i, t in enumerate(echo_text.split())]
    assert "prompt-echo" not in [p.kind for p in find_problems(inside, speech, prompt)]
    late = [Word("fine", 0.5, 1.0), Word("so", 6.0, 6.2), Word("lets", 6.2, 6.5)]
    assert any(p.kind == "words-outside-speech" for p in find_problems(late, speech, None))


def test_filler_spellings_normalised_not_dropped() -> None:
    cases = {
        "Umm,": "Um,",
        "uhh.": "uh.",
        "Hmmm...": "Hmm...",
        "mhm": "mm-hmm",
        "Mm-hmm,": "Mm-hmm,",
        "Erm": "Erm",
        "Uhm": "Um",
        "Ahh": "Ah",
        "summer": "summer",
        "umbrella": "umbrella",
        "hum": "hmm",
    }
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
    env = {
        **os.environ,
        "HF_ENDPOINT": "http://127.0.0.1:9",
        "HF_HUB_CACHE": str(tmp_path),
        "VOICECOACH_ALLOW_DOWNLOAD": "1",
    }
    env.pop("VOICECOACH_MODEL_DIR", None)
    code = (
        "from voicecoach.asr.models import resolve_model, ModelError\n"
        "try:\n    resolve_model('small')\nexcept ModelError as e:\n    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("could not download model 'small'")
    assert out.stdout.count("\n") == 1


def test_importing_modules_stays_light() -> None:
    code = (
        "import sys, voicecoach.asr.audio, voicecoach.asr.models, voicecoach.asr.transcribe\n"
        "print(sorted(m for m in ('faster_whisper', 'av', 'ctranslate2') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _truth(name: str) -> str:
    return json.loads((SAMPLES / f"{name}.truth.json").read_text(encoding="utf-8"))["text"]


def test_a_word_swallowing_seconds_of_speech_is_caught_and_repaired(tr: Transcriber) -> None:
    # Real speech, ~3 s + 1 s pause + ~3 s + pause + ~3 s; then a decode that stopped after
    # the first sentence and stretched its last word over the rest (as Whisper did on
    # samples/cv-strong_120_pink25.ogg: "k-scores." from 19.6 to 30.0 s, 39 words lost).
    speech = load_audio(FIX / "speech.wav")
    filler = load_audio(FIX / "filler.flac")
    gap = np.zeros(SAMPLE_RATE, dtype=np.float32)
    audio = np.concatenate([speech, gap, filler, gap, speech])
    stretches = vad_stretches(audio)
    first = tr.transcribe(speech).words
    end = len(audio) / SAMPLE_RATE
    broken = first[:-1] + [Word(first[-1].text, first[-1].start, end - 0.2, 0.8)]
    assert long_words(broken, stretches) == [broken[-1]]
    problems = find_problems(broken, stretches, None)
    assert any(p.kind == "long-word" for p in problems), problems
    runs = uncovered_runs(broken, stretches)
    assert runs and runs[0][0] < len(speech) / SAMPLE_RATE + 1.5 and runs[-1][1] > end - 3.5
    repaired, added = tr._repair(audio, broken, runs)
    text = words_of(" ".join(w.text for w in repaired))
    assert added >= 8 and "stratified" in text and text.count("precision") == 2, text
    assert max(w.end - w.start for w in repaired) < 2.0


@pytest.mark.skipif(not SAMPLES.exists(), reason="samples/ not rendered")
def test_sample_where_whisper_skipped_39_words_is_complete(tr: Transcriber) -> None:
    name = "cv-strong_120_pink25.ogg"
    t = tr.transcribe(SAMPLES / name, context="What is cross-validation?")
    ref, hyp = words_of(_truth(name)), words_of(t.text)
    assert len(hyp) >= 0.95 * len(ref) and overlap(ref, hyp) >= 0.85, t.text  # was 61 of 100
    assert any(w.startswith("stratif") for w in hyp) and "leave" in hyp and "series" in hyp
    assert max(w.end - w.start for w in t.words) < 3.0  # no word swallows the gap


@pytest.mark.skipif(not SAMPLES.exists(), reason="samples/ not rendered")
def test_invented_thank_you_at_the_end_is_dropped(tr: Transcriber) -> None:
    name = "prf-strong_100_44kst.mp3"
    t = tr.transcribe(SAMPLES / name, context="Explain precision, recall and F1.")
    assert words_of(t.text)[-2:] == words_of(_truth(name))[-2:], t.text
    assert "thank" not in words_of(t.text)


def test_stock_endings_dropped_only_when_unlikely_or_outside_speech() -> None:
    speech = [(0.0, 3.0)]
    body = [Word("That's", 0.2, 0.5, 0.9), Word("all.", 0.5, 0.9, 0.9)]
    invented = body + [
        Word("Thank", 0.9, 1.1, 0.01),
        Word("you.", 1.1, 1.3, 0.98),
        Word("Thank", 3.5, 3.9, 0.6),
        Word("you.", 3.9, 4.3, 0.97),
    ]
    kept, dropped = drop_stock_endings(invented, speech)
    assert kept == body and dropped == ["Thank you.", "Thank you."]
    said = body + [Word("Thank", 1.0, 1.3, 0.9), Word("you.", 1.3, 1.6, 0.97)]
    assert drop_stock_endings(said, speech) == (said, [])
    to_you = body + [Word("to", 1.0, 1.2, 0.9), Word("you.", 1.2, 1.4, 0.9)]
    assert drop_stock_endings(to_you, speech) == (to_you, [])
    remnant = body + [Word("thank", 1.0, 1.2, 0.02)]  # "you." was outside speech, dropped
    assert drop_stock_endings(remnant, speech)[0] == body


def test_fillers_of_the_prompted_pass_survive_a_safe_redecode() -> None:
    # the safe pass stretched "the" back over the "um" before it, and wrote no "uh"
    safe = [Word("So", 0.0, 0.3), Word("the", 0.35, 1.1), Word("model", 1.1, 1.5)]
    first = [
        Word("So,", 0.0, 0.3),
        Word("um,", 0.4, 0.8),
        Word("the", 0.9, 1.1),
        Word("uh", 1.2, 1.4),
        Word("model", 1.5, 1.8),
        Word("uh", 5.0, 5.1),  # over silence: not kept
    ]
    merged = keep_fillers(safe, first, heard=[(0.0, 2.0)])
    assert [w.text for w in merged] == ["So", "um,", "the", "uh", "model"]
    assert merged[2].start == 0.8  # starts after the filler it had swallowed


def test_an_unlikely_invented_last_sentence_is_dropped() -> None:
    speech = [(0.0, 3.0)]
    body = [Word("We", 0.2, 0.5, 0.9), Word("tune", 0.5, 0.9, 0.95), Word("it.", 0.9, 1.2, 0.9)]
    invented = body + [
        Word("So,", 1.3, 1.3, 0.004),
        Word("that's", 1.3, 1.3, 0.36),
        Word("the", 1.3, 1.4, 0.1),
        Word("first", 1.4, 1.5, 0.36),
        Word("one.", 1.5, 1.9, 0.58),
    ]
    assert drop_stock_endings(invented, speech)[0] == body
    fillers = body + [Word("Uh,", 1.3, 1.5, 0.0), Word("uh,", 1.6, 1.6, 0.26)]
    assert drop_stock_endings(fillers, speech)[0] == body
    said = body + [
        Word("So,", 1.3, 1.5, 0.03),
        Word("that's", 1.5, 1.7, 0.9),
        Word("all.", 1.7, 2.0, 0.95),
    ]  # first word unsure, the sentence is not
    assert drop_stock_endings(said, speech) == (said, [])
