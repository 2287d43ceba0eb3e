"""`voicecoach transcribe` and `voicecoach score`: one audio file at a time."""

from __future__ import annotations

import json

import click

from ..banks import find_question
from .score import company_option

model_option = click.option(
    "--model", "-m", default=None, envvar="VOICECOACH_MODEL",
    help="Whisper model: a local CTranslate2 folder or a size name (tiny.en, base.en, small, "
         "...). Default: the bundled tiny.en.")
download_option = click.option(
    "--allow-download", is_flag=True, envvar="VOICECOACH_ALLOW_DOWNLOAD",
    help="Allow fetching a model by size name from the model hub once (the only network use).")


@click.command("transcribe")
@click.argument("audio", type=click.Path(dir_okay=True, path_type=str))
@model_option
@download_option
@click.option("--context", default=None, help="Question text to help with domain words.")
@click.option("--json", "as_json", is_flag=True, help="Print words with times as JSON.")
def transcribe_cmd(audio: str, model: str | None, allow_download: bool, context: str | None,
                   as_json: bool) -> None:
    """Transcribe AUDIO locally (wav, flac, mp3, ogg/opus, m4a, webm...)."""
    from ..transcribe import get_transcriber

    tr = get_transcriber(model, allow_download=allow_download or None).transcribe(
        audio, context=context)
    if as_json:
        d = tr.to_dict()
        click.echo(json.dumps(d, ensure_ascii=False))
        return
    click.echo(tr.text if tr.text else "(no speech)")


@click.command("score")
@click.argument("audio", type=click.Path(dir_okay=True, path_type=str))
@click.option("--bank", "-b", help="Bank id or path (default: search the bundled banks).")
@click.option("--question", "-q", "question_id", required=True, help="Question id.")
@model_option
@download_option
@company_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON result object.")
def score_cmd(audio: str, bank: str | None, question_id: str, model: str | None,
              allow_download: bool, company: str | None, as_json: bool) -> None:
    """Transcribe and score a recorded answer AUDIO to a question."""
    from ..pipeline import score_audio
    from ..scoring import Settings

    _, q = find_question(question_id, bank)
    d = score_audio(q, audio, model=model, allow_download=allow_download or None,
                    settings=Settings(company=company))
    d["audio"] = audio
    from ..history import record_answer_quietly, score_key, utc_iso

    now = utc_iso(None)
    record_answer_quietly(d, "score", score_key(audio, now), now, audio_path=audio)
    if as_json:
        click.echo(json.dumps(d, ensure_ascii=False))
        return
    from ..render import print_result

    print_result(d)


COMMANDS = [transcribe_cmd, score_cmd]
