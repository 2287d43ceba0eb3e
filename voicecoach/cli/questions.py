"""`voicecoach questions list|show|validate`."""

from __future__ import annotations

import json
import sys

import click

from voicecoach.banks import KINDS, BankError, all_banks, find_question, load_bank
from voicecoach.cli.options import bank_option


@click.group("questions")
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
    table = Table("bank", "id", "kind", "question", box=None)
    for b, q in rows:
        table.add_row(b.id, q.id, q.kind, q.text)
    Console().print(table)


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
    click.echo(f"{q.text}\n  id: {q.id}   bank: {b.id}   kind: {q.kind}")
    if q.hint:
        click.echo(f"  hint: {q.hint}")
    if rubric:
        click.echo("  key points:")
        for p in q.points:
            click.echo(f"    - {p.id}: {p.label}")
            click.echo(f"        phrases: {', '.join(p.phrases)}")
    if answer and q.model_answer:
        click.echo(f"  model answer: {q.model_answer}")


@questions.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=str))
def validate_cmd(files: tuple[str, ...]) -> None:
    """Check bank files; print one line per problem. Exit 2 if any is broken."""
    bad = 0
    for f in files:
        try:
            b = load_bank(f)
        except BankError as e:
            click.echo(f"Error: {e}", err=True)
            bad += 1
            continue
        click.echo(
            f"ok: {f}: bank '{b.id}', {len(b.questions)} questions, "
            f"{sum(len(q.points) for q in b.questions)} key points"
        )
    if bad:
        sys.exit(2)


COMMANDS = [questions]
