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


class Terminal:
    """A command run on a pseudo-terminal, as a user at a real terminal runs it: keys go in
    with :meth:`press`, everything it prints collects in :attr:`screen`.

        with Terminal([...], env) as t:
            t.wait_for(b"Recording")
            t.press(b"q")
            assert t.proc.wait(60) == 0
    """

    def __init__(self, cmd: list[str], env: dict[str, str]) -> None:
        import pty
        import threading

        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(
            cmd,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            close_fds=True,
            env=env | {"COLUMNS": "100", "LINES": "40", "TERM": "xterm"},
        )
        os.close(slave)
        self.screen = bytearray()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.master, 4096)
            except OSError:
                return
            if not data:
                return
            self.screen.extend(data)

    def text(self, last: int = 1500) -> str:
        return self.screen.decode(errors="replace")[-last:]

    def press(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def wait_for(self, what: bytes, timeout: float = 90) -> None:
        import time

        end = time.time() + timeout
        while time.time() < end and what not in self.screen:
            time.sleep(0.1)
        assert what in self.screen, self.text()

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        os.close(self.master)
