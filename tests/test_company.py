"""`--company NAME`: the employer's name joins the not-knowing-the-company red flag, and the
decoding context so that Whisper spells it.

Text rules run on typed sentences; the audio tests use a piper recording of an answer that
names the company, scored by the real model (score, batch) and through the real audio stack
(practice: virtual ALSA microphone, tests/audio_rig.py).
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import audio_rig
import jsonschema
import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from voicecoach.cli import main
from voicecoach.scoring.redflags import NO_COMPANY, company_pattern, find_red_flags
from voicecoach.scoring.textnorm import NormText

VC = [sys.executable, "-m", "voicecoach"]
SCHEMA = json.loads(
    resources.files("voicecoach").joinpath("data", "result.schema.json").read_text()
)
ANSWER = (
    "To be honest, I do not know much about Northwind yet. I applied because the role "
    "looked interesting, and I enjoy building models that people actually use."
)


def flags(text: str, company: str | None) -> list[str]:
    return [h.category for h in find_red_flags(NormText(text), "behavioral", None, company)]


@pytest.mark.parametrize(
    "text",
    [
        "Honestly, I don't know much about Northwind.",
        "What does Northwind do, exactly?",
        "So what is it that Northwind actually sells?",
        "I'm not really familiar with Northwind yet.",
        "I hadn't heard of Northwind before this week.",
        "I didn't get a chance to look into Northwind's products.",
        "I don't know much about North Wind.",  # the recogniser split the name
    ],
)
def test_not_knowing_the_named_company_is_flagged(text: str) -> None:
    assert flags(text, "Northwind") == ["unprepared_company"]
    assert flags(text, None) == []  # without --company the name means nothing


@pytest.mark.parametrize(
    "text",
    [
        "I have followed Northwind's fraud work for two years.",
        "What does Northwind do differently from the big banks?",
        "I don't know much about Northwestern's campus.",
        "I read that Northwind serves small lenders, and I know their churn problem well.",
    ],
)
def test_knowing_the_named_company_is_not_flagged(text: str) -> None:
    assert flags(text, "Northwind") == []


def test_company_pattern_is_literal_and_normalised() -> None:
    assert company_pattern(None) == company_pattern("  ") == NO_COMPANY
    assert re.fullmatch(company_pattern("AT&T"), "at t")
    assert re.fullmatch(company_pattern("C++ Labs (EU)"), NormText("c++ labs eu").norm)
    assert flags("I don't really know much about OpenAI.", "Open AI") == ["unprepared_company"]
    for said in ("Procter & Gamble", "Procter and Gamble"):  # "&" is dropped or said "and"
        for name in ("Procter & Gamble", "Procter and Gamble"):
            assert flags(f"I don't know much about {said}.", name) == ["unprepared_company"]


def test_score_text_company_option_and_env_var() -> None:
    runner = CliRunner()
    args = ["score-text", "-q", "why-company", "--json"]
    text = "I don't know much about Northwind, but I would love to build models here."
    with_opt = json.loads(runner.invoke(main, [*args, "--company", "Northwind"], input=text).output)
    with_env = json.loads(
        runner.invoke(main, args, input=text, env={"VOICECOACH_COMPANY": "Northwind"}).output
    )
    without = json.loads(
        runner.invoke(main, args, input=text, env={"VOICECOACH_COMPANY": None}).output
    )
    for d in (with_opt, with_env):
        jsonschema.validate(d, SCHEMA)
        assert d["company"] == "Northwind"
        (f,) = d["red_flags"]
        assert f["category"] == "unprepared_company"
        assert f["text"] == "I don't know much about Northwind"
    assert "company" not in without and without["red_flags"] == []
    blank = json.loads(runner.invoke(main, [*args, "--company", "  "], input=text).output)
    assert "company" not in blank and blank["red_flags"] == []  # a blank name is no name
    table = runner.invoke(
        main,
        ["score-text", "-q", "why-company", "-c", "Northwind"],
        input=text,
        env={"COLUMNS": "100"},
    ).output
    assert "practising for Northwind" in table and "unprepared company" in table.lower()


def test_reports_say_which_company_was_practised_for(tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(
        main,
        ["score-text", "-q", "why-company", "-c", "Northwind & Co", "--json"],
        input="I don't know much about Northwind and Co.",
    )
    jsonl = tmp_path / "results.jsonl"
    jsonl.write_text(res.output)
    for fmt, name in (("md", "r.md"), ("html", "r.html")):
        r = runner.invoke(main, ["report", str(jsonl), "--format", fmt, "-o", str(tmp_path / name)])
        assert r.exit_code == 0, r.output
    md = (tmp_path / "r.md").read_text()
    assert "(practising for Northwind \\& Co)" in md and "**I don't know much about" in md
    assert "practising for Northwind &amp; Co" in (tmp_path / "r.html").read_text()


@pytest.fixture(scope="module")
def named_answer(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    pytest.importorskip("piper")
    speech = audio_rig.render_piper_16k(ANSWER)
    path = tmp_path_factory.mktemp("company") / "answer.flac"
    sf.write(str(path), speech, audio_rig.RATE)
    return path, speech


@pytest.mark.audio
def test_score_audio_spells_the_company_and_flags_it(named_answer) -> None:
    path, _ = named_answer
    r = CliRunner().invoke(
        main, ["score", str(path), "-q", "why-company", "--company", "Northwind", "--json"]
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert "Northwind" in d["transcript"]  # tiny.en hears "North one" without the name
    (f,) = d["red_flags"]
    assert f["category"] == "unprepared_company" and "Northwind" in f["text"]
    assert 0.5 < f["start"] < 3.0


@pytest.mark.audio
def test_batch_manifest_company_column_overrides_the_option(named_answer, tmp_path: Path) -> None:
    path, _ = named_answer
    m = tmp_path / "answers.csv"
    with m.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["audio", "question", "company"])
        w.writerow([str(path), "why-company", ""])  # takes --company
        w.writerow([str(path), "why-company", "Contoso"])  # its own company
    out = tmp_path / "out"
    r = CliRunner().invoke(
        main,
        [
            "batch",
            "--manifest",
            str(m),
            "--out",
            str(out),
            "--workers",
            "1",
            "--company",
            "Northwind",
        ],
    )
    assert r.exit_code == 0, r.output
    first, second = [json.loads(x) for x in (out / "results.jsonl").read_text().splitlines()]
    assert first["company"] == "Northwind" and second["company"] == "Contoso"
    assert [f["category"] for f in first["red_flags"]] == ["unprepared_company"]
    assert second["red_flags"] == []  # knowing nothing of Northwind is no flag for Contoso
    assert len(list((out / "items").glob("*.json"))) == 2  # the company is part of the key


@pytest.mark.audio
def test_practice_company_reaches_scoring_and_session(
    alsa_rig, named_answer, tmp_path: Path
) -> None:
    _, speech = named_answer
    silence = np.zeros(audio_rig.RATE, np.float32)
    alsa_rig.set_input(np.concatenate([silence, speech, silence, silence, silence]))
    root = tmp_path / "sessions"
    p = subprocess.run(
        [
            *VC,
            "practice",
            "-q",
            "why-company",
            "--yes",
            "--no-speak",
            "-i",
            "vcin",
            "--auto-stop",
            "1.5",
            "--sessions-dir",
            str(root),
            "--company",
            "Northwind",
        ],
        env=alsa_rig.env(),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert p.returncode == 0, p.stderr + p.stdout
    (f,) = list(root.glob("*/session.json"))
    s = json.loads(f.read_text())
    assert s["settings"]["company"] == "Northwind"
    (a,) = s["answers"]
    assert a["result"]["company"] == "Northwind"
    assert [x["category"] for x in a["result"]["red_flags"]] == ["unprepared_company"]
    assert "unprepared company" in p.stdout.lower()
