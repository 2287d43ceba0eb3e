"""The history database: recording, trends, locking, corruption and --rebuild."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading

import pytest
import review_rig
from click.testing import CliRunner

from voicecoach.cli import main
from voicecoach.history import db as history
from voicecoach.history.db import HistoryCorrupt, HistoryLocked, db_path
from voicecoach.history.rebuild import rebuild
from voicecoach.history.record import (
    Entry,
    import_path,
    record_answer,
    record_entries,
    record_results_quietly,
)
from voicecoach.history.trends import question_detail, trends
from voicecoach.scoring.result import ResultFormatError

WEAK = "Precision is about errors, I guess."
STRONG = (
    "Precision is the share of predicted positives that really are positive. Recall is "
    "the share of actual positives the model finds. F1 is the harmonic mean of "
    "precision and recall. They trade off through the decision threshold: favour "
    "precision when false alarms are costly and recall when misses are costly."
)


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("VOICECOACH_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _count(path=None) -> int:
    con = sqlite3.connect(str(path or db_path()))
    try:
        return con.execute("SELECT count(*) FROM answers").fetchone()[0]
    finally:
        con.close()


def _tree_digest(folder) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


def test_record_is_idempotent_and_trends_show_progress(home):
    weak, strong = review_rig.typed_result(text=WEAK), review_rig.typed_result(text=STRONG)
    assert strong["overall"] > weak["overall"]
    assert record_answer(weak, "score", "a", "2026-11-02T10:00:00+00:00")
    assert record_answer(weak, "score", "a", "2026-11-02T10:00:00+00:00")  # same key again
    assert _count() == 1
    record_answer(strong, "score", "b", "2026-11-10T10:00:00+01:00")
    record_answer(weak, "score", "c", "2026-11-11T09:00:00Z")
    t = trends()
    assert t["answers"] == 3
    assert [w["week"] for w in t["weeks"]] == ["2026-W45", "2026-W46"]
    assert t["weeks"][0]["overall"] == weak["overall"]
    assert t["weeks"][1]["overall"] == round((weak["overall"] + strong["overall"]) / 2, 1)
    q = t["questions"][0]
    assert (q["question_id"], q["answers"], q["first"], q["best"], q["latest"]) == (
        "precision-recall-f1",
        3,
        weak["overall"],
        strong["overall"],
        weak["overall"],
    )
    d = question_detail("precision-recall-f1")
    assert d["best"]["key"] == "score:b" and d["latest"]["key"] == "score:c"
    assert d["best"]["recorded_at"] == "2026-11-10T09:00:00+00:00"  # stored in UTC
    assert len(d["best"]["missed"]) < len(d["latest"]["missed"])
    assert (
        record_answer({"error": "no such file", "overall": None}, "batch", "x", "2026-11-11")
        is False
    )


def test_a_write_is_all_or_nothing(home):
    good = review_rig.typed_result()
    bad = {"question_id": "x", "overall": 50}  # no coverage: fails half-way through
    with pytest.raises(ResultFormatError):
        record_entries(
            [Entry(good, "score", "1", "2026-11-01"), Entry(bad, "score", "2", "2026-11-01")]
        )
    assert _count() == 0


@pytest.mark.audio
def test_concurrent_writers_lose_nothing(home):
    r = review_rig.typed_result()
    errors = []

    def write(tag: str) -> None:
        try:
            for i in range(15):
                record_answer(r, "score", f"{tag}{i}", "2026-11-01T00:00:00+00:00")
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=write, args=(t,)) for t in "abc"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and _count() == 45


def test_locked_database_is_a_clear_message_and_quiet_wrapper_warns(home, monkeypatch, capsys):
    monkeypatch.setattr(history, "BUSY_TIMEOUT_S", 0.2)
    r = review_rig.typed_result()
    record_answer(r, "score", "first", "2026-11-01")
    other = sqlite3.connect(str(db_path()), isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(HistoryLocked, match="is locked"):
            record_answer(r, "score", "second", "2026-11-01")
        assert record_results_quietly([Entry(r, "score", "third", "2026-11-01")]) is False
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("warning: not added to history:")
        res = CliRunner().invoke(main, ["history"])
        assert res.exit_code == 2 and "is locked" in res.stderr and "Traceback" not in res.output
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert _count() == 1


@pytest.mark.audio
def test_corrupt_database_then_rebuild_from_sessions(home):
    folder = review_rig.make_session(home / "sessions")
    before = _tree_digest(folder)
    assert import_path(folder) == 4  # 4 scored answers, the partial one is not stored
    db_path().write_bytes(b"this is not a database, it was overwritten" * 100)
    res = CliRunner().invoke(main, ["history"])
    assert res.exit_code == 2
    assert "is damaged" in res.stderr and "voicecoach history --rebuild" in res.stderr
    assert res.stderr.count("\n") == 1
    r = review_rig.typed_result()
    with pytest.raises(HistoryCorrupt, match="--rebuild"):
        record_answer(r, "score", "x", "2026-11-01")
    assert record_results_quietly([Entry(r, "score", "x", "2026-11-01")]) is False
    res = CliRunner().invoke(main, ["history", "--rebuild"])
    assert res.exit_code == 0, res.output
    assert "could not be read" in res.stderr and "Rebuilt" in res.stderr
    assert _count() == 4
    assert _tree_digest(folder) == before  # session files untouched throughout
    t = trends()
    assert {q["question_id"]: q["answers"] for q in t["questions"]} == {
        "past-project": 1,
        "cross-validation": 2,
        "precision-recall-f1": 1,
    }


@pytest.mark.audio
def test_rebuild_is_idempotent_and_keeps_batches_and_score_runs(home, tmp_path):
    review_rig.make_session(home / "sessions")
    jsonl = review_rig.make_batch(tmp_path / "batch")
    assert import_path(jsonl) == 3  # the failed row is not an answer
    seen = {r["key"]: r["recorded_at"] for r in _rows()}
    record_answer(review_rig.typed_result(), "score", "one-off", "2026-10-01T08:00:00+00:00")
    s = rebuild()
    assert (s.sessions, s.batches, s.answers, s.carried_over) == (1, 1, 8, 1)
    first = _rows()
    assert len(first) == 8
    assert rebuild().answers == 8
    assert _rows() == first
    for r in first:  # batch answers keep the time they were first recorded
        if r["source"] == "batch":
            assert r["recorded_at"] == seen[r["key"]]
    assert not list(db_path().parent.glob(".history.sqlite.rebuild-*"))


def _rows() -> list[dict]:
    con = sqlite3.connect(str(db_path()))
    con.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in con.execute("SELECT * FROM answers ORDER BY key")]
    finally:
        con.close()


@pytest.mark.audio
def test_cli_history_tables_json_question_and_report(home):
    folder = review_rig.make_session(home / "sessions")
    runner = CliRunner()
    assert "No answers in the history yet" in runner.invoke(main, ["history"]).stdout
    res = runner.invoke(main, ["history", "--import", str(folder)])
    assert res.exit_code == 0 and "Added 4 answer(s)" in res.stderr
    res = runner.invoke(main, ["history"])
    assert res.exit_code == 0, res.output
    assert "Per week" in res.stdout and "2026-W48" in res.stdout
    assert "cross-validation" in res.stdout and "precision-recall-f1" in res.stdout
    t = json.loads(runner.invoke(main, ["history", "--json"]).stdout)
    assert t["answers"] == 4 and t["weeks"][0]["week"] == "2026-W48"
    res = runner.invoke(main, ["history", "--question", "cross-validation"])
    assert res.exit_code == 0 and "best" in res.stdout and "latest" in res.stdout
    assert "2 attempt(s)" in res.stdout
    res = runner.invoke(main, ["history", "-q", "nope"])
    assert res.exit_code == 2 and "no answers to 'nope'" in res.stderr
    res = runner.invoke(main, ["report", "--history"])
    assert res.exit_code == 0, res.output
    html = (home / "history-report.html").read_text(encoding="utf-8")
    assert "Progress" in html and html.count("<svg") >= 5
    assert "http://" not in html and "https://" not in html
    assert 'data-question="cross-validation"' in html
    res = runner.invoke(main, ["report", str(folder), "--history", "-o", str(home / "b.html")])
    html = (home / "b.html").read_text(encoding="utf-8")
    assert res.exit_code == 0 and 'class="answer"' in html and 'class="history"' in html


def test_a_database_from_release_0_1_opens_with_its_rows_intact(home, tmp_path):
    """tests/fixtures/history/history-v1.sqlite was written by voicecoach 0.1.0 (schema 1)."""
    import shutil

    from voicecoach.history.db import SCHEMA_VERSION, connect

    old = tmp_path / "history.sqlite"
    shutil.copyfile(review_rig.FIXTURES.parent / "history" / "history-v1.sqlite", old)
    con = sqlite3.connect(str(old))
    before = [tuple(r) for r in con.execute("SELECT * FROM answers ORDER BY key")]
    assert con.execute("PRAGMA user_version").fetchone()[0] == 1
    con.close()
    with connect(old) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION > 1
        after = [tuple(r) for r in con.execute("SELECT * FROM answers ORDER BY key")]
        indexes = {r[1] for r in con.execute("PRAGMA index_list(answers)")}
    assert after == before and len(after) == 4
    assert "answers_by_origin" in indexes
    t = trends(old)
    assert t["answers"] == 4 and {q["question_id"] for q in t["questions"]} == {
        "bias-variance",
        "overfitting",
        "k-means",
    }
    assert question_detail("bias-variance", old)["best"]["overall"] == 55
