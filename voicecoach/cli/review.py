"""`voicecoach review`, `voicecoach report` and `voicecoach history`: look back at scored
answers and see progress over time."""

from __future__ import annotations

import json

import click

from voicecoach.cli.options import sessions_option


def _warn(lines: list[str]) -> None:
    for w in lines:
        click.echo(f"warning: {w}", err=True)


@click.command("review", short_help="Read a session or batch with its marks, in the terminal.")
@click.argument("target", required=False)
@sessions_option
def review_cmd(target: str | None, sessions_dir: str | None) -> None:
    """Read a session's answers with their marks and figures in the terminal.

    TARGET: a session folder or id, or a batch results.jsonl (default: the latest
    session)."""
    from voicecoach.review.source import load_source
    from voicecoach.review.terminal import print_review

    src = load_source(target, sessions_dir)
    _warn(src.warnings)
    print_review(src)


@click.command("report", short_help="Write an HTML or Markdown report of a session or batch.")
@click.argument("target", required=False)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=True),
    help="Where to write (default: report.html in the session/batch folder).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "md"]),
    default="html",
    show_default=True,
    help="html: one self-contained page; md: Markdown for notes.",
)
@click.option(
    "--embed-audio",
    is_flag=True,
    help="Put the audio inside the HTML file (bigger, but can be moved alone).",
)
@click.option(
    "--history",
    "with_history",
    is_flag=True,
    help="Add progress over time; without TARGET, write only the progress report.",
)
@sessions_option
def report_cmd(
    target: str | None,
    output: str | None,
    fmt: str,
    embed_audio: bool,
    with_history: bool,
    sessions_dir: str | None,
) -> None:
    """Write a report of a session or batch: transcripts with marks (click a word to hear
    it), missed points, pace and filler charts, and a summary.

    TARGET: a session folder or id, or a batch results.jsonl (default: the latest
    session)."""
    from voicecoach.review.report import write_report

    out = write_report(
        target,
        output,
        fmt=fmt,
        embed_audio=embed_audio,
        history=with_history,
        sessions=sessions_dir,
        history_only=with_history and target is None,
    )
    _warn(out.warnings)
    if str(out.path) != "-":
        click.echo(str(out.path))


@click.command("history", short_help="Your progress over time: per week and per question.")
@click.option("--question", "-q", "question_id", help="Best vs latest attempt at a question.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option(
    "--rebuild",
    is_flag=True,
    help="Recreate the database from the session folders (and known batches).",
)
@click.option(
    "--import",
    "imports",
    multiple=True,
    type=click.Path(exists=True),
    metavar="PATH",
    help="Add a session folder or batch results.jsonl (repeatable).",
)
@sessions_option
def history_cmd(
    question_id: str | None,
    as_json: bool,
    rebuild: bool,
    imports: tuple[str, ...],
    sessions_dir: str | None,
) -> None:
    """Trends over every scored answer: score, fillers, pace and red flags per week and per
    question (stored in history.sqlite in the user data dir)."""
    from voicecoach.errors import UserError
    from voicecoach.history import db_path, import_path
    from voicecoach.history.rebuild import rebuild as do_rebuild
    from voicecoach.history.trends import question_detail, trends

    if rebuild:
        s = do_rebuild(sessions_dir)
        _warn(s.warnings)
        click.echo(
            f"Rebuilt {db_path()}: {s.answers} answers from {s.sessions} session(s) "
            f"and {s.batches} batch folder(s)"
            + (f", {s.carried_over} carried over from the old database" if s.carried_over else "")
            + ".",
            err=True,
        )
    for p in imports:
        n = import_path(p)
        click.echo(f"Added {n} answer(s) from {p}.", err=True)
    if (rebuild or imports) and not (question_id or as_json):
        return
    if question_id:
        d = question_detail(question_id)
        if d is None:
            raise UserError(
                f"no answers to '{question_id}' in the history; see "
                "`voicecoach history` for the questions you have answered"
            )
        if as_json:
            click.echo(json.dumps(d, ensure_ascii=False, indent=2))
        else:
            from voicecoach.history.view import print_question

            print_question(d)
        return
    t = trends()
    if as_json:
        click.echo(json.dumps(t, ensure_ascii=False, indent=2))
        return
    from voicecoach.history.view import print_trends

    print_trends(t)


COMMANDS = [review_cmd, report_cmd, history_cmd]
