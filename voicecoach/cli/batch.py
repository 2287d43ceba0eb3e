"""`voicecoach batch`: score a folder or manifest of recorded answers."""

from __future__ import annotations

import sys

import click

from voicecoach.cli.options import bank_option, company_option, history_option, model_option
from voicecoach.errors import UserError


@click.command("batch")
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
    required=True,
    type=click.Path(file_okay=False, path_type=str),
    help="Folder for results.jsonl, summary.csv and index.html.",
)
@model_option
@click.option(
    "--workers",
    "-j",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes (default: 2 on 2+ cores).",
)
@click.option("--force", is_flag=True, help="Rescore inputs that already have results.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@company_option
@history_option(default=True)
def batch_cmd(
    paths: tuple[str, ...],
    manifest: str | None,
    question: str | None,
    bank: str | None,
    out: str,
    model: str | None,
    workers: int | None,
    force: bool,
    quiet: bool,
    company: str | None,
    history: bool,
) -> None:
    """Score many recordings: PATHS (files or folders) with --question, or --manifest.

    Results are saved as each file finishes; rerun the same command to resume after an
    interruption. Exit code 1 if any input failed (see the error column). A manifest may
    add a 'company' column, which overrides --company for its row."""
    from voicecoach.batch import expand_inputs, read_manifest, run_batch

    if manifest and paths:
        raise UserError("give either --manifest or PATHS, not both")
    if manifest:
        inputs = read_manifest(manifest)
    elif paths:
        if not question:
            raise UserError("PATHS need --question ID (or use --manifest with a question column)")
        inputs = expand_inputs(list(paths), question)
    else:
        raise UserError(
            "nothing to score: give audio files/folders with --question, or --manifest FILE.csv"
        )
    show = not quiet and sys.stderr.isatty()
    progress_cb, stop = _progress(len(inputs)) if show else (None, lambda: None)
    try:
        s = run_batch(
            inputs,
            bank,
            out,
            model=model,
            workers=workers,
            force=force,
            on_progress=progress_cb,
            company=company,
            history=history,
        )
    except KeyboardInterrupt:
        stop()
        click.echo(
            f"Interrupted. Finished results are saved in {out}; run the same command "
            "again to resume.",
            err=True,
        )
        sys.exit(130)
    stop()
    rate = f", {s.audio_s / s.wall_s:.1f}x real time" if s.wall_s and s.audio_s else ""
    click.echo(
        f"{s.done} scored, {s.skipped} already done, {s.failed} failed "
        f"({s.audio_s / 60:.1f} min of audio in {s.wall_s:.1f} s{rate}). "
        f"Results: {out}/results.jsonl, summary.csv, index.html",
        err=True,
    )
    for e in s.errors[:20]:
        click.echo(f"  failed: {e}", err=True)
    if s.failed:
        sys.exit(1)


def _progress(total: int):
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
        TimeRemainingColumn(),
        transient=False,
    )
    task = prog.add_task("batch", total=total, hours=0.0)
    prog.start()

    def cb(summary, _row) -> None:
        prog.update(
            task,
            completed=summary.done + summary.failed + summary.skipped,
            hours=summary.audio_s / 3600,
        )

    return cb, prog.stop


COMMANDS = [batch_cmd]
