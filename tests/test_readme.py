"""Every `voicecoach ...` example in the README uses a real command and real options
(checked against the commands' own --help, as sqlite-utils does)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicecoach.cli import main

README = Path(__file__).resolve().parent.parent / "README.md"


def _examples() -> list[str]:
    """Lines of the README's shell code blocks (``` or ```sh fences) that run voicecoach."""
    out, lang = [], None
    for raw in README.read_text().splitlines():
        fence = raw.strip()
        if fence.startswith("```"):
            lang = None if lang is not None else (fence[3:] or "sh")
            continue
        if lang not in ("sh", "bash"):
            continue
        line = raw.split("#")[0].strip()
        m = re.search(r"(?:^|\s|/)voicecoach\s+(.*?)(?:\s*\|.*)?$", line)
        if m and not line.startswith(("make", "pip")):
            out.append(m.group(1))
    return out


EXAMPLES = _examples()


def test_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 15


@pytest.mark.parametrize("example", EXAMPLES)
def test_example_matches_help(example: str) -> None:
    args = shlex.split(example)
    cmd, path = main, []
    for a in args:
        if a.startswith("-"):
            break
        sub = getattr(cmd, "commands", {}).get(a)
        if sub is None:
            break
        cmd, path = sub, [*path, a]
    assert path, f"README example uses no known command: voicecoach {example}"
    r = CliRunner().invoke(main, [*path, "--help"])
    assert r.exit_code == 0, r.output
    for opt in (a.split("=")[0] for a in args if a.startswith("-")):
        assert opt in r.output, f"'{opt}' is not an option of 'voicecoach {' '.join(path)}'"
