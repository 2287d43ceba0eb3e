"""`voicecoach questions list|show|validate`."""

from __future__ import annotations

import json
import sys

import click

from voicecoach.banks import KINDS, all_banks, find_question, load_bank, validate_bank
from voicecoach.cli.options import bank_option
from voicecoach.display import clean

# narrowest bank and question columns worth showing on a narrow terminal
_BANK_MIN, _TEXT_MIN = 9, 12


@click.group("questions", short_help="List, show and validate question banks.")
def questions() -> None:
    """Browse and check question banks (TOML files; see questions/README.md)."""


@questions.command("list")
@bank_option
@click.option("--kind", type=click.Choice(KINDS), help="Only questions of this kind.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines: one per question.")
def list_cmd(bank: str | None, kind: str | None, as_json: bool) -> None:
    """List questions with their ids."""
    from rich.console import Console
    from rich.table import Table

    banks = [load_bank(bank)] if bank else all_banks()
    rows = [(b, q) for b in banks for q in b.questions if kind is None or q.kind == kind]
    if as_json:
        for b, q in rows:
            click.echo(
                json.dumps(
                    {
                        "bank": b.id,
                        "id": q.id,
                        "kind": q.kind,
                        "text": q.text,
                        "points": len(q.points),
                    }
                )
            )
        return
    from rich.text import Text

    console = Console()
    table = Table(box=None)
    longest = max((len(q.id) for _, q in rows), default=2)
    # ids are copied, so they are never cut: on a narrow terminal the question text, then
    # the kind, are left out, and the bank column takes what is left (each column pads by 2)
    kind_width = max((len(q.kind) for _, q in rows), default=4) + 2
    room = console.width - (longest + 2) - 2
    show_kind = room - kind_width >= _BANK_MIN
    show_text = show_kind and room - kind_width - _TEXT_MIN >= _BANK_MIN
    room -= (kind_width if show_kind else 0) + (_TEXT_MIN if show_text else 0)
    table.add_column("bank", no_wrap=True, max_width=max(3, room))
    table.add_column("id", no_wrap=True, min_width=longest)
    if show_kind:
        table.add_column("kind", no_wrap=True)
    if show_text:
        table.add_column("question", ratio=1)
    for b, q in rows:
        cells = [Text(clean(b.id)), Text(clean(q.id))]
        cells += [Text(q.kind)] if show_kind else []
        cells += [Text(clean(q.text))] if show_text else []
        table.add_row(*cells)
    console.print(table)


@questions.command("show")
@click.argument("question_id")
@bank_option
@click.option("--rubric", is_flag=True, help="Also show the key points and their phrases.")
@click.option("--answer", is_flag=True, help="Also show the model answer (best after a try).")
@click.option("--json", "as_json", is_flag=True, help="Print the question as JSON.")
def show_cmd(question_id: str, bank: str | None, rubric: bool, answer: bool, as_json: bool) -> None:
    """Show one question: text, kind and hint; the rubric and model answer on request."""
    b, q = find_question(question_id, bank)
    if as_json:
        d: dict[str, object] = {
            "bank": b.id,
            "id": q.id,
            "kind": q.kind,
            "text": q.text,
            "hint": q.hint,
            "topic": q.topic,
            "watch": list(q.watch),
        }
        if rubric:
            d["points"] = [
                {"id": p.id, "label": p.label, "phrases": list(p.phrases), "weight": p.weight}
                for p in q.points
            ]
        if answer:
            d["model_answer"] = q.model_answer
        click.echo(json.dumps(d, indent=2))
        return
    click.echo(clean(f"{q.text}\n  id: {q.id}   bank: {b.id}   kind: {q.kind}"))
    if q.hint:
        click.echo(clean(f"  hint: {q.hint}"))
    if rubric:
        click.echo("  key points:")
        for p in q.points:
            click.echo(clean(f"    - {p.id}: {p.label}"))
            if p.phrases:
                click.echo(clean(f"        phrases: {', '.join(p.phrases)}"))
    if answer and q.model_answer:
        click.echo(clean(f"  model answer: {q.model_answer}"))


@questions.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
def validate_cmd(files: tuple[str, ...]) -> None:
    """Check bank files; print one line per problem. Exit 2 if any is broken."""
    bad = 0
    for f in files:
        b, problems = validate_bank(f)
        for e in problems:
            click.echo(f"Error: {clean(str(e))}", err=True)
        if b is None:
            bad += 1
            continue
        label_only = sum(1 for q in b.questions for p in q.points if not p.phrases)
        click.echo(
            f"ok: {f}: bank '{b.id}', {len(b.questions)} questions, "
            f"{sum(len(q.points) for q in b.questions)} key points"
            + (f" ({label_only} judged by label alone)" if label_only else "")
        )
    if bad:
        sys.exit(2)


COMMANDS = [questions]
