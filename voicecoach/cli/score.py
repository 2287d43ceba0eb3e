"""`voicecoach score-text`: score a typed or saved transcript."""

from __future__ import annotations

import json
import sys

import click

from ..banks import find_question
from ..errors import UserError


def read_text_input(source: str | None) -> str:
    """Text from a file, or stdin for '-' or no argument. One-line errors for bad input."""
    if source in (None, "-"):
        if sys.stdin is None or sys.stdin.isatty():
            raise UserError("no answer given: pass a text file, or pipe text in "
                            "(echo 'my answer' | voicecoach score-text ...)")
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
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise UserError(f"{name} is not UTF-8 text (bad byte 0x{data[e.start]:02x} at offset "
                        f"{e.start}); save it as UTF-8 and try again") from None


company_option = click.option(
    "--company", "-c", default=None, envvar="VOICECOACH_COMPANY", metavar="NAME",
    callback=lambda _ctx, _param, value: (value or "").strip() or None,  # blank: none
    help="The employer you are preparing for (env VOICECOACH_COMPANY): \"I don't know much "
         "about NAME\" is then flagged as not knowing the company.")


@click.command("score-text")
@click.argument("textfile", required=False)
@click.option("--bank", "-b", help="Bank id or path (default: search the bundled banks).")
@click.option("--question", "-q", "question_id", required=True, help="Question id.")
@company_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON result object.")
def score_text(textfile: str | None, bank: str | None, question_id: str, company: str | None,
               as_json: bool) -> None:
    """Score a written or transcribed answer (TEXTFILE, or '-' / nothing for stdin)."""
    from ..scoring import Settings, score_answer

    _, q = find_question(question_id, bank)
    text = read_text_input(textfile)
    result = score_answer(q, text, Settings(company=company)).to_dict()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    from ..render import print_result

    print_result(result)


COMMANDS = [score_text]
