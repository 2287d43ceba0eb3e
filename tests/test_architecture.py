"""The package's shape: no import circle, light modules stay light, bench/ never imports
tests/, and the public API of the README works."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "voicecoach"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    """Every voicecoach module and the voicecoach modules it imports, anywhere in its code
    (inside functions too: a circle hidden in a function is still a circle)."""
    modules = {_module_name(p): p for p in PKG.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for mod, path in modules.items():
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    pkg = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    pkg = pkg[: len(pkg) - (node.level - 1)]
                    base = ".".join([*pkg, base] if base else pkg)
                # "from pkg import sub" imports the module pkg.sub; "from pkg import name"
                # imports pkg itself
                names = [
                    f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                    for a in node.names
                ]
            for name in names:
                while name and name not in modules:
                    name = name.rpartition(".")[0]
                if name and name != mod and name != "voicecoach":
                    graph[mod].add(name)
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "voicecoach"
                and mod != "voicecoach"
            ):
                graph[mod].add("voicecoach")
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> list[str] | None:
        state[m] = 1
        stack.append(m)
        for n in sorted(graph[m]):
            if state.get(n) == 1:
                return stack[stack.index(n) :] + [n]
            if n not in state and (found := visit(n)):
                return found
        stack.pop()
        state[m] = 2
        return None

    for m in sorted(graph):
        if m not in state and (found := visit(m)):
            return found
    return None


def test_no_import_circle() -> None:
    graph = import_graph()
    assert len(graph) > 40 and graph["voicecoach.answer"]  # the walk sees the package
    cycle = find_cycle(graph)
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_few_top_level_modules_and_documented_subpackages() -> None:
    top = [p for p in PKG.glob("*.py")]
    assert len(top) <= 10, sorted(p.name for p in top)
    for init in PKG.glob("*/__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and "Exports" in doc or init.parent.name == "cli", init


def test_no_module_is_much_longer_than_400_lines() -> None:
    long = {
        p.relative_to(ROOT).as_posix(): n
        for p in PKG.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 420
    }
    assert not long, long


def test_bench_never_imports_tests_or_patches_the_path() -> None:
    for f in sorted((ROOT / "bench").glob("*.py")):
        text = f.read_text(encoding="utf-8")
        assert "sys.path" not in text, f
        tree = ast.parse(text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                mods = (
                    [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else [node.module or ""]
                )
                assert not any(
                    m.split(".")[0] in ("tests", "audio_rig", "review_rig", "conftest")
                    for m in mods
                ), (f, mods)


def test_readme_python_example_runs() -> None:
    """The README's "Use from Python" example, run as a user would (a fresh interpreter)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use from Python", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)  # type: ignore[union-attr]
    p = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=str(ROOT)
    )
    assert p.returncode == 0, p.stderr
    assert "bias-variance" in p.stdout and "/100" in p.stdout


def test_import_voicecoach_is_cheap() -> None:
    code = (
        "import sys, voicecoach, voicecoach.banks, voicecoach.scoring; "
        "print(sorted(m for m in ('numpy', 'faster_whisper', 'sounddevice', 'rich') "
        "if m in sys.modules))"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and p.stdout.strip() == "[]", p.stdout + p.stderr
