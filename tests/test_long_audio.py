"""A 3-hour recording is transcribed in bounded memory (read in blocks, decoded in pieces)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

pytestmark = pytest.mark.audio

FIX = Path(__file__).parent / "fixtures" / "audio"


@pytest.mark.slow
def test_three_hour_file_in_bounded_memory(tmp_path: Path) -> None:
    from voicecoach.asr.audio import load_audio

    speech = load_audio(FIX / "filler.flac")
    path = tmp_path / "three-hours.flac"
    with sf.SoundFile(path, "w", 16000, 1, "PCM_16") as f:
        f.write(speech)
        quiet = np.zeros(16000 * 600, np.float32)
        for _ in range(18):  # 3 hours of silence between two answers
            f.write(quiet)
        f.write(speech)
    # a wrapper process, so the peak measured is this command's own
    wrapper = (
        "import resource, subprocess, sys\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "print(p.stdout, end='')\nsys.stderr.write(p.stderr)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(p.returncode)"
    )
    p = subprocess.run(
        [
            sys.executable,
            "-c",
            wrapper,
            sys.executable,
            "-m",
            "voicecoach",
            "transcribe",
            str(path),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert p.returncode == 0, p.stderr
    out, peak_kb = p.stdout.rstrip("\n").rsplit("\n", 1)
    peak_mb = int(peak_kb) / 1024
    d = json.loads(out)
    assert d["duration"] > 3 * 3600
    assert d["text"].lower().count("stratified") == 2  # heard at the start and at the end
    assert d["words"][-1]["start"] > 3 * 3600
    # the decoded audio alone would take 3 h * 16 kHz * 4 B = 691 MB
    assert peak_mb < 600, f"peak memory {peak_mb:.0f} MB"
