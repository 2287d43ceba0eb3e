"""Light data types for a timed transcript (no speech libraries imported here).

The transcriber (``voicecoach.transcribe``) produces these; the scorer consumes them. A
transcript typed by hand has words without times.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Word:
    """One recognised word. ``text`` is as the recogniser wrote it (may carry punctuation)."""

    text: str
    start: float | None = None
    end: float | None = None
    probability: float | None = None


@dataclass
class Transcript:
    """A whole answer's transcript.

    ``text`` is the transcript. When ``words`` is given, ``text`` must be the words joined
    with single spaces (see :func:`from_words`), so that character offsets map to word times.
    ``speech`` lists (start, end) stretches where voice activity was detected, if known.
    """

    text: str
    words: list[Word] = field(default_factory=list)
    duration: float | None = None
    speech: list[tuple[float, float]] = field(default_factory=list)
    # Stretches of voice with no recognised word: likely dropped fillers ("um" deleted by ASR).
    unrecognized: list[tuple[float, float]] = field(default_factory=list)
    info: dict = field(default_factory=dict)

    @classmethod
    def from_text(cls, text: str) -> Transcript:
        return cls(text=text)

    @classmethod
    def from_words(cls, words: list[Word], duration: float | None = None, **kw) -> Transcript:
        clean = [
            Word(w.text.strip(), w.start, w.end, w.probability) for w in words if w.text.strip()
        ]
        return cls(text=" ".join(w.text for w in clean), words=clean, duration=duration, **kw)

    def word_offsets(self) -> list[tuple[int, int]]:
        """Character (start, end) of each word in ``text`` (words joined by single spaces)."""
        out = []
        pos = 0
        for w in self.words:
            out.append((pos, pos + len(w.text)))
            pos += len(w.text) + 1
        return out

    def time_at(self, char_start: int, char_end: int) -> tuple[float | None, float | None]:
        """The (start, end) time in seconds of a character span, or (None, None) untimed."""
        if not self.words:
            return None, None
        start = end = None
        for (a, b), w in zip(self.word_offsets(), self.words, strict=True):
            if b > char_start and a < char_end:
                if start is None:
                    start = w.start
                end = w.end
        return start, end

    def to_dict(self) -> dict:
        return asdict(self)
