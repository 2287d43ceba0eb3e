"""`voicecoach score-text`: score a typed or saved transcript."""

from __future__ import annotations

import json
import sys

import click

from voicecoach.banks import find_question
from voicecoach.cli.options import (
    bank_option,
    company_option,
    history_option,
    json_option,
    judge_option,
    question_option,
)
from voicecoach.errors import UserError


def read_text_input(source: str | None) -> str:
    """Text from a file, or stdin for '-' or no argument. One-line errors for bad input."""
    if source in (None, "-"):
        if sys.stdin is None or sys.stdin.isatty():
            raise UserError(
                "no answer given: pass a text file, or pipe text in "
                "(echo 'my answer' | voicecoach score-text ...)"
            )
        data = sys.stdin.buffer.read()
        name = "standard input"
    else:
        try:
            with open(source, "rb") as fh:
                data = fh.read()
        except FileNotFoundError:
            raise UserError(f"{source}: no such file") from None
        except IsADirectoryError:
            raise UserError(f"{source}: is a folder; give a text file") from None
        except OSError as e:
            raise UserError(f"{source}: cannot read ({e.strerror})") from None
        name = source
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UserError(
            f"{name} is not UTF-8 text (bad byte 0x{data[e.start]:02x} at offset "
            f"{e.start}); save it as UTF-8 and try again"
        ) from None
    if not text.strip():
        raise UserError(
            f"{name} is empty: there is no answer to score (give the answer's "
            "text in a file or on standard input)"
        )
    return text


@click.command("score-text", short_help="Score a typed or saved answer.")
@click.argument("textfile", required=False)
@bank_option
@question_option
@company_option
@history_option(default=False)
@judge_option
@json_option
def score_text_cmd(
    textfile: str | None,
    bank: str | None,
    question_id: str,
    company: str | None,
    history: bool,
    judge: bool,
    as_json: bool,
) -> None:
    """Score a written or transcribed answer (TEXTFILE, or '-' / nothing for stdin)."""
    from voicecoach.answer import score_text
    from voicecoach.scoring.score import Settings

    _, q = find_question(question_id, bank)
    result = score_text(
        q, read_text_input(textfile), Settings(company=company, judge=judge), history
    )
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    from voicecoach.review.terminal import print_result

    print_result(result)


COMMANDS = [score_text_cmd]
