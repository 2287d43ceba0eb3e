"""Speech output: questions (and optional feedback) read aloud.

Owns the speaker types and the print fallback (:mod:`.base`), the engines (:mod:`.engines`:
espeak-ng called directly, pyttsx3 where espeak-ng is missing, the optional piper voice) and
choosing one (:mod:`.choose`). Playback goes through :mod:`voicecoach.sound`.

Exports: :func:`make_speaker`, :func:`speak_to_file`, :class:`Speaker`, :class:`PrintSpeaker`,
:class:`SpeechError`, :func:`split_sentences`.
"""

from voicecoach.tts.base import PrintSpeaker, Speaker, SpeechError, split_sentences
from voicecoach.tts.choose import make_speaker, speak_to_file

__all__ = [
    "PrintSpeaker",
    "Speaker",
    "SpeechError",
    "make_speaker",
    "speak_to_file",
    "split_sentences",
]
