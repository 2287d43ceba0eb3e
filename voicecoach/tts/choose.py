"""Choosing a speaker for ``--voice`` / ``--output-device``, and rendering text to a file."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TextIO

from voicecoach.sound.devices import AudioDeviceError, import_sounddevice
from voicecoach.sound.playback import resample
from voicecoach.tts.base import Audio, PrintSpeaker, SampleSpeaker, Speaker, SpeechError
from voicecoach.tts.engines import ESPEAK_HINT, EspeakSpeaker, PiperSpeaker, Pyttsx3Speaker


def make_speaker(
    voice: str | None = None,
    output_device: str | int | None = None,
    enabled: bool = True,
    out: TextIO | None = None,
) -> Speaker:
    """The best available speaker; ``speaker.reason`` says why it was chosen.

    ``voice``: None/"espeak"/"pyttsx3" for espeak-ng (pyttsx3's engine; pyttsx3's own driver
    where espeak-ng is missing, e.g. Windows/macOS), "piper" for the bundled piper voice, or a
    path to a piper .onnx model. Falls back to espeak-ng, pyttsx3, then to printing.
    Output-device errors (unknown --output-device, no output device) also fall back to
    printing, with the reason.
    """
    if not enabled:
        return PrintSpeaker("--no-speak given", out=out, explain=False)
    try:
        import_sounddevice()
    except AudioDeviceError as exc:
        return PrintSpeaker(str(exc), out=out)
    wants_piper = voice is not None and (
        voice == "piper" or voice.endswith(".onnx") or os.path.exists(voice)
    )
    problems: list[str] = []
    if wants_piper:
        model = None if voice == "piper" else voice
        try:
            speaker: Speaker = PiperSpeaker(model, output_device, reason=f"voice {voice}")
            return _check_output(speaker, out)
        except SpeechError as exc:
            problems.append(str(exc))
    elif voice not in (None, "", "espeak", "pyttsx3", "default"):
        problems.append(f"unknown voice {voice!r} (use 'piper' or a piper .onnx path)")
    for engine in (EspeakSpeaker, Pyttsx3Speaker):
        try:
            speaker = engine(output_device)
        except SpeechError as exc:
            if str(exc) not in problems:
                problems.append(str(exc))
            continue
        speaker.reason = speaker.name + (f" ({'; '.join(problems)})" if problems else "")
        return _check_output(speaker, out)
    return PrintSpeaker(f"{'; '.join(problems)}; {ESPEAK_HINT}", out=out)


def _check_output(speaker: Speaker, out: TextIO | None) -> Speaker:
    assert isinstance(speaker, SampleSpeaker)
    try:
        speaker._device()
    except AudioDeviceError as exc:
        speaker.close()
        return PrintSpeaker(str(exc), out=out)
    return speaker


def speak_to_file(
    text: str, path: str | Path, voice: str | None = None, samplerate: int | None = None
) -> Audio:
    """Render text to a wav (atomically) with espeak-ng (pyttsx3 where espeak-ng is missing)
    or, for voice="piper"/.onnx, piper."""
    import soundfile as sf

    speaker: SampleSpeaker
    if voice is not None and (voice == "piper" or voice.endswith(".onnx")):
        speaker = PiperSpeaker(None if voice == "piper" else voice)
    else:
        try:
            speaker = EspeakSpeaker()
        except SpeechError:
            speaker = Pyttsx3Speaker()
    try:
        audio = speaker.render(text)
    finally:
        speaker.close()
    if samplerate and samplerate != audio.samplerate:
        audio = Audio(resample(audio.samples, audio.samplerate, samplerate), samplerate)
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    sf.write(str(tmp), audio.samples, audio.samplerate, subtype="PCM_16", format="WAV")
    os.replace(tmp, path)
    return audio
