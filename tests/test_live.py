"""The live decoder with the real model, on a simulated real-time clock
(:func:`voicecoach.asr.live.replay`), so that pieces are cut where a session would cut
them, without playing audio in real time."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.audio

# A piper rendering of "Cross-validation estimates how a model does on unseen data. With
# stratified k-fold, the data is split into k folds that keep the class balance." on which
# a session dropped "with stratified k-fold" (CI, 2026-12-01): the pieces are cut after
# "unseen data." and Whisper, given that sentence as the lead-in of the second piece, started
# at "The data".
DROP = Path(__file__).parent / "fixtures" / "audio" / "cv-live-drop.flac"
QUESTION = "What is cross-validation, and why is it used?"


@pytest.fixture(scope="module")
def model():
    from voicecoach.asr.transcribe import get_transcriber

    return get_transcriber()


def _audio(lead_s: float, tail_s: float) -> np.ndarray:
    from voicecoach.asr.audio import load_audio

    x = load_audio(DROP)
    z = np.zeros
    return np.concatenate([z(int(lead_s * 16000), np.float32), x, z(int(tail_s * 16000))])


def _live(model, audio: np.ndarray, **tuning):
    from voicecoach.asr.live import replay
    from voicecoach.asr.streaming import LiveDecoder

    dec = LiveDecoder(lambda: model, QUESTION, **tuning)
    latency = replay(dec, audio.astype(np.float32), chunk_s=0.1)
    return dec.transcript(), latency


@pytest.mark.parametrize("lead_s", [0.0, 0.27, 0.69])
def test_a_phrase_skipped_at_a_piece_boundary_is_restored(model, lead_s):
    t, _ = _live(model, _audio(lead_s, 2.0))
    heard = t.text.lower()
    assert "stratified" in heard and "unseen" in heard and "balance" in heard, heard
    assert len(t.info["pieces"]) >= 2  # it was cut in pieces


def test_the_skip_is_caught_and_the_piece_decoded_alone(model):
    """With the lead the CI session had, the second piece is decoded again on its own."""
    t, _ = _live(model, _audio(0.27, 2.0), refine=False)
    assert "stratified" in t.text.lower()
    assert any(p.get("redecoded") for p in t.info["pieces"]), t.info["pieces"]


def _long(model, **tuning):
    """The answer three times over, 0.3 s apart: 27 s of speech in about 8 pieces."""
    from voicecoach.asr.audio import load_audio

    x = load_audio(DROP)
    gap = np.zeros(int(0.3 * 16000), np.float32)
    audio = np.concatenate([x, gap, x, gap, x, np.zeros(2 * 16000, np.float32)])
    return _live(model, audio, **tuning)


def test_a_long_answer_is_refined_in_windows(model):
    t, _ = _long(model)
    refines = t.info["refines"]
    assert refines and len(t.info["pieces"]) > len(refines)
    assert all(r["end"] - r["start"] <= 20.0 for r in refines)
    assert [r["start"] for r in refines[1:]] == [r["end"] for r in refines[:-1]]  # no overlap
    assert t.text.lower().count("stratified") == 3, t.text
    assert t.text.lower().count("balance") == 3, t.text
    starts = [w.start for w in t.words]
    assert starts == sorted(starts)
    pairs = zip(t.words, t.words[1:], strict=False)
    assert not any(a.text == b.text and a.start == b.start for a, b in pairs)


def test_stop_on_the_last_word_stays_fast(model):
    """A key pressed on the last word: the rest is refined at the stop only when that fits
    the stop budget (here none), so the transcript is ready once the last piece is."""
    # The bound is the last piece alone on a busy CI machine. This machine's speed drifts by
    # up to 60% from one minute to the next (one CI run measured 3.5 s once, 1.5-2.9 s here
    # with training on both cores), so the fastest of up to three runs is held to it: a stop
    # that refined the answer would be slow in every run.
    runs = []
    for _ in range(3):
        t, latency = _live(model, _audio(0.27, 0.0), stop_budget_s=0.0)
        assert "balance" in t.text.lower()
        assert t.info["refines"] == []
        runs.append(latency)
        if latency < 3.0:
            break
    assert min(runs) < 3.0, runs


def test_no_refine_decodes_the_pieces_alone(model):
    t, _ = _long(model, refine=False)
    assert t.info["refines"] == [] and len(t.info["pieces"]) >= 4
    assert t.text.lower().count("balance") == 3, t.text


def _words(*texts: str) -> list:
    from voicecoach.transcript import Word

    return [Word(t, 0.5 * i, 0.5 * i + 0.4, 0.9) for i, t in enumerate(texts)]


def test_fewer_fillers_is_not_fewer_words():
    """What the pieces of tests/fixtures/real/voice-breaths.flac wrote in a session here
    (four "Mm-hmm." over one breath), against the refine window that heard the words alone;
    the old rule (all words counted) kept the pieces."""
    from voicecoach.asr.streaming import heard_enough

    pieces = _words("Montreal.", "Forest.", "Mm-hmm.", "Mm-hmm.", "Mm-hmm.", "Mm-hmm.")
    window = _words("Montreal.", "Forced.")
    assert heard_enough(window, pieces)
    assert not len(window) >= len(pieces) - max(2, 0.08 * len(pieces))  # the old rule
    # a window that lost words (not fillers) still loses to its pieces
    said = _words(
        *[
            "so",
            "we",
            "split",
            "the",
            "data",
            "into",
            "k",
            "folds",
            "and",
            "keep",
            "the",
            "class",
            "balance",
        ]
    )
    assert not heard_enough(said[:8], said)
    assert heard_enough(said[:11], said)  # two words fewer: within the tolerance
