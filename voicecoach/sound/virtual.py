"""Virtual sound devices: the real sounddevice -> PortAudio -> ALSA stack, no hardware.

voicecoach's tests and benchmarks use these to drive practice, the recorder and speech output
on a machine with no sound card; they need ALSA's file plugin (always there) and, for the
real-time microphone, PulseAudio (Debian: pulseaudio, pulseaudio-utils, libasound2-plugins).

Two rigs (see README "Testing audio without a sound card"):

* :class:`AlsaRig` writes an asound.conf with
    - ``vcin``: a capture device reading a raw 16 kHz mono s16le file (faster than real time;
      after the file ends it delivers silence), and
    - ``vcout``: a playback device converting to 16 kHz mono s16le and writing raw files
      (captures what a speaker played; :meth:`AlsaRig.played` joins every stream in order).
  ALSA reads ``ALSA_CONFIG_PATH`` when PortAudio initialises (at ``import sounddevice``), so code
  using the rig runs in a subprocess with :meth:`AlsaRig.env`.
* :class:`PulseRig` starts a private PulseAudio server (own ``XDG_RUNTIME_DIR``) with a null sink
  ``vmic``; ``paplay --device=vmic`` plays a wav into it in real time and the recorder reads its
  monitor through the ALSA ``vpulse`` device with ``PULSE_SOURCE=vmic.monitor``.

Only the physical microphone/speaker is replaced; everything from PortAudio up is real.
"""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np

from voicecoach.asr.audio import SAMPLE_RATE

SYSTEM_ALSA_CONF = "/usr/share/alsa/alsa.conf"
RATE = SAMPLE_RATE


def write_raw(path: Path, samples: np.ndarray) -> np.ndarray:
    """Write float [-1,1] or int16 samples as raw s16le; returns the int16 written."""
    if samples.dtype != np.int16:
        samples = np.clip(np.round(samples * 32767.0), -32768, 32767).astype(np.int16)
    path.write_bytes(samples.astype("<i2").tobytes())
    return samples


def read_raw(path: Path) -> np.ndarray:
    return np.frombuffer(path.read_bytes(), dtype="<i2") if path.exists() else np.zeros(0, "<i2")


def to_16k(samples: np.ndarray, rate: int) -> np.ndarray:
    if rate == RATE:
        return samples.astype(np.float32)
    n = int(round(samples.size * RATE / rate))
    return np.interp(np.arange(n) * (rate / RATE), np.arange(samples.size), samples).astype(
        np.float32
    )


class AlsaRig:
    """An asound.conf with file-backed capture (``vcin``) and playback (``vcout``) devices."""

    def __init__(
        self, workdir: Path, infile: Path | None = None, outfile: Path | None = None
    ) -> None:
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.infile = infile or self.dir / "mic.raw"
        self.outfile = outfile or self.dir / "played.raw"
        if not self.infile.exists():
            self.infile.write_bytes(b"")
        self.conf = self.dir / "asound.conf"
        self.conf.write_text(f"""
pcm.vcin {{
    type file
    slave.pcm "null"
    file "/dev/null"
    infile "{self.infile}"
    format "raw"
    hint {{ show on description "voicecoach test capture (reads {self.infile.name})" }}
}}
pcm.vcout_file {{
    type file
    slave.pcm "null"
    file "{self.outfile}"
    format "raw"
    truncate false
}}
pcm.vcout {{
    type plug
    slave {{ pcm "vcout_file" rate {RATE} channels 1 format S16_LE }}
    hint {{ show on description "voicecoach test playback (writes {self.outfile.name})" }}
}}
""")

    def set_input(self, samples: np.ndarray) -> np.ndarray:
        """Make ``vcin`` deliver these samples (float or int16); returns the int16 written."""
        return write_raw(self.infile, samples)

    def played(self) -> np.ndarray:
        """What was played on ``vcout``, as int16 at 16 kHz, every stream in order.

        With ``truncate false`` ALSA's file plugin writes each new open of the device to the
        next numbered file (``played.raw``, ``played.raw.0001``, ...) instead of overwriting.
        """
        parts = [
            self.outfile,
            *sorted(
                self.outfile.parent.glob(self.outfile.name + ".[0-9]*"),
                key=lambda p: int(p.suffix[1:]),
            ),
        ]
        return np.concatenate([read_raw(p) for p in parts]).astype(np.int16, copy=False)

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        env["ALSA_CONFIG_PATH"] = f"{SYSTEM_ALSA_CONF}:{self.conf}"
        for var in ("PULSE_SERVER", "PULSE_SOURCE", "PULSE_SINK"):
            env.pop(var, None)
        # no PulseAudio: keep the system's pulse hook from making "default" a pulse device
        env["XDG_RUNTIME_DIR"] = str(self.dir)
        return env


def pulseaudio_available() -> str | None:
    """None when the PulseAudio rig can run, else why not."""
    for tool in ("pulseaudio", "paplay", "pactl"):
        if shutil.which(tool) is None:
            return f"{tool} not installed (Debian: apt-get install pulseaudio pulseaudio-utils)"
    plugin_dirs = [
        Path("/usr/lib/x86_64-linux-gnu/alsa-lib"),
        Path("/usr/lib/aarch64-linux-gnu/alsa-lib"),
        Path("/usr/lib/alsa-lib"),
        Path("/usr/lib64/alsa-lib"),
    ]
    if not any((d / "libasound_module_pcm_pulse.so").exists() for d in plugin_dirs):
        return "ALSA pulse plugin missing (Debian: apt-get install libasound2-plugins)"
    return None


class PulseRig:
    """A private PulseAudio server with a null sink ``vmic`` (a real-time virtual microphone)."""

    def __init__(self, workdir: Path) -> None:
        self.dir = Path(workdir)
        self.runtime = self.dir / "xdg"
        self.runtime.mkdir(parents=True, exist_ok=True)
        os.chmod(self.runtime, 0o700)
        self.conf = self.dir / "asound-pulse.conf"
        self.conf.write_text("""
pcm.vpulse {
    type pulse
    hint { show on description "voicecoach test PulseAudio (vmic.monitor)" }
}
ctl.vpulse { type pulse }
""")
        self.log = self.dir / "pulseaudio.log"
        self._players: list[subprocess.Popen] = []
        self._keepalive: subprocess.Popen | None = None

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        env.update(
            XDG_RUNTIME_DIR=str(self.runtime),
            HOME=str(self.dir),
            PULSE_SOURCE="vmic.monitor",
            PULSE_LATENCY_MSEC="30",
            ALSA_CONFIG_PATH=f"{SYSTEM_ALSA_CONF}:{self.conf}",
        )
        env.pop("PULSE_SERVER", None)
        return env

    def start(self) -> PulseRig:
        # Log to a file in the rig's folder: a daemon that dies mid-suite says why there.
        # --no-cpu-limit: a loaded CI machine must not make PulseAudio kill itself.
        cmd = [
            "pulseaudio",
            "--daemonize=yes",
            "--exit-idle-time=-1",
            "-n",
            "--no-cpu-limit",
            f"--log-target=file:{self.log}",
            "--log-level=notice",
            "--load=module-native-protocol-unix",
            "--load=module-null-sink sink_name=vmic rate=16000 channels=1",
        ]
        subprocess.run(cmd, env=self.env(), check=True, capture_output=True, timeout=20)
        deadline = time.monotonic() + 10
        while (
            subprocess.run(["pactl", "info"], env=self.env(), capture_output=True).returncode != 0
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("private PulseAudio server did not come up within 10 s")
            time.sleep(0.05)
        # The null sink renders 2 s blocks at first, so the first recording after start-up gets
        # its first samples ~2 s late. A low-latency reader kept connected, plus a warm-up read
        # that waits for data to flow promptly, make every later client get data at once.
        self._keepalive = subprocess.Popen(
            ["parec", "--device=vmic.monitor", "--latency-msec=20", "--raw"],
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:
            if self._first_data_delay() < 0.3:
                return self
        raise RuntimeError("private PulseAudio null sink did not reach low latency in 8 s")

    def _first_data_delay(self) -> float:
        proc = subprocess.Popen(
            ["parec", "--device=vmic.monitor", "--raw"],
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        t0 = time.monotonic()
        try:
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], 3.0)
            return time.monotonic() - t0 if ready else 3.0
        finally:
            proc.kill()
            proc.wait(5)

    def diagnose(self) -> str:
        """Whether the server answers, its sinks, and the end of its log (for failure reports)."""
        info = subprocess.run(["pactl", "info"], env=self.env(), capture_output=True, text=True)
        sinks = subprocess.run(
            ["pactl", "list", "short", "sinks"], env=self.env(), capture_output=True, text=True
        )
        log = self.log.read_text(errors="replace").splitlines()[-30:] if self.log.exists() else []
        return "\n".join(
            [
                f"pactl info: rc={info.returncode} {info.stderr.strip()}",
                f"sinks: {sinks.stdout.strip() or sinks.stderr.strip()}",
                "log tail:",
                *log,
            ]
        )

    def play(self, wav: Path) -> subprocess.Popen:
        """Start playing a wav into vmic (real time); returns the paplay process."""
        proc = subprocess.Popen(
            ["paplay", "--device=vmic", str(wav)],
            env=self.env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        self._players.append(proc)
        return proc

    def stop(self) -> None:
        for proc in [*self._players, self._keepalive]:
            if proc is None:
                continue
            if proc.poll() is None:
                proc.terminate()
                proc.wait(5)
        subprocess.run(["pulseaudio", "--kill"], env=self.env(), capture_output=True, timeout=20)
