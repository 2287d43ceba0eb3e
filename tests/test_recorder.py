"""Recorder and device tests through the real sounddevice -> PortAudio -> ALSA/PulseAudio stack.

Only the physical microphone is replaced, by virtual devices from tests/audio_rig.py: the ALSA
``vcin`` device (reads a raw file, faster than real time) and a private PulseAudio null sink
``vmic`` (real-time). Recording code runs in a subprocess so that its PortAudio sees the rig's
ALSA configuration.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from audio_rig import RATE, last_json, run_python

pytestmark = pytest.mark.audio

RECORD = """
import json, sys, threading, time
import numpy as np
from voicecoach.sound.recorder import Recorder
args = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {ARGS}
chunks, iterated = [], []
rec = Recorder(args.pop("path"), on_chunk=lambda c: chunks.append(
    [c.start, int(c.samples.size), float(np.abs(c.samples).sum()), c.final]), **args)
consumer = threading.Thread(target=lambda: iterated.extend(
    [c.start, int(c.samples.size)] for c in rec.chunks()))
consumer.start()
def announce():  # tell a waiting parent that audio is flowing
    while rec.elapsed == 0 and not rec.done:
        time.sleep(0.01)
    print("RECORDING", flush=True)
announcer = threading.Thread(target=announce, daemon=True)
announcer.start()
t0 = time.monotonic()
res = rec.record()
consumer.join(5)
announcer.join(5)  # its line must not interleave with the result line
print(json.dumps(dict(duration=res.duration, stopped_by=res.stopped_by,
                      speech_heard=res.speech_heard, speech_end=res.speech_end,
                      digital_silence=res.digital_silence, error=res.error, device=res.device,
                      chunks=chunks, iterated=iterated, wall=time.monotonic() - t0)))
"""


def record_snippet(**args: object) -> str:
    return RECORD.replace("{ARGS}", repr(args))


def test_file_mic_samples_come_back_bit_identical(alsa_rig, answer_speech, tmp_path):
    lead = np.zeros(int(0.3 * RATE), np.float32)
    tail = np.zeros(3 * RATE, np.float32)
    written = alsa_rig.set_input(np.concatenate([lead, answer_speech, tail]))
    out = tmp_path / "answer.wav"
    proc = run_python(
        record_snippet(
            path=str(out), device="vcin", auto_stop_s=1.0, max_seconds=30, chunk_seconds=2.0
        ),
        alsa_rig.env(),
    )
    res = last_json(proc)
    got, sr = sf.read(str(out), dtype="int16")
    assert sr == RATE and res["device"] == "vcin"
    # every sample up to the auto-stop is the file's sample, bit for bit
    assert got.size > lead.size + answer_speech.size
    np.testing.assert_array_equal(got, written[: got.size])
    # stopped by trailing silence, about 1 s after the answer ended
    answer_end = (lead.size + answer_speech.size) / RATE
    assert res["stopped_by"] == "silence" and res["speech_heard"]
    assert abs(res["speech_end"] - answer_end) < 0.35
    assert 0.9 <= res["duration"] - res["speech_end"] <= 1.3
    # chunks are contiguous, ~2 s each, and cover exactly what was written to the file
    starts = [c[0] for c in res["chunks"]]
    sizes = [c[1] for c in res["chunks"]]
    assert res["chunks"][-1][3] is True
    assert sum(sizes) == got.size
    assert starts == pytest.approx(list(np.cumsum([0, *sizes[:-1]]) / RATE))
    assert all(2 * RATE <= s < 2 * RATE + 800 for s in sizes[:-1])
    assert res["iterated"] == [c[:2] for c in res["chunks"]]  # Recorder.chunks() gets the same
    assert sum(c[2] for c in res["chunks"]) == pytest.approx(
        np.abs(got.astype(np.float64) / 32768).sum(), rel=1e-4
    )


def test_auto_stop_waits_for_the_end_of_speech_over_noise(alsa_rig, answer_speech):
    """Steady noise at -30 dBFS (about 8 dB below the speech). The energy detector alone took
    the quiet last words for silence and stopped 1.6 s before the answer ended (measured);
    Silero's veto must keep the recording going to the end."""
    rng = np.random.default_rng(7)
    x = np.concatenate([np.zeros(8000, np.float32), answer_speech, np.zeros(5 * RATE, np.float32)])
    t = np.arange(x.size) / RATE
    noise = rng.normal(0, 10 ** (-30 / 20), x.size) + 10 ** (-30 / 20) * np.sin(2 * np.pi * 100 * t)
    alsa_rig.set_input((x + noise).astype(np.float32))
    answer_end = (8000 + answer_speech.size) / RATE
    res = last_json(
        run_python(
            record_snippet(path=None, device="vcin", auto_stop_s=1.5, max_seconds=15),
            alsa_rig.env(),
        )
    )
    assert res["stopped_by"] == "silence"
    assert answer_end - 0.3 <= res["speech_end"] <= answer_end + 0.5
    assert res["duration"] >= answer_end + 1.2


def test_max_seconds_caps_a_recording(alsa_rig, answer_speech, tmp_path):
    alsa_rig.set_input(np.tile(answer_speech, 3))
    out = tmp_path / "capped.wav"
    res = last_json(
        run_python(
            record_snippet(path=str(out), device="vcin", auto_stop_s=None, max_seconds=2.5),
            alsa_rig.env(),
        )
    )
    assert res["stopped_by"] == "max_seconds"
    assert sf.info(str(out)).frames == int(2.5 * RATE)


def test_muted_mic_is_flagged(alsa_rig, tmp_path):
    alsa_rig.set_input(np.zeros(3 * RATE, np.int16))
    res = last_json(
        run_python(
            record_snippet(path=str(tmp_path / "m.wav"), device="vcin", max_seconds=2.0),
            alsa_rig.env(),
        )
    )
    assert res["digital_silence"] is True and res["speech_heard"] is False
    alsa_rig.set_input(np.full(3 * RATE, 3, np.int16))  # a quiet but live mic is not "muted"
    res = last_json(
        run_python(
            record_snippet(path=str(tmp_path / "q.wav"), device="vcin", max_seconds=2.0),
            alsa_rig.env(),
        )
    )
    assert res["digital_silence"] is False and res["speech_heard"] is False


def test_unknown_device_is_a_clear_one_line_error(alsa_rig):
    code = """
from voicecoach.sound.recorder import Recorder
from voicecoach.sound.devices import AudioDeviceError
for spec in ("no such microphone", 97):
    try:
        Recorder(None, device=spec).start()
        print("NO ERROR")
    except AudioDeviceError as exc:
        print(exc)
"""
    proc = run_python(code, alsa_rig.env())
    lines = proc.stdout.strip().splitlines()
    assert proc.returncode == 0 and len(lines) == 2, proc.stderr
    assert lines[0].startswith("no input device matches 'no such microphone'")
    assert "vcin" in lines[0] and "--input-device" in lines[0]
    assert lines[1].startswith("no sound device with index 97")


def test_a_device_that_appears_after_start_up_is_found(alsa_rig):
    """PortAudio lists devices once; a headset plugged in later (here: the ALSA config gains
    ``vcin``/``vcout`` after PortAudio started) is found by asking it to list them again."""
    full = alsa_rig.conf.read_text()
    alsa_rig.conf.write_text("# no devices yet\n")
    code = f"""
import os, pathlib, time
from voicecoach.sound.devices import list_devices, resolve_device
before = [d.name for d in list_devices()]
conf = pathlib.Path({str(alsa_rig.conf)!r})
conf.write_text({full!r})
os.utime(conf, (time.time() + 2, time.time() + 2))  # ALSA reloads a config whose mtime moved
print(before); print(resolve_device("vcin", "input").name)
print(resolve_device("vcout", "output").name)
"""
    proc = run_python(code, alsa_rig.env())
    lines = proc.stdout.strip().splitlines()
    assert proc.returncode == 0 and len(lines) == 3, proc.stderr
    assert "vcin" not in lines[0] and "vcout" not in lines[0]
    assert lines[1:] == ["vcin", "vcout"]


def test_missing_portaudio_is_a_clear_error():
    # Simulate a machine without libportaudio: sounddevice finds no library to load.
    code = """
import ctypes.util
real = ctypes.util.find_library
ctypes.util.find_library = lambda name: None if "portaudio" in name else real(name)
import sys; sys.modules.pop("_sounddevice_data", None)
from voicecoach.sound.devices import AudioDeviceError, list_devices
try:
    list_devices()
except AudioDeviceError as exc:
    print(exc)
"""
    proc = run_python(code, dict(os.environ))
    assert proc.stdout.startswith("PortAudio library not found"), proc.stdout + proc.stderr
    assert "libportaudio2" in proc.stdout


def test_auto_stop_after_trailing_silence_in_real_time(pulse_rig, answer_wav, answer_speech):
    auto_stop = 1.5
    code = """
import json, subprocess, time
from voicecoach.sound.recorder import Recorder
rec = Recorder(None, device="vpulse", auto_stop_s=AUTO_STOP, max_seconds=30).start()
time.sleep(0.3)
play = subprocess.Popen(["paplay", "--device=vmic", WAV])
play.wait()
speech_end_wall = time.monotonic()
res = rec.wait(30)
print(json.dumps(dict(lag=time.monotonic() - speech_end_wall, stopped_by=res.stopped_by,
                      duration=res.duration, speech_end=res.speech_end,
                      digital_silence=res.digital_silence)))
""".replace("AUTO_STOP", repr(auto_stop)).replace("WAV", repr(str(answer_wav)))
    res = last_json(run_python(code, pulse_rig.env()))
    assert res["stopped_by"] == "silence" and not res["digital_silence"]
    # paplay exits once its audio has drained, i.e. when the speech ended
    assert auto_stop - 0.3 <= res["lag"] <= auto_stop + 0.5
    assert res["speech_end"] >= answer_speech.size / RATE - 0.3
    assert res["duration"] - res["speech_end"] == pytest.approx(auto_stop, abs=0.15)


def test_muted_flag_shows_within_a_second_in_real_time(pulse_rig):
    code = """
import json, time
from voicecoach.sound.recorder import Recorder
rec = Recorder(None, device="vpulse", auto_stop_s=None, max_seconds=30).start()
t0 = time.monotonic()
while not rec.muted and time.monotonic() - t0 < 5:
    time.sleep(0.02)
print(json.dumps(dict(after=time.monotonic() - t0, muted=rec.muted)))
rec.stop()
"""
    res = last_json(run_python(code, pulse_rig.env()))
    assert res["muted"] and res["after"] <= 1.5


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_interrupted_recording_leaves_a_readable_partial_file(pulse_rig, answer_wav, tmp_path, sig):
    out = tmp_path / "partial.wav"
    args = dict(path=str(out), device="vpulse", auto_stop_s=None, max_seconds=60)
    env = pulse_rig.env()
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    proc = subprocess.Popen(
        [sys.executable, "-c", RECORD, json.dumps(args)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    player = None
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        assert ready and proc.stdout.readline().strip() == "RECORDING", proc.stderr
        player = pulse_rig.play(answer_wav)
        time.sleep(2.5)  # mid-answer
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
        if player is not None:
            player.terminate()
    data, sr = sf.read(str(out), dtype="int16")  # must open and decode
    seconds = data.size / sr
    if sig == signal.SIGINT:
        res = json.loads(stdout.strip().splitlines()[-1])
        assert res["stopped_by"] == "interrupt", stderr
        assert 2.3 <= seconds <= 3.6 and res["duration"] == pytest.approx(seconds)
    else:  # killed: whatever was flushed (every 0.5 s) is there
        assert 1.8 <= seconds <= 3.6
    voiced = np.abs(data[int(0.3 * sr) :].astype(np.int32)).max()
    assert voiced > 1000  # the answer's speech, not silence
