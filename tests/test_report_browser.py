"""The HTML report in a real headless browser (Debian's chromium driven by playwright).

A session made from real recordings (scored by the real pipeline) plus a typed answer that
contains ``<script>``; the report is opened from disk with no network. Checks: no console
errors or failed requests, every highlight's text is the JSON span's text, clicking a word
seeks the audio to that word and plays it (audio muted), markup in a transcript stays text.
A screenshot is saved to test-artifacts/report.png.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import review_rig

from voicecoach.review.report import write_report

pytestmark = [pytest.mark.browser, pytest.mark.audio]

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--mute-audio",
    "--autoplay-policy=no-user-gesture-required",
]


@pytest.fixture(scope="module")
def browser():
    sync = pytest.importorskip("playwright.sync_api", reason="pip install playwright")
    if not shutil.which(CHROMIUM):
        pytest.skip("chromium not installed (apt install chromium)")
    pytest.importorskip("piper")
    with sync.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    pytest.importorskip("piper")
    folder = review_rig.make_session(tmp_path_factory.mktemp("sessions"))
    review_rig.add_answer(folder, review_rig.typed_result())
    out = write_report(folder)
    doc = json.loads((folder / "session.json").read_text(encoding="utf-8"))
    return out.path, doc


@pytest.fixture
def page(browser, report):
    path, _ = report
    pg = browser.new_page(viewport={"width": 1100, "height": 900})
    problems: list[str] = []
    pg.on(
        "console",
        lambda m: (
            problems.append(f"console {m.type}: {m.text}")
            if m.type in ("error", "warning")
            else None
        ),
    )
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    # media elements abort and re-issue range requests (ERR_ABORTED): normal; audio
    # decoding errors are checked on the elements themselves
    pg.on(
        "requestfailed",
        lambda r: (
            problems.append(f"request failed: {r.url} {r.failure}")
            if "ERR_ABORTED" not in (r.failure or "")
            else None
        ),
    )
    requests: list[str] = []
    pg.on("request", lambda r: requests.append(r.url))
    pg.goto(path.as_uri())
    pg.wait_for_load_state("load")
    pg.problems = problems  # type: ignore[attr-defined]
    pg.requests = requests  # type: ignore[attr-defined]
    yield pg
    pg.close()


def test_loads_cleanly_and_offline(page, report):
    page.wait_for_timeout(300)
    assert page.problems == []
    assert all(u.startswith(("file:", "data:")) for u in page.requests), page.requests
    # the audio elements point at the session's files, relative, and they decode
    srcs = page.eval_on_selector_all("section.answer audio", "els => els.map(e => e.src)")
    assert len(srcs) == 5 and all(s.startswith("file:") for s in srcs)
    page.wait_for_function(
        "Array.from(document.querySelectorAll('section.answer audio'))"
        ".every(a => a.readyState >= 1)",
        timeout=5000,
    )
    assert (
        page.eval_on_selector_all("section.answer audio", "els => els.filter(e => e.error).length")
        == 0
    )
    durs = page.eval_on_selector_all("section.answer audio", "els => els.map(e => e.duration)")
    _, doc = report
    for d, a in zip(durs, doc["answers"], strict=False):
        if a["result"]:
            assert d == pytest.approx(a["result"]["delivery"]["duration_s"], abs=0.3)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert (ARTIFACTS / "report.png").stat().st_size > 10_000


def test_highlights_are_where_the_json_says(page, report):
    _, doc = report
    checked = 0
    for i, a in enumerate(doc["answers"]):
        r = a["result"]
        if r is None:
            continue
        got = page.evaluate(
            """sel => { const out = {};
                 document.querySelectorAll(sel + ' .transcript mark').forEach(m => {
                   const k = m.dataset.key;
                   // text of this mark minus marks of another key nested in it is still
                   // its own text: nested marks are inside the span
                   if (!(k in out)) out[k] = {text: '', cls: m.className};
                   if (!m.parentElement.closest('mark[data-key="' + k + '"]'))
                     out[k].text += m.textContent; });
                 return out; }""",
            f"#answer-{i}",
        )
        want = review_rig.marked_spans(r)
        assert set(got) == set(want), (i, got, want)
        for key, (s, e) in want.items():
            assert got[key]["text"] == r["transcript"][s:e], (i, key)
            assert (
                got[key]["cls"]
                == {"evidence": "evidence", "filler": "filler", "flag": "flag"}[
                    key.rsplit("-", 1)[0]
                ]
            )
            checked += 1
        # the whole transcript is there, in order, as text
        shown = page.text_content(f"#answer-{i} .transcript")
        assert shown == r["transcript"]
    assert checked >= 12  # evidence, fillers and the red flag of the real answers
    kinds = {
        k.rsplit("-", 1)[0]
        for a in doc["answers"]
        if a["result"]
        for k in review_rig.marked_spans(a["result"])
    }
    assert kinds == {"evidence", "filler", "flag"}


def test_markup_in_a_transcript_stays_text(page, report):
    _, doc = report
    i = len(doc["answers"]) - 1
    text = page.text_content(f"#answer-{i} .transcript")
    assert "<script>alert('x')</script>" in text
    assert page.evaluate("document.querySelectorAll('script').length") == 1
    assert page.problems == []


def _click_and_watch(page, i: int, selector: str) -> dict:
    page.evaluate(
        """i => { const a = document.querySelector('#answer-' + i + ' audio');
             window.__seen = {}; a.pause();
             a.addEventListener('seeked', () => { window.__seen.seeked = a.currentTime; },
                                {once: true});
             a.addEventListener('playing', () => { window.__seen.playing = true; },
                                {once: true}); }""",
        i,
    )
    page.click(selector)
    page.wait_for_function(
        "window.__seen.seeked !== undefined && window.__seen.playing", timeout=5000
    )
    return page.evaluate(
        "i => { const a = document.querySelector('#answer-' + i + "
        "' audio'); return {seen: window.__seen, paused: a.paused}; }",
        i,
    )


def test_clicking_a_word_seeks_and_plays(page, report):
    _, doc = report
    r = doc["answers"][0]["result"]
    flag = r["red_flags"][0]
    # the first word of the red flag, as the JSON has it
    w = next(w for w in r["words"] if w["char_start"] >= flag["char_start"])
    assert w["start"] > 1.0
    sel = f'#answer-0 .transcript mark[data-key="flag-0"] .w[data-start="{w["start"]:.2f}"]'
    assert page.text_content(sel) in w["text"]
    got = _click_and_watch(page, 0, sel)
    assert got["seen"]["seeked"] == pytest.approx(w["start"], abs=0.05)
    assert got["seen"]["playing"] is True and got["paused"] is False
    # a later word in another answer
    r2 = doc["answers"][1]["result"]
    w2 = r2["words"][-2]
    got = _click_and_watch(page, 1, f'#answer-1 .w[data-w="{len(r2["words"]) - 2}"]')
    assert got["seen"]["seeked"] == pytest.approx(w2["start"], abs=0.05)
    # the "jump to" button of a filler seeks to the filler's time
    last = len(r["fillers"]["items"]) - 1
    f = r["fillers"]["items"][last]
    got = _click_and_watch(page, 0, f"#answer-0 .moments button.filler >> nth={last}")
    assert got["seen"]["seeked"] == pytest.approx(f["start"], abs=0.05)
    # while it plays, the word being spoken gets outlined
    page.wait_for_function(
        "document.querySelectorAll('#answer-0 .w.now').length === 1", timeout=3000
    )
    assert page.problems == []
