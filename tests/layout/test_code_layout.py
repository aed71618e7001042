"""The shape of the code, checked on every run (the import-linter contract in pyproject.toml
checks which way imports run; this checks what it cannot):

- no import cycle among the product's modules, counting imports inside functions and under
  ``if TYPE_CHECKING`` — a cycle hidden in a function is still a cycle;
- no module of the product or its benchmarks is longer than 500 lines;
- every package folder is a package with a docstring saying what it holds."""

from __future__ import annotations

import ast
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("zhongshu", "lib", "models", "analytics", "cards", "bot", "handlers", "web", "jobs")
MAX_LINES = 500


def _cycles(edges: dict[str, list[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(edges[start]))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(edges[child])))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]
    assert _cycles({"a": ["b"], "b": []}) == []


def test_no_import_cycles() -> None:
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)
    edges = {m: sorted(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    assert _cycles(edges) == []


def _product_files() -> list[Path]:
    files = [p for pkg in (*PACKAGES, "bench") for p in (ROOT / pkg).rglob("*.py")]
    return sorted(p for p in files if "static" not in p.parts)


def test_no_module_is_over_500_lines() -> None:
    lines = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines())
             for p in _product_files()}
    assert len(lines) > 100  # the walk found the code
    assert {path: n for path, n in lines.items() if n > MAX_LINES} == {}


def test_every_package_says_what_it_holds() -> None:
    missing = []
    for pkg in PACKAGES:
        for folder in [ROOT / pkg, *(p for p in (ROOT / pkg).rglob("*") if p.is_dir())]:
            if not any(folder.glob("*.py")) or folder.name in ("__pycache__", "static"):
                continue
            init = folder / "__init__.py"
            if not init.exists() or not ast.get_docstring(ast.parse(init.read_text())):
                missing.append(str(folder.relative_to(ROOT)))
    assert missing == []
