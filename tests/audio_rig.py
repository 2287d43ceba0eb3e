"""Test helpers around the virtual sound devices (:mod:`voicecoach.sound.virtual`): run a
snippet in a subprocess with a rig's environment, read its JSON result, and render speech."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from voicecoach.sound.virtual import (  # noqa: F401  (re-exported for the tests)
    RATE,
    AlsaRig,
    PulseRig,
    pulseaudio_available,
    read_raw,
    to_16k,
    write_raw,
)
from voicecoach.tts.engines import render_piper_16k  # noqa: F401

REPO = Path(__file__).resolve().parents[1]


def run_python(
    code: str, env: dict[str, str], timeout: float = 60.0, **popen: object
) -> subprocess.CompletedProcess:
    """Run a Python snippet (with the repo importable) in a subprocess under ``env``."""
    env = dict(env)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=str(REPO),
        text=True,
        capture_output=True,
        timeout=timeout,
        **popen,
    )


def last_json(proc: subprocess.CompletedProcess) -> dict:
    """The last line of a subprocess's stdout parsed as JSON (with a helpful failure)."""
    # JSON lines only: a snippet's "RECORDING" announcement can race past its result line
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip().startswith("{")]
    if proc.returncode != 0 or not lines:
        raise AssertionError(
            f"subprocess failed (rc={proc.returncode}):\n"
            f"stdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
        )
    return json.loads(lines[-1])
