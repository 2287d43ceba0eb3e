"""``voicecoach report``: a session or batch as one self-contained HTML file (or Markdown).

    from voicecoach.review.report import write_report
    out = write_report("~/.local/share/voicecoach/sessions/2026-11-25T14-03-12-ml-engineer")

Audio is linked relative to the report's folder (the report lives in the session folder by
default, so the links are bare file names) or, with ``embed_audio``, inlined as data URIs.
"""

from __future__ import annotations

import base64
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from voicecoach.errors import UserError
from voicecoach.review.source import Source, load_source
from voicecoach.storage import atomic_write_text, data_dir, ensure_dir, output_target

FORMATS = ("html", "md")
MIME = {
    ".flac": "audio/flac",
    ".wav": "audio/wav",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".m4a": "audio/mp4",
    ".mp4": "audio/mp4",
    ".aac": "audio/aac",
    ".webm": "audio/webm",
}
EMBED_LIMIT = 200 * 1024 * 1024


@dataclass
class ReportOutcome:
    path: Path
    answers: int = 0
    warnings: list[str] = field(default_factory=list)


def audio_url(audio: Path, out_dir: Path) -> str:
    """``audio`` as a URL relative to ``out_dir`` (percent-encoded, forward slashes)."""
    rel = os.path.relpath(audio, out_dir)
    return quote(Path(rel).as_posix(), safe="/")


def data_uri(audio: Path) -> str:
    mime = MIME.get(audio.suffix.lower(), "application/octet-stream")
    return f"data:{mime};base64," + base64.b64encode(audio.read_bytes()).decode("ascii")


# The first bytes of the audio containers a recording can be in (wav, flac, ogg/opus, mp3,
# m4a/mp4, webm/mkv, aiff): anything else is not embedded or linked, whatever its name.
_AUDIO_MAGIC = (
    b"RIFF",
    b"fLaC",
    b"OggS",
    b"ID3",
    b"\xff\xfb",
    b"\xff\xf3",
    b"\xff\xf2",
    b"\x1aE\xdf\xa3",
    b"FORM",
)


def _looks_like_audio(p: Path) -> bool:
    try:
        with open(p, "rb") as fh:
            head = fh.read(12)
    except OSError:
        return False
    return head.startswith(_AUDIO_MAGIC) or head[4:8] == b"ftyp"


def allowed_roots(src: Source) -> list[Path]:
    """Where a report may take audio from: the session folder, or a batch's output folder and
    the folder around it (where its recordings usually are)."""
    folder = src.folder.resolve()
    return [folder] if src.kind == "session" else [folder, folder.parent]


def audio_sources(
    src: Source, out_dir: Path, embed: bool = False
) -> tuple[list[str | None], list[str]]:
    """Each answer's audio as a link relative to ``out_dir`` or (``embed``) a data URI. Only
    audio files (by their first bytes) that resolve, symlinks followed, inside
    :func:`allowed_roots` are used: a session or results file received from someone else
    cannot pull other files of this machine into a report."""
    srcs: list[str | None] = []
    warnings: list[str] = []
    total = 0
    roots = allowed_roots(src)
    for a in src.answers:
        p = a.audio_path
        real = p.resolve() if p is not None else None
        if p is None or real is None or not real.is_file():
            srcs.append(None)
            if p is not None and a.result is not None:
                warnings.append(f"audio not found: {p} (answer {a.n}); shown without audio")
            continue
        if not any(real.is_relative_to(r) for r in roots) or not _looks_like_audio(real):
            srcs.append(None)
            where = "the session folder" if src.kind == "session" else "the batch folder"
            warnings.append(
                f"answer {a.n}: {p} is not an audio file inside {where}; left out of the report"
            )
            continue
        if embed:
            total += real.stat().st_size
            if total > EMBED_LIMIT:
                raise UserError(
                    f"audio too large to embed ({total // 2**20} MB so far); "
                    "drop --embed-audio to link the files instead"
                )
            srcs.append(data_uri(real))
        else:
            srcs.append(audio_url(real, out_dir))
    return srcs, warnings


def default_output(src: Source | None, fmt: str) -> Path:
    name = f"report.{fmt}"
    if src is None:
        return data_dir() / f"history-report.{fmt}"
    return src.folder / name


def _history(path: str | os.PathLike | None) -> dict:
    from voicecoach.history.trends import trends

    return trends(path)


def write_report(
    target: str | os.PathLike | None = None,
    out: str | os.PathLike | None = None,
    fmt: str = "html",
    embed_audio: bool = False,
    history: bool = False,
    sessions: str | os.PathLike | None = None,
    history_only: bool = False,
    db: str | os.PathLike | None = None,
) -> ReportOutcome:
    """Write the report; returns where. ``history`` adds the progress section;
    ``history_only`` writes only that (no session)."""
    if fmt not in FORMATS:
        raise UserError(f"unknown format '{fmt}': use one of {', '.join(FORMATS)}")
    src = None if history_only else load_source(target, sessions)
    to_stdout = out is not None and str(out) == "-"
    path = (
        Path.cwd() / f"report.{fmt}"
        if to_stdout
        else Path(out).expanduser()
        if out
        else default_output(src, fmt)
    )
    if not to_stdout:
        if path.is_dir():
            path = path / default_output(src, fmt).name
        path = output_target(path)
        ensure_dir(path.parent)
    out_dir = path.parent.resolve()
    hist = _history(db) if (history or history_only) else None
    outcome = ReportOutcome(
        path, answers=len(src.answers) if src else 0, warnings=list(src.warnings) if src else []
    )
    if fmt == "md":
        from voicecoach.review.markdown import history_markdown, render_markdown

        text = (
            render_markdown(src, hist)
            if src is not None
            else "\n".join(history_markdown(hist or {"answers": 0})) + "\n"
        )
    else:
        from voicecoach.review.history_html import history_html
        from voicecoach.review.html import page, render_source

        hist_html = history_html(hist) if hist is not None else ""
        if src is None:
            text = page("voicecoach progress", hist_html)
        else:
            srcs, warns = audio_sources(src, out_dir, embed_audio)
            outcome.warnings += warns
            text = render_source(src, srcs, hist_html)
    if to_stdout:
        sys.stdout.write(text)
        sys.stdout.flush()
        outcome.path = Path("-")
        return outcome
    try:
        atomic_write_text(path, text)
    except OSError as e:
        raise UserError(f"cannot write {path}: {e.strerror}; choose another -o path") from None
    return outcome
