"""Every benchmark script still starts: its imports resolve and its options parse.

No other test runs the scripts in bench/, and a broken import there once went unnoticed
until the benchmark was next run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
SCRIPTS = sorted(p for p in BENCH.glob("*.py") if "argparse" in p.read_text(encoding="utf-8"))


def test_the_scripts_are_found():
    assert len(SCRIPTS) >= 8, SCRIPTS


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_bench_script_starts(script: Path):
    p = subprocess.run(
        [sys.executable, script.name, "--help"],
        cwd=BENCH,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert p.returncode == 0, p.stderr[-2000:]
    assert "usage:" in p.stdout
