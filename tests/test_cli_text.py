"""`voicecoach questions` and `voicecoach score-text` through click's CliRunner, plus a real
subprocess check that the text commands never import the speech stack."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicecoach.cli import main

ANSWER = (
    "Um, high bias means the model is too simple and underfits, while high variance "
    "means it overfits the noise. You balance the two to do well on unseen data."
)


@pytest.fixture
def run():
    runner = CliRunner()

    def _run(*args: str, input: str | bytes | None = None):
        return runner.invoke(main, list(args), input=input, catch_exceptions=False)

    return _run


def test_questions_list_and_show(run) -> None:
    r = run("questions", "list", "--json")
    rows = [json.loads(x) for x in r.output.splitlines()]
    assert r.exit_code == 0 and len(rows) >= 25
    assert {"bias-variance", "questions-for-us"} <= {x["id"] for x in rows}
    r = run("questions", "list", "--kind", "closing", "--json")
    assert all(json.loads(x)["kind"] == "closing" for x in r.output.splitlines())
    r = run("questions", "show", "bias-variance")
    assert r.exit_code == 0 and "bias-variance" in r.output and "model answer" not in r.output
    r = run("questions", "show", "bias-variance", "--answer", "--rubric", "--json")
    d = json.loads(r.output)
    assert d["model_answer"] and d["points"][0]["phrases"]


def test_questions_validate(run, tmp_path: Path) -> None:
    good = Path(__file__).parent.parent / "questions" / "ml-engineer.toml"
    r = run("questions", "validate", str(good))
    assert r.exit_code == 0 and r.output.startswith("ok:")
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'id="x"\ntitle="X"\n[[questions]]\nid="q1"\ntext="Q?"\nkind="oral"\n'
        '[[questions.points]]\nid="p"\nlabel="L"\nphrases=["a b"]\n'
    )
    r = run("questions", "validate", str(bad))
    assert r.exit_code == 2
    assert "bad.toml" in r.output and "q1" in r.output and "kind" in r.output
    assert "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1


def test_score_text_json_from_stdin_and_file(run, tmp_path: Path) -> None:
    r = run("score-text", "-q", "bias-variance", "--json", input=ANSWER)
    assert r.exit_code == 0
    d = json.loads(r.output)
    assert d["question_id"] == "bias-variance" and d["transcript"] == ANSWER
    assert d["fillers"]["count"] == 1 and d["fillers"]["items"][0]["text"] == "um"
    f = tmp_path / "a.txt"
    f.write_text(ANSWER)
    r2 = run("score-text", "--bank", "ml-engineer", "--question", "bias-variance", "--json", str(f))
    assert json.loads(r2.output) == d


def test_score_text_human_output(run) -> None:
    r = run("score-text", "-q", "bias-variance", input=ANSWER)
    assert r.exit_code == 0 and "/100" in r.output and "Key points" in r.output


@pytest.mark.parametrize(
    "args,input,needle",
    [
        (["-q", "no-such-question"], "hi", "no question 'no-such-question'"),
        (["-q", "bias-variance", "--bank", "nope"], "hi", "no bundled bank"),
        (["-q", "bias-variance", "/no/such/file.txt"], None, "no such file"),
        (["-q", "bias-variance", "-"], b"caf\xe9 \xff\xfe", "not UTF-8"),
    ],
)
def test_score_text_bad_input_is_one_line(run, args, input, needle) -> None:
    r = run("score-text", *args, input=input)
    assert r.exit_code == 2
    assert needle in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_score_text_empty_answer_is_one_line_exit_2(run) -> None:
    """Issue 12: empty input used to exit 0 with a "check the microphone" tip. (An empty
    transcript of a silent recording still scores 0: tests/test_batch.py.)"""
    r = run("score-text", "-q", "bias-variance", "--json", input="   \n")
    assert r.exit_code == 2 and "standard input is empty" in r.output
    assert len(r.output.strip().splitlines()) == 1 and "microphone" not in r.output


@pytest.mark.parametrize(("flag", "allowed"), [("--no-judge", ""), ("--judge", "ctranslate2")])
def test_text_commands_do_not_import_speech_libraries(flag: str, allowed: str) -> None:
    """score-text never loads speech libraries; with the judge it loads CTranslate2 (the
    judge's encoder) and nothing else heavy."""
    code = (
        "import sys\n"
        "from voicecoach.cli import main\n"  # main, not run(): run() skips finalisation
        f"main(['score-text','-q','bias-variance','--json','{flag}'], standalone_mode=False)\n"
        "heavy=[m for m in ('faster_whisper','ctranslate2','sounddevice','pyttsx3','piper',"
        "'onnxruntime','av','torch','transformers') if m in sys.modules]\n"
        "sys.stderr.write('HEAVY=' + ','.join(heavy))\n"
    )
    p = subprocess.run(
        [sys.executable, "-c", code], input=ANSWER, capture_output=True, text=True, timeout=60
    )
    assert json.loads(p.stdout)["question_id"] == "bias-variance"
    assert p.stderr.strip().endswith("HEAVY=" + allowed), p.stderr
