"""Issue 12, no audio needed: shared files cannot leak local files, terminal text is data,
outputs go where they should, messages say what is wrong, reports show what practice shows."""

from __future__ import annotations

import base64
import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from voicecoach.cli import main
from voicecoach.scoring.score import Settings, score_answer

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "audio"
NASTY = "\x1b[2J\x1b]0;pwned\x07what does a[i] return \x1b[31mred\x1b[0m?"


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("VOICECOACH_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, list(args), input=input)


def typed(
    text: str = "Precision is the share of predicted positives that are right.",
    qid: str = "precision-recall-f1",
) -> dict:
    from voicecoach.banks import find_question

    return score_answer(find_question(qid)[1], text, Settings(judge=False)).to_dict()


def session_with(folder: Path, audio: str, result: dict) -> Path:
    folder.mkdir(parents=True)
    (folder / "session.json").write_text(
        json.dumps(
            {
                "schema": "voicecoach.practice.session/1",
                "id": folder.name,
                "status": "finished",
                "started_at": "2026-11-30T10:00:00+00:00",
                "bank": "ml-engineer",
                "answers": [
                    {
                        "n": 1,
                        "question_id": result["question_id"],
                        "attempt": 1,
                        "audio": audio,
                        "status": "scored",
                        "result": result,
                    }
                ],
            }
        )
    )
    return folder


# ---------------------------------------------------------------- security


@pytest.mark.parametrize(
    "audio", ["../../../../../../../../etc/passwd", "/etc/passwd", "link.flac"]
)
def test_report_never_embeds_files_from_outside_the_session(tmp_path, audio):
    folder = session_with(tmp_path / "s", audio, typed())
    if audio == "link.flac":
        os.symlink("/etc/passwd", folder / "link.flac")
    out = tmp_path / "r.html"
    r = run("report", str(folder), "--embed-audio", "-o", str(out))
    assert r.exit_code == 0, r.output
    html = out.read_text()
    secret = base64.b64encode(Path("/etc/passwd").read_bytes()[:30]).decode()[:20]
    assert secret not in html and "data:audio" not in html
    assert "left out of the report" in r.stderr and r.stderr.count("\n") == 1


def test_report_of_results_jsonl_pointing_at_etc_passwd(tmp_path):
    out = tmp_path / "batch"
    out.mkdir()
    row = dict(typed(), audio="x.wav", audio_path="/etc/passwd", error=None)
    (out / "results.jsonl").write_text(json.dumps(row) + "\n")
    r = run("report", str(out / "results.jsonl"), "--embed-audio", "-o", str(tmp_path / "r.html"))
    assert r.exit_code == 0
    assert "root:" not in (tmp_path / "r.html").read_text()
    assert base64.b64encode(b"root:").decode()[:6] not in (tmp_path / "r.html").read_text()


def nasty_bank(tmp_path: Path) -> Path:
    p = tmp_path / "nasty.toml"
    p.write_text(f"""id = "nasty"
title = "Nasty"
[[questions]]
id = "q1"
text = {json.dumps(NASTY)}
hint = {json.dumps(NASTY)}
[[questions.points]]
id = "p1"
label = {json.dumps("Indexing: a[i] returns the element " + NASTY)}
phrases = ["element"]
""")
    return p


def test_terminal_control_characters_never_reach_the_terminal(tmp_path):
    bank = nasty_bank(tmp_path)
    outputs = [
        run("questions", "list", "--bank", str(bank)).output,
        run("questions", "show", "q1", "--bank", str(bank), "--rubric").output,
        run("score-text", "-q", "q1", "--bank", str(bank), input="It returns the element.").output,
    ]
    for out in outputs:
        assert "\x1b" not in out and "\x07" not in out, repr(out)
        assert "a[i]" in out, out  # square brackets are text, not rich markup


def test_output_that_is_not_a_regular_file_is_refused(tmp_path):
    folder = session_with(tmp_path / "s", "none.flac", typed())
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    r = run("report", str(folder), "-o", str(fifo))
    assert r.exit_code == 2 and "named pipe" in r.output and len(r.output.splitlines()) == 1
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    if os.geteuid() == 0:  # a device node, as /dev/null is (only root can make one)
        dev = tmp_path / "null"
        os.mknod(dev, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        r = run("report", str(folder), "-o", str(dev))
        assert r.exit_code == 2 and "device" in r.output
        assert stat.S_ISCHR(dev.stat().st_mode)


def test_output_through_a_symlink_and_to_standard_output(tmp_path):
    folder = session_with(tmp_path / "s", "none.flac", typed())
    target = tmp_path / "real.html"
    target.write_text("old")
    link = tmp_path / "link.html"
    link.symlink_to(target)
    r = run("report", str(folder), "-o", str(link))
    assert r.exit_code == 0 and link.is_symlink() and "<!doctype html>" in target.read_text()
    r = run("report", str(folder), "--format", "md", "-o", "-")
    assert r.exit_code == 0 and r.stdout.startswith("# Session") and not Path("-").exists()


def test_new_files_follow_the_umask(tmp_path):
    from voicecoach.storage import atomic_write_text

    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "a.txt", "x")
        os.umask(0o027)
        atomic_write_text(tmp_path / "b.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "b.txt").stat().st_mode) == 0o640


# ---------------------------------------------------------------- messages


def test_score_on_a_fifo_and_a_symlink_loop_say_what_they_are(tmp_path):
    fifo = tmp_path / "a.wav"
    os.mkfifo(fifo)
    loop = tmp_path / "b.wav"
    os.symlink(loop, loop)
    r = run("score", str(fifo), "-q", "bias-variance")
    assert r.exit_code == 2 and "named pipe (FIFO)" in r.output
    r = run("score", str(loop), "-q", "bias-variance")
    assert r.exit_code == 2 and "symlink loop" in r.output


def test_a_misspelt_question_id_suggests_the_closest_across_banks():
    r = run("score-text", "-q", "bias-varience", input="hi")
    assert r.exit_code == 2 and "did you mean 'bias-variance'" in r.output
    r = run("score-text", "-q", "tell-me-about-yourselv", input="hi")
    assert "did you mean 'tell-me-about-yourself'" in r.output


def test_validate_lists_every_problem(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'id = "x"\ntitle = "X"\n[[questions]]\nid = "a"\ntext = "Q?"\n'
        'kind = "trivia"\n[[questions.points]]\nid = "p"\nlabel = "L"\n'
        '[[questions]]\nid = "b"\ntext = "Q2?"\n[[questions.points]]\nid = "p1"\n'
        'label = ""\n[[questions.points]]\nid = "p2"\nlabel = "ok"\nweight = -1\n'
    )
    r = run("questions", "validate", str(bad))
    lines = r.stderr.strip().splitlines()
    assert r.exit_code == 2 and len(lines) == 3, r.stderr
    assert "kind" in lines[0] and "label" in lines[1] and "weight" in lines[2]


def test_a_manifest_row_with_an_empty_question_says_so(tmp_path):
    from voicecoach.banks import load_bank
    from voicecoach.batch.inputs import BatchInput
    from voicecoach.batch.run import score_one

    row = score_one(BatchInput("a.wav", FIX / "speech.wav", ""), load_bank("ml-engineer"))
    assert "question column is empty" in row.error and "''" not in row.error  # type: ignore[union-attr]


def test_top_level_help_shows_whole_descriptions():
    out = run("--help").output
    commands = out.split("Commands:")[1].strip().splitlines()
    assert len(commands) >= 9 and not any(line.rstrip().endswith("...") for line in commands)


def test_questions_list_at_40_columns_keeps_ids_whole():
    from voicecoach.banks import all_banks

    env = dict(os.environ, COLUMNS="40")
    p = subprocess.run(
        [sys.executable, "-m", "voicecoach", "questions", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert p.returncode == 0
    for b in all_banks():
        for q in b.questions:
            assert re.search(rf"(?<![\w-]){re.escape(q.id)}(?![\w-])", p.stdout), q.id


def test_questions_list_on_a_wide_terminal_shows_kind_and_question():
    env = dict(os.environ, COLUMNS="160")
    p = subprocess.run(
        [sys.executable, "-m", "voicecoach", "questions", "list", "--bank", "ml-engineer"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert p.returncode == 0
    header = p.stdout.splitlines()[0].split()
    assert header == ["bank", "id", "kind", "question"]
    assert "bias-variance" in p.stdout and "technical" in p.stdout


def test_locked_by_another_program_says_the_database_is_locked(home):
    from voicecoach.history.db import HistoryLocked, db_path
    from voicecoach.history.record import record_answer

    record_answer(typed(), "score", "a", "2026-11-01")
    other = sqlite3.connect(str(db_path()), isolation_level=None, timeout=0.1)
    other.execute("BEGIN EXCLUSIVE")
    try:
        import voicecoach.history.db as db

        old, db.BUSY_TIMEOUT_S = db.BUSY_TIMEOUT_S, 0.2
        with pytest.raises(HistoryLocked) as e:
            record_answer(typed(), "score", "b", "2026-11-01")
        db.BUSY_TIMEOUT_S = old
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert "is locked" in str(e.value) and "another program" in str(e.value)


# ---------------------------------------------------------------- where people look


def test_piped_score_text_marks_evidence_fillers_and_flags_in_plain_text():
    r = run(
        "score-text",
        "-q",
        "bias-variance",
        input=(
            "Um, high bias means the model is too simple and it underfits. "
            "I guarantee a hundred percent accuracy."
        ),
    )
    out = " ".join(r.output.replace("│", " ").split())
    assert "{Um}" in out and "!!I guarantee" in out and "[" in out
    assert "marks: [key-point evidence]" in out


def test_reports_show_hint_model_answer_and_the_same_key_point_share(tmp_path):
    from voicecoach.banks import find_question

    q = find_question("precision-recall-f1")[1]
    result = typed()
    folder = session_with(tmp_path / "s", "none.flac", result)
    shown = "1/5 (20% by weight)"
    assert run("report", str(folder), "-o", str(tmp_path / "r.html")).exit_code == 0
    html = (tmp_path / "r.html").read_text()
    assert "Hint:" in html and "Model answer" in html and shown in html
    from html import escape

    assert escape(q.hint) in html
    assert run("report", str(folder), "--format", "md", "-o", str(tmp_path / "r.md")).exit_code == 0
    md = (tmp_path / "r.md").read_text()
    assert "**Hint:**" in md and "**Model answer:**" in md and shown in md
    r = run("review", str(folder))
    assert shown in r.output


def test_charts_have_titles_a_legend_and_readable_single_weeks():
    from voicecoach.review.svg import line_chart

    svg = line_chart(
        [("2026-W48", 2.5)],
        "fillers per 100 words per week",
        "per 100 words",
        ref=1.3,
        ref_label="1.3 per 100 w: no cost below",
    )
    assert 'class="title"' in svg and "fillers per 100 words per week</text>" in svg
    assert "no cost below</text>" in svg and 'class="value"' in svg and 'r="6"' in svg


def test_session_format_doc_matches_what_is_written():
    from voicecoach.practice.session import SCHEMA, Session

    doc = (ROOT / "docs" / "session-format.md").read_text()
    assert SCHEMA in doc
    s = Session(
        Path("/x"), {"answers": [{"question_id": "bias-variance"}, {"question_id": "k-means"}]}
    )
    assert s.audio_name("k-means")[0] in doc  # 03-k-means-2.flac
    for reason in ("stop", "silence", "max_seconds", "skip", "quit", "interrupt"):
        assert re.search(rf"\b{reason}\b", doc.split('"stop_reason"')[1][:400]), reason


def test_the_makefile_python_probe_is_quiet_with_broken_shims(tmp_path):
    """A pyenv shim for a Python that is not installed prints "command not found"; the probe
    must skip it silently and pick the next interpreter."""
    shims = tmp_path / "shims"
    shims.mkdir()
    for name in ("python3.13", "python3.12"):
        shim = shims / name
        shim.write_text(f"#!/bin/sh\necho 'pyenv: {name}: command not found' >&2\nexit 127\n")
        shim.chmod(0o755)
    env = {**os.environ, "PATH": f"{shims}:{os.environ['PATH']}"}
    env.pop("PYTHON", None)
    r = subprocess.run(
        ["make", "-s", "-C", str(ROOT), "--eval", "probe: ; @echo $(PYTHON)", "probe"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr == "", r.stderr
    assert re.fullmatch(r"python3(\.1[1-9])?\n", r.stdout), r.stdout
