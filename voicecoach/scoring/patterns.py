"""Compiled regular expressions kept on disk between runs.

The red-flag rules are about 100 KB of regular expressions, and Python's ``re`` takes about
0.2 s to parse and compile them at every start of a process: a third of a one-off
``voicecoach score-text``. :func:`compile_cached` keeps the program ``re`` compiles them to
(the SRE code) in the user's cache folder, keyed by the pattern, the flags and the regex
engine's version, and hands it straight to the engine next time (a few milliseconds), as
Python keeps bytecode in ``__pycache__``.

This uses CPython's private ``re._parser``, ``re._compiler`` and ``_sre.compile``. The
engine checks every program it is given, the key includes the engine's version
(``_sre.MAGIC``) and the interpreter's, and anything unexpected (another interpreter, a
changed private API, a damaged or foreign file, no writable cache folder) falls back to
``re.compile``, which is always right. Nothing but compiled patterns is stored.
"""

from __future__ import annotations

import array
import contextlib
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

FORMAT = 1
KEEP = 64  # cache files kept (one per pattern; rules of several versions and companies)
_MARK = b"voicecoach-sre\n"


def cache_folder() -> Path | None:
    """Where compiled patterns are kept (``VOICECOACH_HOME``/cache, else the user's cache
    folder); None when caching is off (``VOICECOACH_NO_PATTERN_CACHE=1``)."""
    if os.environ.get("VOICECOACH_NO_PATTERN_CACHE", "").strip() not in ("", "0"):
        return None
    home = os.environ.get("VOICECOACH_HOME")
    if home:
        return Path(home).expanduser() / "cache" / "patterns"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("voicecoach", appauthor=False)) / "patterns"


def compile_cached(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)``, from the cache when this pattern was compiled before.

    Raises ``re.error`` for a bad pattern, as ``re.compile`` does."""
    folder = cache_folder()
    engine = _engine()
    if folder is None or engine is None:
        return re.compile(pattern, flags)
    path = folder / f"{_key(pattern, flags, engine)}.sre"
    found = _load(path, pattern, engine)
    if found is not None:
        return found
    try:
        compiled, parts = _compile(pattern, flags, engine)
    except re.error:
        raise
    except Exception:  # the private API is not what this module expects
        return re.compile(pattern, flags)
    _save(path, parts)
    return compiled


def _engine() -> Any:
    if sys.implementation.name != "cpython":
        return None
    try:
        import _sre
    except ImportError:
        return None
    return _sre


def _key(pattern: str, flags: int, engine: Any) -> str:
    tag = f"{FORMAT}|{sys.implementation.cache_tag}|{engine.MAGIC}|{engine.CODESIZE}|{flags}|"
    return hashlib.sha256(tag.encode() + pattern.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _compile(pattern: str, flags: int, engine: Any) -> tuple[re.Pattern[str], dict[str, Any]]:
    """What ``re._compiler.compile`` does, keeping the parts it hands to the engine."""
    from re import _compiler, _parser  # type: ignore[attr-defined]

    parsed = _parser.parse(pattern, flags)
    code = _compiler._code(parsed, flags)
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, i in groupindex.items():
        indexgroup[i] = name
    parts = {
        "flags": flags | parsed.state.flags,
        "groups": parsed.state.groups - 1,
        "groupindex": groupindex,
        "indexgroup": indexgroup,
        "n": len(code),
    }
    compiled = engine.compile(
        pattern, parts["flags"], code, parts["groups"], groupindex, tuple(indexgroup)
    )
    parts["code"] = code
    return compiled, parts


def _typecode(engine: Any) -> str:
    return "I" if engine.CODESIZE == 4 else "H"


def _load(path: Path, pattern: str, engine: Any) -> re.Pattern[str] | None:
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    try:
        if not raw.startswith(_MARK):
            return None
        head, _, body = raw[len(_MARK) :].partition(b"\n")
        meta = json.loads(head)
        code = array.array(_typecode(engine))
        code.frombytes(body)
        if len(code) != meta["n"]:
            return None
        return engine.compile(
            pattern,
            int(meta["flags"]),
            code.tolist(),
            int(meta["groups"]),
            {str(k): int(v) for k, v in meta["groupindex"].items()},
            tuple(meta["indexgroup"]),
        )
    except Exception:  # damaged, foreign or stale: compile again and replace it
        return None


def _save(path: Path, parts: dict[str, Any]) -> None:
    from voicecoach.storage import atomic_write_bytes

    code = array.array(_typecode(_engine()), parts.pop("code"))
    head = json.dumps(parts, separators=(",", ":")).encode()
    with contextlib.suppress(OSError, ValueError, OverflowError):  # read-only, full: no cache
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, _MARK + head + b"\n" + code.tobytes())
        _prune(path.parent)


def _prune(folder: Path) -> None:
    files = sorted(folder.glob("*.sre"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP:]:
        with contextlib.suppress(OSError):
            old.unlink()
