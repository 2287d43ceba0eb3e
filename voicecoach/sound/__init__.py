"""Sound devices: finding and choosing microphones and speakers, recording an answer, and
playing audio.

Owns device discovery and selection (:mod:`.devices`), the microphone recorder with its level
meter, auto-stop and crash-safe file (:mod:`.recorder`) and playback (:mod:`.playback`).
sounddevice (PortAudio) is imported only when a device is used.

Exports: :func:`list_devices`, :func:`resolve_device`, :class:`Device`,
:class:`AudioDeviceError`, :class:`Recorder`.
"""

from voicecoach.sound.devices import AudioDeviceError, Device, list_devices, resolve_device
from voicecoach.sound.recorder import Recorder

__all__ = ["AudioDeviceError", "Device", "Recorder", "list_devices", "resolve_device"]
