"""Audio device discovery and selection (sounddevice).

sounddevice is imported lazily: importing it loads PortAudio, which fails with an OSError
when the library is missing. Every failure here becomes an :class:`AudioDeviceError` whose
message is one line saying what is wrong and how to fix it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Literal

from voicecoach.errors import UserError

Kind = Literal["input", "output"]


class AudioDeviceError(UserError):
    """A sound device problem the user can act on (message is one line)."""


PORTAUDIO_HINT = (
    "PortAudio library not found: install it (Debian/Ubuntu: sudo apt-get install libportaudio2; "
    "macOS: brew install portaudio)"
)


def import_sounddevice() -> ModuleType:
    """Import sounddevice, turning a missing PortAudio into an AudioDeviceError."""
    try:
        import sounddevice
    except OSError as exc:  # raised at import when libportaudio is missing
        raise AudioDeviceError(PORTAUDIO_HINT) from exc
    except ImportError as exc:
        raise AudioDeviceError(
            "the sounddevice package is not installed: pip install sounddevice"
        ) from exc
    _quiet_alsa()
    return sounddevice


_alsa_handler: object = None


def _quiet_alsa() -> None:
    """Stop ALSA printing its own diagnostics ("ALSA lib pcm.c: ... underrun occurred") over
    the practice screen; PortAudio still reports every real error to voicecoach."""
    global _alsa_handler
    if _alsa_handler is not None:
        return
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("asound")
    if not name:
        _alsa_handler = False
        return
    try:
        lib = ctypes.CDLL(name)
        proto = ctypes.CFUNCTYPE(
            None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p
        )
        handler = proto(lambda *_args: None)
        lib.snd_lib_error_set_handler(handler)
        _alsa_handler = handler  # keep it alive: ALSA holds the pointer
    except (OSError, AttributeError):
        _alsa_handler = False


@dataclass(frozen=True)
class Device:
    index: int
    name: str
    inputs: int
    outputs: int
    default_in: bool
    default_out: bool
    samplerate: float
    hostapi: str = ""


def _defaults(sd: ModuleType) -> tuple[int, int]:
    try:
        din, dout = sd.default.device
    except (TypeError, ValueError):
        din = dout = -1
    try:
        din = int(din) if din is not None else -1
        dout = int(dout) if dout is not None else -1
    except (TypeError, ValueError):
        din = dout = -1
    return din, dout


def list_devices() -> list[Device]:
    """All PortAudio devices (possibly empty)."""
    sd = import_sounddevice()
    try:
        raw = sd.query_devices()
        apis = sd.query_hostapis()
    except sd.PortAudioError as exc:
        raise AudioDeviceError(f"cannot list sound devices: {exc}") from exc
    din, dout = _defaults(sd)
    out = []
    for info in raw:
        idx = int(info["index"])
        api = apis[info["hostapi"]]["name"] if 0 <= info["hostapi"] < len(apis) else ""
        out.append(
            Device(
                index=idx,
                name=str(info["name"]),
                inputs=int(info["max_input_channels"]),
                outputs=int(info["max_output_channels"]),
                default_in=idx == din,
                default_out=idx == dout,
                samplerate=float(info["default_samplerate"]),
                hostapi=api,
            )
        )
    return out


def _channels(dev: Device, kind: Kind) -> int:
    return dev.inputs if kind == "input" else dev.outputs


def _available(devs: list[Device], kind: Kind) -> str:
    usable = [d for d in devs if _channels(d, kind) > 0]
    if not usable:
        return f"there is no {kind} device at all"
    names = ", ".join(f"[{d.index}] {d.name}" for d in usable[:8])
    more = f" and {len(usable) - 8} more" if len(usable) > 8 else ""
    return f"{kind} devices: {names}{more}"


def refresh_devices() -> None:
    """Make PortAudio enumerate the devices again.

    PortAudio lists devices once, when it starts, so a headset plugged in after voicecoach
    started (or a sound server that answered the first probe late) is invisible until it
    re-initialises. Re-initialising closes open streams: call this only at set-up time,
    when none is open (``resolve_device`` does, and only on a miss).
    """
    sd = import_sounddevice()
    try:
        sd._terminate()
        sd._initialize()
    except sd.PortAudioError as exc:
        raise AudioDeviceError(f"cannot list sound devices: {exc}") from exc


def resolve_device(spec: str | int | None, kind: Kind = "input") -> Device:
    """Pick a device by index, or by case-insensitive name substring; None = the default.

    Raises AudioDeviceError when nothing (or nothing with channels of ``kind``) matches,
    after asking PortAudio for a fresh device list once (see :func:`refresh_devices`).
    An exact (case-insensitive) name match wins over substring matches.
    """
    try:
        return _resolve(spec, kind, list_devices())
    except AudioDeviceError as first:
        try:
            refresh_devices()
            devs = list_devices()
        except AudioDeviceError:
            raise first from None  # the miss is the news, not a failed re-scan
    return _resolve(spec, kind, devs)


def _resolve(spec: str | int | None, kind: Kind, devs: list[Device]) -> Device:
    usable = [d for d in devs if _channels(d, kind) > 0]
    flag = "--input-device" if kind == "input" else "--output-device"
    if spec is None or (isinstance(spec, str) and spec.strip() == ""):
        for d in usable:
            if d.default_in if kind == "input" else d.default_out:
                return d
        if not usable:
            what = "microphone (input)" if kind == "input" else "speaker (output)"
            raise AudioDeviceError(
                f"no {what} device found: connect one, or check that your sound system "
                "(PulseAudio/PipeWire/ALSA) is running; `voicecoach devices` lists devices"
            )
        return usable[0]
    if isinstance(spec, int) or (isinstance(spec, str) and spec.strip().isdigit()):
        idx = int(spec)
        for d in devs:
            if d.index == idx:
                if _channels(d, kind) == 0:
                    raise AudioDeviceError(
                        f"device [{idx}] {d.name} has no {kind} channels; "
                        f"pick another with {flag} ({_available(devs, kind)})"
                    )
                return d
        raise AudioDeviceError(
            f"no sound device with index {idx}; pick one with {flag} ({_available(devs, kind)})"
        )
    needle = spec.strip().lower()
    exact = [d for d in usable if d.name.lower() == needle]
    if exact:
        return exact[0]
    matches = [d for d in usable if needle in d.name.lower()]
    if not matches:
        raise AudioDeviceError(
            f"no {kind} device matches {spec!r}; pick one with {flag} ({_available(devs, kind)})"
        )
    return matches[0]
