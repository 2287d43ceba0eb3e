"""Speech recognition, on this machine: audio in, timed transcript out.

Owns audio decoding (:mod:`.audio`: any format, 16 kHz mono, streamed in blocks), finding the
model offline (:mod:`.models`), voice activity and cutting long audio (:mod:`.vad`), verbatim
decoding with faster-whisper (:mod:`.transcribe`), the checks and repairs that keep decodes
honest (:mod:`.guards`) and transcription while an answer is being recorded (:mod:`.live`).
faster-whisper is imported only when a model is loaded.

Exports: :func:`get_transcriber`, :class:`Transcriber`, :class:`DecodeOptions`,
:func:`load_audio`, :func:`probe`, :class:`AudioError`, :class:`ModelError`, ``SAMPLE_RATE``.
"""

from voicecoach.asr.audio import SAMPLE_RATE, AudioError, load_audio, probe
from voicecoach.asr.models import ModelError
from voicecoach.asr.transcribe import DecodeOptions, Transcriber, get_transcriber

__all__ = [
    "SAMPLE_RATE",
    "AudioError",
    "DecodeOptions",
    "ModelError",
    "Transcriber",
    "get_transcriber",
    "load_audio",
    "probe",
]
