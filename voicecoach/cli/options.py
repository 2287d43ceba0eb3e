"""Options shared by several commands, defined once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

BANK_HELP = (
    "Bank id or path (default: every bundled bank; practice without --question "
    "asks from ml-engineer)."
)

bank_option = click.option("--bank", "-b", default=None, help=BANK_HELP)
question_option = click.option(
    "--question",
    "-q",
    "question_id",
    required=True,
    help="Question id (see 'voicecoach questions list').",
)
model_option = click.option(
    "--model",
    "-m",
    default=None,
    envvar="VOICECOACH_MODEL",
    help="Whisper model: a local CTranslate2 folder or a size name (tiny.en, base.en, small, "
    "...). Default: the bundled tiny.en (env VOICECOACH_MODEL).",
)
download_option = click.option(
    "--allow-download",
    is_flag=True,
    envvar="VOICECOACH_ALLOW_DOWNLOAD",
    help="Allow fetching a model by size name from the model hub once (the only network use).",
)
company_option = click.option(
    "--company",
    "-c",
    default=None,
    envvar="VOICECOACH_COMPANY",
    metavar="NAME",
    callback=lambda _ctx, _param, value: (value or "").strip() or None,  # blank: none
    help="The employer you are preparing for (env VOICECOACH_COMPANY): \"I don't know much "
    'about NAME" is then flagged as not knowing the company.',
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON result object.")
sessions_option = click.option(
    "--sessions-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Sessions folder (default: the user data dir's sessions/; env VOICECOACH_HOME).",
)


judge_option = click.option(
    "--judge/--no-judge",
    "judge",
    default=True,
    show_default=True,
    help="Let the learned judge decide key points and red flags with the phrase rules "
    "(--no-judge: the rules alone, as a bank's phrases say).",
)


def history_option(default: bool) -> Callable[[F], F]:
    """--history/--no-history: add the scored answers to the progress history."""
    return click.option(
        "--history/--no-history",
        "history",
        default=default,
        show_default=True,
        help="Add the scored answer(s) to your progress history (`voicecoach history`).",
    )
