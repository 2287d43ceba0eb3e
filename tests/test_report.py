"""`voicecoach report`: HTML and Markdown from real scored sessions and batch results."""

from __future__ import annotations

import base64
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
import review_rig
from click.testing import CliRunner

from voicecoach.cli import main
from voicecoach.review.html import transcript_html
from voicecoach.review.report import write_report
from voicecoach.scoring.result import Result

pytest.importorskip("piper")


class Marks(HTMLParser):
    """Collects the text inside each <mark data-key> (pieces joined) and the word spans."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []
        self.text: dict[str, str] = {}
        self.words: list[dict] = []
        self.all_text = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "mark":
            self.stack.append(a["data-key"])
            self.text.setdefault(a["data-key"], "")
        elif tag == "span" and "data-start" in a:
            self.words.append(a)
            self.stack.append(None)
        else:
            self.stack.append(None)

    def handle_endtag(self, tag):
        self.stack.pop()

    def handle_data(self, data):
        self.all_text += data
        for k in {k for k in self.stack if k}:
            self.text[k] += data


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("VOICECOACH_HOME", str(tmp_path / "home"))
    (tmp_path / "home" / "sessions").mkdir(parents=True)
    return tmp_path / "home"


@pytest.mark.audio
def test_transcript_marks_match_the_json_spans():
    for s in review_rig.scored_answers():
        r = s.result
        p = Marks()
        p.feed(transcript_html(Result.from_dict(r)))
        assert p.all_text == r["transcript"]
        want = review_rig.marked_spans(r)
        assert set(p.text) == set(want)
        for k, (a, b) in want.items():
            assert p.text[k] == r["transcript"][a:b]
        # one clickable span per word (or more when a mark cuts a word), times from JSON
        starts = {f"{w['start']:.2f}" for w in r["words"]}
        assert {w["data-start"] for w in p.words} == starts


def test_overlapping_marks_are_split_and_still_exact():
    r = review_rig.typed_result()
    ev = next(
        p["evidence"]
        for p in r["coverage"]["points"]
        if p["evidence"] and p["evidence"]["char_start"] >= 6
    )
    # a red flag that starts before the evidence and ends inside it
    a, b = ev["char_start"] - 6, ev["char_start"] + 3
    assert a > 0
    r["red_flags"].append(
        {
            "category": "overstating_skills",
            "text": r["transcript"][a:b],
            "why": "w",
            "instead": "i",
            "start": None,
            "end": None,
            "char_start": a,
            "char_end": b,
        }
    )
    p = Marks()
    p.feed(transcript_html(Result.from_dict(r)))
    assert p.all_text == r["transcript"]
    for k, (x, y) in review_rig.marked_spans(r).items():
        assert p.text[k] == r["transcript"][x:y]


@pytest.mark.audio
def test_html_report_is_self_contained_and_escaped(tmp_path):
    folder = review_rig.make_session(tmp_path / "sessions")
    review_rig.add_answer(folder, review_rig.typed_result())
    out = write_report(folder)
    assert out.path == folder / "report.html"
    html = out.path.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    assert "<link" not in html and "@import" not in html and 'src="/' not in html
    assert html.count("<script>") == 1  # our own, inline
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    # audio linked by bare relative name, one per recorded answer
    srcs = re.findall(r'<audio [^>]*src="([^"]+)"', html)
    doc = json.loads((folder / "session.json").read_text())
    assert srcs == [a["audio"] for a in doc["answers"] if a["audio"]]
    assert all((folder / unquote(s)).is_file() for s in srcs)
    # summary, missed points with labels, charts for timed answers only
    past = doc["answers"][0]["result"]
    for p in past["coverage"]["points"]:
        if not p["covered"]:
            assert p["label"] in html
    assert html.count("<svg") == 2 * 4  # pace + fillers for the 4 timed answers
    assert "No timing (typed answer)" in html
    assert "Not scored (partial)" in html


@pytest.mark.audio
def test_report_elsewhere_links_audio_relative_to_it(tmp_path):
    folder = review_rig.make_session(tmp_path / "sessions")
    out = write_report(folder, tmp_path / "out" / "deep" / "r.html")
    html = out.path.read_text(encoding="utf-8")
    srcs = re.findall(r'<audio [^>]*src="([^"]+)"', html)
    assert srcs and all(s.startswith("../../sessions/") for s in srcs)
    for s in srcs:
        assert (out.path.parent / unquote(s)).resolve().is_file()


@pytest.mark.audio
def test_embed_audio_inlines_the_exact_bytes(tmp_path):
    folder = review_rig.make_session(tmp_path / "s", with_partial=False)
    out = write_report(folder, tmp_path / "elsewhere.html", embed_audio=True)
    html = out.path.read_text(encoding="utf-8")
    uris = re.findall(r'<audio [^>]*src="data:audio/flac;base64,([^"]+)"', html)
    doc = json.loads((folder / "session.json").read_text())
    assert len(uris) == len(doc["answers"])
    for b64, a in zip(uris, doc["answers"], strict=True):
        assert base64.b64decode(b64) == (folder / a["audio"]).read_bytes()


@pytest.mark.audio
def test_markdown_report(tmp_path):
    folder = review_rig.make_session(tmp_path / "sessions")
    review_rig.add_answer(folder, review_rig.typed_result())
    md = write_report(folder, fmt="md").path.read_text(encoding="utf-8")
    assert md.startswith("# Session ")
    assert len(re.findall(r"^## \d+\. ", md, re.M)) == 6
    assert "**teamwork is overrated**" in md
    assert "*Um*" in md and "==My role==" in md
    # "I would use stratified k-fold" names the method without saying what it does: the
    # judge gives the stratified point no credit (a bare mention, marking rule 3)
    assert "==stratified==" not in md
    assert "\\<script\\>" in md and "<script>" not in md
    assert "**Missed key points:**" in md
    assert "| Score | Key points | Fillers |" in md
    assert "Not scored (partial)" in md


@pytest.mark.audio
def test_batch_results_with_a_broken_line(tmp_path):
    jsonl = review_rig.make_batch(tmp_path / "batch", broken_line=True)
    res = CliRunner().invoke(main, ["report", str(jsonl)])
    assert res.exit_code == 0, res.output
    assert "line 2: not valid JSON; skipped" in res.stderr
    out = Path(res.stdout.strip())
    assert out == (tmp_path / "batch" / "report.html").resolve()
    html = out.read_text(encoding="utf-8")
    assert len(re.findall(r'<section class="answer"', html)) == 4
    assert "answers/gone.wav: no such file" in html
    assert re.findall(r'<audio [^>]*src="([^"]+)"', html) == [
        "answers/past-project.flac",
        "answers/cross-validation.flac",
        "answers/precision-recall-f1.flac",
    ]


@pytest.mark.audio
def test_cli_default_is_the_latest_session(home):
    review_rig.make_session(
        home / "sessions", "2026-11-20T09-00-00-ml-engineer", "2026-11-20T09:00:00+00:00"
    )
    newest = review_rig.make_session(home / "sessions", "2026-11-25T14-03-12-ml-engineer")
    res = CliRunner().invoke(main, ["report", "--format", "md"])
    assert res.exit_code == 0, res.output
    assert Path(res.stdout.strip()) == newest / "report.md"


@pytest.mark.parametrize(
    "setup, arg, message",
    [
        ("empty", None, "no sessions yet"),
        ("none", "missing-thing", "no such file or folder"),
        ("plain-dir", "plain", "not a session folder"),
        ("corrupt", "2026-01-01T00-00-00-x", "session.json is damaged"),
        ("textfile", "notes.txt", "not a session folder or a results.jsonl"),
    ],
)
def test_bad_input_is_one_line_exit_2(home, setup, arg, message):
    sessions = home / "sessions"
    if setup == "plain-dir":
        (sessions / "plain").mkdir()
        arg = str(sessions / "plain")
    elif setup == "corrupt":
        (sessions / arg).mkdir()
        (sessions / arg / "session.json").write_text('{"schema": "voicecoach.sess')
    elif setup == "textfile":
        (home / "notes.txt").write_text("hello")
        arg = str(home / "notes.txt")
    for cmd in ("report", "review"):
        res = CliRunner().invoke(main, [cmd] + ([arg] if arg else []))
        assert res.exit_code == 2, res.output
        assert res.stderr.count("\n") == 1 and message in res.stderr, res.stderr
        assert "Traceback" not in res.output
