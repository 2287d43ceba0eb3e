"""`voicecoach practice` and `voicecoach devices`."""

from __future__ import annotations

import sys

import click

from voicecoach.banks import KINDS, find_question, load_bank
from voicecoach.cli.options import (
    bank_option,
    company_option,
    history_option,
    judge_option,
    model_option,
    sessions_option,
)

DEFAULT_BANK = "ml-engineer"


@click.command(
    "practice", short_help="Spoken rehearsal: hear a question, answer aloud, get feedback."
)
@bank_option
@click.option(
    "--question",
    "-q",
    "question_ids",
    multiple=True,
    help="Question id to practise (repeat for several).",
)
@click.option(
    "--count",
    "-n",
    type=click.IntRange(1, 500),
    default=None,
    help="How many questions (default: 5, or all given with --question).",
)
@click.option("--shuffle", is_flag=True, help="Random order.")
@click.option("--seed", type=int, default=None, help="Seed for --shuffle (repeatable order).")
@click.option("--kind", type=click.Choice(KINDS), help="Only questions of this kind.")
@click.option(
    "--auto-stop",
    "auto_stop",
    type=click.FloatRange(0.5, 60),
    default=3.0,
    show_default=True,
    help="End the answer after this many seconds of silence.",
)
@click.option("--no-auto-stop", is_flag=True, help="Only Enter or --max-seconds end it.")
@click.option(
    "--max-seconds",
    type=click.FloatRange(5, 3600),
    default=180,
    show_default=True,
    help="Longest answer.",
)
@click.option("--input-device", "-i", default=None, help="Microphone: index or name.")
@click.option("--output-device", "-o", default=None, help="Speaker: index or name.")
@click.option(
    "--voice",
    default=None,
    help="'piper' for the neural voice (if installed) or a piper .onnx path; "
    "default espeak-ng through pyttsx3.",
)
@click.option("--no-speak", is_flag=True, help="Print questions instead of reading them.")
@click.option("--speak-feedback", is_flag=True, help="Read a short summary aloud.")
@click.option(
    "--yes",
    "-y",
    is_flag=True,
    help="Non-interactive: no key prompts (also when stdin is not a terminal).",
)
@sessions_option
@model_option
@company_option
@history_option(default=True)
@judge_option
@click.option(
    "--record-only",
    is_flag=True,
    help="Record the answers without transcribing or scoring them (for a slow machine); "
    "score the session later with 'voicecoach batch SESSION_FOLDER'.",
)
@click.option(
    "--no-check",
    is_flag=True,
    help="Keep the live transcript's score: do not decode each recording whole again "
    "after its feedback (the check that the next question waits for).",
)
def practice_cmd(
    bank: str | None,
    question_ids: tuple[str, ...],
    count: int | None,
    shuffle: bool,
    seed: int | None,
    kind: str | None,
    auto_stop: float,
    no_auto_stop: bool,
    max_seconds: float,
    input_device: str | None,
    output_device: str | None,
    voice: str | None,
    no_speak: bool,
    speak_feedback: bool,
    yes: bool,
    sessions_dir: str | None,
    model: str | None,
    company: str | None,
    history: bool,
    judge: bool,
    record_only: bool,
    no_check: bool,
) -> None:
    """Spoken rehearsal: hear a question, answer out loud, get scored feedback.

    While recording: Enter stops, r redoes, s skips, q quits. After feedback: m shows the
    model answer, a tries again. Ctrl-C keeps everything recorded so far."""
    from voicecoach.practice import Practice, PracticeOptions, pick_questions

    if bank is None and question_ids:
        b, _ = find_question(question_ids[0])  # the bank of the first question
    else:
        b = load_bank(bank or DEFAULT_BANK)
    opts = PracticeOptions(
        question_ids=list(question_ids),
        count=count,
        shuffle=shuffle,
        kind=kind,
        seed=seed,
        auto_stop_s=None if no_auto_stop else auto_stop,
        max_seconds=max_seconds,
        input_device=input_device,
        output_device=output_device,
        voice=voice,
        speak=not no_speak,
        speak_feedback=speak_feedback,
        interactive=not yes and sys.stdin is not None and sys.stdin.isatty(),
        sessions_dir=sessions_dir,
        model=model,
        company=company,
        judge=judge,
        record_only=record_only,
        check=not no_check,
    )
    questions = pick_questions(b, opts)
    Practice(b, opts, history=history).run(questions)


@click.command("devices", short_help="List microphones and speakers.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def devices_cmd(as_json: bool) -> None:
    """List audio input and output devices (use with --input-device/--output-device)."""
    import json
    from dataclasses import asdict

    from voicecoach.sound.devices import list_devices

    devs = list_devices()
    if as_json:
        click.echo(json.dumps([asdict(d) for d in devs], indent=2))
        return
    if not devs:
        click.echo("No audio devices found (is a sound server or card available?).")
        return
    from rich.console import Console
    from rich.table import Table

    t = Table("index", "name", "in", "out", "default", "rate", box=None)
    for d in devs:
        default = ", ".join(x for x, f in (("input", d.default_in), ("output", d.default_out)) if f)
        t.add_row(
            str(d.index), d.name, str(d.inputs), str(d.outputs), default, f"{d.samplerate:.0f}"
        )
    Console().print(t)


COMMANDS = [practice_cmd, devices_cmd]
