"""`voicecoach transcribe` and `voicecoach score`: one audio file at a time."""

from __future__ import annotations

import json

import click

from voicecoach.banks import find_question
from voicecoach.cli.options import (
    bank_option,
    company_option,
    download_option,
    history_option,
    json_option,
    judge_option,
    model_option,
    question_option,
)


@click.command("transcribe", short_help="Transcribe a recording on this machine.")
@click.argument("audio", type=click.Path(dir_okay=True, path_type=str))
@model_option
@download_option
@click.option("--context", default=None, help="Question text to help with domain words.")
@click.option("--json", "as_json", is_flag=True, help="Print words with times as JSON.")
def transcribe_cmd(
    audio: str, model: str | None, allow_download: bool, context: str | None, as_json: bool
) -> None:
    """Transcribe AUDIO locally (wav, flac, mp3, ogg/opus, m4a, webm...)."""
    from voicecoach.asr.transcribe import get_transcriber

    tr = get_transcriber(model, allow_download=allow_download or None).transcribe(
        audio, context=context
    )
    if as_json:
        click.echo(json.dumps(tr.to_dict(), ensure_ascii=False))
        return
    click.echo(tr.text if tr.text else "(no speech)")


@click.command("score", short_help="Transcribe and score a recorded answer.")
@click.argument("audio", type=click.Path(dir_okay=True, path_type=str))
@bank_option
@question_option
@model_option
@download_option
@company_option
@history_option(default=True)
@judge_option
@json_option
def score_cmd(
    audio: str,
    bank: str | None,
    question_id: str,
    model: str | None,
    allow_download: bool,
    company: str | None,
    history: bool,
    judge: bool,
    as_json: bool,
) -> None:
    """Transcribe and score a recorded answer AUDIO to a question."""
    from voicecoach.answer import score_audio
    from voicecoach.scoring.score import Settings

    _, q = find_question(question_id, bank)
    result = score_audio(
        q,
        audio,
        model=model,
        allow_download=allow_download or None,
        settings=Settings(company=company, judge=judge),
        history=history,
    )
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    from voicecoach.review.terminal import print_result

    print_result(result)


COMMANDS = [transcribe_cmd, score_cmd]
