"""voicecoach.asr.audio on real files: every format decodes to the same 16 kHz mono signal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from voicecoach.asr.audio import SAMPLE_RATE, AudioError, iter_audio, load_audio, probe

pytestmark = pytest.mark.audio

FIX = Path(__file__).parent / "fixtures" / "audio"
FORMATS = [
    "speech.wav",
    "speech.flac",
    "speech.mp3",
    "speech.opus.ogg",
    "speech.m4a",
    "speech.webm",
    "speech_stereo44k.flac",
]


@pytest.mark.parametrize("name", FORMATS)
def test_formats_load_as_16k_mono(name: str) -> None:
    audio = load_audio(FIX / name)
    assert audio.dtype == np.float32 and audio.ndim == 1
    ref = load_audio(FIX / "speech.wav")
    # same rendering: same length within 100 ms, same loudness within 10 %
    assert abs(len(audio) - len(ref)) < 0.1 * SAMPLE_RATE
    rms, ref_rms = float(np.sqrt(np.mean(audio**2))), float(np.sqrt(np.mean(ref**2)))
    assert abs(rms - ref_rms) / ref_rms < 0.1
    assert 0.8 <= np.max(np.abs(audio)) <= 1.05


def test_probe_reports_native_format() -> None:
    info = probe(FIX / "speech_stereo44k.flac")
    assert (info.sample_rate, info.channels, info.codec) == (44100, 2, "flac")
    assert 2.5 < info.duration_s < 3.5
    assert probe(FIX / "speech.opus.ogg").codec == "opus"
    assert probe(FIX / "speech.m4a").codec == "aac"


def test_iter_audio_blocks_are_bounded_and_complete(tmp_path: Path) -> None:
    # 95 s file streamed in 10 s blocks: never more than one block at a time, nothing lost
    tone = (0.1 * np.sin(np.arange(95 * 8000) * 2 * np.pi * 440 / 8000)).astype(np.float32)
    path = tmp_path / "long.flac"
    sf.write(path, tone, 8000)
    blocks = list(iter_audio(path, chunk_s=10))
    assert [len(b) for b in blocks[:-1]] == [10 * SAMPLE_RATE] * 9
    assert abs(sum(len(b) for b in blocks) - 95 * SAMPLE_RATE) < SAMPLE_RATE // 10


def test_silence_is_valid_audio(tmp_path: Path) -> None:
    path = tmp_path / "quiet.wav"
    sf.write(path, np.zeros(3 * 16000, dtype=np.int16), 16000, subtype="PCM_16")
    audio = load_audio(path)
    assert len(audio) == 3 * SAMPLE_RATE and not np.any(audio)


def _bad_files(tmp: Path) -> dict[str, tuple[Path, str]]:
    empty = tmp / "empty.wav"
    empty.write_bytes(b"")
    text = tmp / "notes.wav"
    text.write_text("this is a text file, not a recording\n" * 20)
    corrupt = tmp / "corrupt.m4a"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypM4A " + bytes(range(256)) * 8)
    truncated = tmp / "cut.wav"
    truncated.write_bytes((FIX / "speech.wav").read_bytes()[:30])
    folder = tmp / "answers.wav"
    folder.mkdir()
    zero = tmp / "zero.wav"
    sf.write(zero, np.zeros(0, dtype=np.float32), 16000)
    return {
        "missing": (tmp / "nope.wav", "not found"),
        "empty": (empty, "empty (0 bytes)"),
        "text": (text, "not a readable audio file"),
        "corrupt": (corrupt, "not a readable audio file"),
        "truncated": (truncated, "not a readable audio file"),
        "folder": (folder, "is a folder"),
        "no-samples": (zero, "no audio samples"),
    }


@pytest.mark.parametrize(
    "case", ["missing", "empty", "text", "corrupt", "truncated", "folder", "no-samples"]
)
def test_bad_files_raise_one_line_audio_error(tmp_path: Path, case: str) -> None:
    path, expected = _bad_files(tmp_path)[case]
    for fn in (load_audio, probe):
        with pytest.raises(AudioError) as err:
            fn(path)
        message = str(err.value)
        assert expected in message and "\n" not in message and path.name in message
