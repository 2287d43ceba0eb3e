"""`voicecoach review`: sessions and batch results in the terminal."""

from __future__ import annotations

import io

import pytest
import review_rig
from click.testing import CliRunner
from rich.console import Console

from voicecoach.cli import main
from voicecoach.review.source import load_source
from voicecoach.review.terminal import plain_marked, print_review
from voicecoach.scoring.result import Result

pytest.importorskip("piper")


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("VOICECOACH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path / "home"


@pytest.mark.audio
def test_plain_marks_wrap_exactly_the_json_spans():
    for s in review_rig.scored_answers():
        r = s.result
        out = plain_marked(Result.from_dict(r))
        # removing the marks gives the transcript back
        assert (
            out.replace("!!", "")
            .replace("[", "")
            .replace("]", "")
            .replace("{", "")
            .replace("}", "")
            == r["transcript"]
        )
        for f in r["fillers"]["items"]:
            assert "{" + r["transcript"][f["char_start"] : f["char_end"]] + "}" in out
        for h in r["red_flags"]:
            assert f"!!{h['text']}!!" in out
        opens, closes = _bracket_offsets(out)
        for p in r["coverage"]["points"]:
            if p["evidence"]:  # marks may nest (a phrase inside a judged sentence)
                ev = p["evidence"]
                assert ev["char_start"] in opens and ev["char_end"] in closes, (ev, out)


def _bracket_offsets(out: str) -> tuple[set[int], set[int]]:
    """Transcript offsets where an evidence mark opens ("[") and closes ("]")."""
    opens, closes, i, k = set(), set(), 0, 0
    while i < len(out):
        if out.startswith("!!", i):
            i += 2
            continue
        c = out[i]
        if c == "[":
            opens.add(k)
        elif c == "]":
            closes.add(k)
        elif c not in "{}":
            k += 1
        i += 1
    return opens, closes


@pytest.mark.audio
def test_review_latest_session_piped(home):
    folder = review_rig.make_session(home / "sessions")
    res = CliRunner().invoke(main, ["review"])
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "\x1b[" not in out  # not a terminal: no colour codes
    assert "marks: [key-point evidence]  {filler}  !!red flag!!" in out
    assert folder.name in out
    flat = " ".join(out.replace("│", " ").split())  # undo the panel's line wrapping
    past = review_rig.scored_answers()[0].result
    assert "!!teamwork is overrated!!" in flat and "{Um}" in flat
    assert f"{past['overall']}/100" in flat
    for p in past["coverage"]["points"]:
        if not p["covered"]:  # missed points are listed by label
            assert "✗ " + " ".join(p["label"].split()[:4]) in flat
    assert f"{past['delivery']['wpm']:.0f} wpm" in flat
    assert "red flag 0:0" in flat  # the moment it was said
    assert "(attempt 2)" in flat
    assert "Not scored (partial)" in flat


@pytest.mark.audio
def test_review_on_a_terminal_uses_colour_not_brackets(tmp_path):
    folder = review_rig.make_session(tmp_path, with_partial=False)
    buf = io.StringIO()
    print_review(
        load_source(folder),
        Console(file=buf, force_terminal=True, width=100, color_system="truecolor"),
    )
    out = buf.getvalue()
    assert "\x1b[" in out
    assert "!!" not in out and "{Um}" not in out
    assert "teamwork is overrated" in out


@pytest.mark.audio
def test_review_batch_results_skips_a_broken_line(tmp_path):
    jsonl = review_rig.make_batch(tmp_path / "b", broken_line=True)
    res = CliRunner().invoke(main, ["review", str(jsonl)])
    assert res.exit_code == 0, res.output
    assert res.stderr == "warning: results.jsonl line 2: not valid JSON; skipped\n"
    flat = " ".join(res.stdout.replace("│", " ").split())
    for qid in ("past-project", "cross-validation", "precision-recall-f1", "k-means"):
        assert qid in flat
    assert "answers/gone.wav: no such file" in flat


@pytest.mark.audio
def test_review_by_session_id_and_session_json(home):
    folder = review_rig.make_session(home / "sessions", with_partial=False)
    for arg in (folder.name, str(folder / "session.json")):
        res = CliRunner().invoke(main, ["review", arg])
        assert res.exit_code == 0, res.output
        assert "cross-validation" in res.stdout


@pytest.mark.audio
def test_running_session_with_malformed_answer(tmp_path):
    """A crashed session (status running) whose last answer has a broken result."""
    import json

    folder = review_rig.make_session(tmp_path, status="running", with_partial=False)
    doc = json.loads((folder / "session.json").read_text())
    doc["answers"][-1]["result"] = {"overall": 3}
    (folder / "session.json").write_text(json.dumps(doc))
    res = CliRunner().invoke(main, ["review", str(folder)])
    assert res.exit_code == 0, res.output
    assert "answer 4 has a malformed result" in res.stderr
    assert "status: running" in res.stdout
