"""The on-disk cache of compiled regular expressions (voicecoach.scoring.patterns)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from voicecoach.scoring import patterns
from voicecoach.scoring.patterns import cache_folder, compile_cached

PATTERN = r"(?<!\w)(?:i (?:would|will) (?P<verb>guarantee|promise)|never (?:ever )?fails?)\b"
TEXTS = ["i will guarantee it", "it never ever fails", "we promise", "i would promise you"]


def _same(a: re.Pattern[str], b: re.Pattern[str]) -> None:
    assert (a.pattern, a.flags, a.groups, a.groupindex) == (
        b.pattern,
        b.flags,
        b.groups,
        b.groupindex,
    )
    for t in TEXTS:
        ma, mb = a.search(t), b.search(t)
        assert (ma and (ma.span(), ma.groupdict())) == (mb and (mb.span(), mb.groupdict()))


def test_a_pattern_compiled_once_is_read_back_without_parsing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = compile_cached(PATTERN, re.IGNORECASE)
    _same(first, re.compile(PATTERN, re.IGNORECASE))
    files = list(cache_folder().glob("*.sre"))  # type: ignore[union-attr]
    assert len(files) == 1

    def no_parsing(*a: object, **k: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(re._parser, "parse", no_parsing)  # type: ignore[attr-defined]
    again = compile_cached(PATTERN, re.IGNORECASE)
    _same(again, re.compile(PATTERN, re.IGNORECASE))  # re's own cache: compiled before
    with pytest.raises(AssertionError) as e:  # (no match=: pytest would compile it)
        compile_cached(PATTERN + "x", re.IGNORECASE)  # proves the check can fail
    assert "parsed again" in str(e.value)


def test_flags_are_part_of_the_key() -> None:
    a, b = compile_cached("abc"), compile_cached("abc", re.IGNORECASE)
    assert b.search("ABC") and not a.search("ABC")
    assert len(list(cache_folder().glob("*.sre"))) == 2  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[: len(raw) // 2],  # cut short (a full disk, a crash)
        lambda raw: b"junk" + raw,  # not ours
        lambda raw: raw.replace(b'"n":', b'"m":'),  # another format
        lambda raw: raw[:-8] + b"\xff" * 8,  # code the engine refuses
    ],
)
def test_a_damaged_cache_file_is_compiled_again_and_replaced(damage) -> None:
    compile_cached(PATTERN)
    (path,) = cache_folder().glob("*.sre")  # type: ignore[union-attr]
    good = path.read_bytes()
    path.write_bytes(damage(good))
    _same(compile_cached(PATTERN), re.compile(PATTERN))
    assert path.read_bytes() == good


def test_no_cache_folder_still_compiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("VOICECOACH_HOME", str(blocker))  # cache/ cannot be made under a file
    _same(compile_cached(PATTERN), re.compile(PATTERN))
    monkeypatch.setenv("VOICECOACH_NO_PATTERN_CACHE", "1")
    assert cache_folder() is None
    _same(compile_cached(PATTERN), re.compile(PATTERN))


def test_a_bad_pattern_raises_as_re_does() -> None:
    with pytest.raises(re.error):
        compile_cached("(unclosed")
    assert not list(cache_folder().glob("*.sre"))  # type: ignore[union-attr]


def test_old_files_are_pruned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(patterns, "KEEP", 3)
    for i in range(5):
        compile_cached(f"word{i}")
    assert len(list(cache_folder().glob("*.sre"))) == 3  # type: ignore[union-attr]


def test_the_red_flag_rules_come_from_the_cache_in_a_second_process() -> None:
    code = (
        "import re, sys\n"
        "from re import _parser\n"
        "calls = []\n"
        "real = _parser.parse\n"
        "_parser.parse = lambda p, *a, **k: calls.append(len(p) > 1000) or real(p, *a, **k)\n"
        "from voicecoach.scoring.redflags import categories, find_red_flags\n"
        "from voicecoach.scoring.textnorm import NormText\n"
        "categories(None)\n"
        "hits = find_red_flags(NormText('I guarantee a hundred percent accuracy.'), 'technical',"
        " 'How would you evaluate a model?', None)\n"
        "print(sum(calls), [h.category for h in hits])\n"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        for _ in range(2)
    ]
    (n1, flags1), (n2, flags2) = (r.stdout.split(" ", 1) for r in runs)
    assert int(n1) >= 7 and int(n2) == 0  # the large patterns: every category's, then none
    assert flags1 == flags2 and "false_promise" in flags1
