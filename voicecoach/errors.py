"""The exception tree: every error caused by the user's input or machine, not by a bug.

The CLI prints ``str(err)`` as one line and exits with ``err.exit_code`` (2); nothing else
is printed. Each subpackage raises its own subclass:

* :class:`UserError`
    * ``voicecoach.banks.BankError``: a bank file that cannot be loaded (file, question, field)
    * ``voicecoach.banks.QuestionNotFound``: an unknown question id (closest ids suggested)
    * ``voicecoach.asr.AudioError``: an audio file that cannot be used
    * ``voicecoach.asr.ModelError``: a speech model that cannot be found or fetched
    * ``voicecoach.sound.AudioDeviceError``: a microphone or speaker problem
    * ``voicecoach.tts.SpeechError``: speech synthesis or playback failed
    * ``voicecoach.history.HistoryError`` (``HistoryLocked``, ``HistoryCorrupt``)
    * ``voicecoach.review.source.ReviewInputError``: a session or results file that cannot
      be reviewed
"""


class UserError(Exception):
    """An error the user can fix; its message says what is wrong and how to fix it."""

    exit_code = 2
