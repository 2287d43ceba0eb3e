"""`voicecoach batch`: score a folder or manifest of recorded answers."""

from __future__ import annotations

import sys
from typing import Any

import click

from voicecoach.banks import find_question
from voicecoach.cli.options import (
    bank_option,
    company_option,
    history_option,
    judge_option,
    model_option,
)
from voicecoach.errors import UserError


@click.command("batch", short_help="Score many recordings (a folder or a manifest CSV), resumably.")
@click.argument("paths", nargs=-1, type=click.Path(path_type=str))
@click.option(
    "--manifest",
    type=click.Path(dir_okay=False, path_type=str),
    help="CSV with columns audio,question (paths relative to the CSV).",
)
@click.option("--question", "-q", help="Question id for every file given as PATHS.")
@bank_option
@click.option(
    "--out",
    "-o",
    default=None,
    type=click.Path(file_okay=False, path_type=str),
    help="Folder for results.jsonl, summary.csv and index.html (for one practice session: "
    "default SESSION/scoring).",
)
@model_option
@click.option(
    "--workers",
    "-j",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes (default: 2 on 2+ cores; with --cluster local, its workers).",
)
@click.option(
    "--cluster",
    default=None,
    envvar="VOICECOACH_CLUSTER",
    metavar="ADDRESS",
    help="Score on a Dask cluster: its scheduler (tcp://HOST:8786), a scheduler file, or "
    "'local' for one on this machine (needs pip install 'voicecoach[cluster]'; see "
    "docs/cluster.md).",
)
@click.option(
    "--cluster-audio",
    type=click.Choice(["auto", "paths", "bytes"]),
    default="auto",
    show_default=True,
    help="How audio reaches cluster workers: paths (they share this machine's files), "
    "bytes (sent), or auto (checked on each worker).",
)
@click.option("--force", is_flag=True, help="Rescore inputs that already have results.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@company_option
@history_option(default=True)
@judge_option
def batch_cmd(
    paths: tuple[str, ...],
    manifest: str | None,
    question: str | None,
    bank: str | None,
    out: str | None,
    model: str | None,
    workers: int | None,
    cluster: str | None,
    cluster_audio: str,
    force: bool,
    quiet: bool,
    company: str | None,
    history: bool,
    judge: bool,
) -> None:
    """Score many recordings: PATHS (files or folders) with --question, or --manifest.

    Results are saved as each file finishes; rerun the same command to resume after an
    interruption. Exit code 1 if any input failed (see the error column). A manifest may
    add a 'company' column, which overrides --company for its row. PATHS may instead be
    practice session folders recorded with 'practice --record-only': their answers are
    scored and written back into the sessions."""
    from voicecoach.batch import expand_inputs, read_manifest, run_batch
    from voicecoach.batch.sessions import is_session, score_sessions

    sessions = [p for p in paths if is_session(p)]
    if sessions and (len(sessions) != len(paths) or manifest or question):
        raise UserError(
            "give practice session folders on their own (their answers name their questions), "
            "not with --manifest, --question or other audio"
        )
    if not sessions and not out:
        raise UserError("give --out FOLDER: where results.jsonl, summary.csv and index.html go")
    if manifest and paths:
        raise UserError("give either --manifest or PATHS, not both")
    if manifest:
        inputs = read_manifest(manifest)
    elif sessions:
        inputs = []
    elif paths:
        if not question:
            raise UserError("PATHS need --question ID (or use --manifest with a question column)")
        find_question(question, bank)  # an unknown id fails here, before any work
        inputs = expand_inputs(list(paths), question)
    else:
        raise UserError(
            "nothing to score: give audio files/folders with --question, or --manifest FILE.csv"
        )
    show = not quiet and sys.stderr.isatty()
    progress_cb, stop = _progress(len(inputs) or None) if show else (None, lambda: None)
    run: dict[str, Any] = {
        "model": model,
        "workers": workers,
        "force": force,
        "on_progress": progress_cb,
        "company": company,
        "judge": judge,
        "cluster": cluster,
        "cluster_audio": cluster_audio,
    }
    try:
        if sessions:
            s = score_sessions(list(sessions), out, history=history, **run)
        else:
            s = run_batch(inputs, bank, out or "", history=history, **run)
    except KeyboardInterrupt as e:
        stop()
        how = str(e.args[0]) if e.args else "SIGINT"
        click.echo(
            f"Stopped ({'Ctrl-C' if how == 'SIGINT' else how}). Finished results are saved "
            f"in {out or sessions[0]}; run the same command again to resume.",
            err=True,
        )
        sys.exit(_EXIT.get(how, 130))
    stop()
    rate = f", {s.audio_s / s.wall_s:.1f}x real time" if s.wall_s and s.audio_s else ""
    where = f" on {s.where}" if cluster else ""
    click.echo(
        f"{s.done} scored, {s.skipped} already done, {s.failed} failed "
        f"({s.audio_s / 60:.1f} min of audio in {s.wall_s:.1f} s{rate}{where}). "
        f"Results: {s.out}/results.jsonl, summary.csv, index.html",
        err=True,
    )
    for err in s.errors[:20]:
        click.echo(f"  failed: {err}", err=True)
    if s.failed:
        sys.exit(1)


_EXIT = {"SIGINT": 130, "SIGTERM": 143, "SIGHUP": 129}


def _progress(total: int | None):
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    prog = Progress(
        TextColumn("scoring"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[hours]:.2f} h audio"),
        TextColumn("{task.fields[workers]}"),
        TimeRemainingColumn(),
        transient=False,
    )
    task = prog.add_task("batch", total=total, hours=0.0, workers="")
    prog.start()

    def cb(summary, _row) -> None:
        prog.update(
            task,
            total=summary.total,
            completed=summary.done + summary.failed + summary.skipped,
            hours=summary.audio_s / 3600,
            workers=f"{summary.workers} worker(s) on {summary.where}",
        )

    return cb, prog.stop


COMMANDS = [batch_cmd]
