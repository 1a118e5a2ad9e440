"""The layout's rules, read from the code's own imports: the core never imports an adapter, no runtime import
cycle in the shipped packages, and modules stay small. `python -m pytest tests/test_layout.py` checks them."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("connector", "adapters")
MAX_LINES = 400
# Modules allowed past MAX_LINES, and why.
LARGE = {
    "adapters/odoo/emulator/": "the emulators play a whole vendor server (ORM, domains, accounting, JSON-2 and XML-RPC)",
    "adapters/quickbooks/emulator/": "the emulators play a whole vendor server (query language, entities, OAuth, CDC)",
}


def modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


def imports(path: Path, name: str, known: set[str], *, typing_only: bool) -> set[str]:
    """The project modules `path` imports; with typing_only False, those under `if TYPE_CHECKING:` are left out
    (annotations only: nothing is imported when the program runs)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    if not typing_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                skip.update(id(n) for child in node.body for n in ast.walk(child))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{a.name}" for a in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph(typing_only: bool = False) -> dict[str, set[str]]:
    mods = modules()
    return {name: imports(path, name, set(mods), typing_only=typing_only) for name, path in mods.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in g.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_the_core_imports_no_adapter_not_even_for_annotations():
    g = graph(typing_only=True)
    bad = {m: sorted(t for t in targets if t.startswith("adapters")) for m, targets in g.items()
           if m.startswith("connector")}
    assert {m: t for m, t in bad.items() if t} == {}


def test_no_module_imports_the_cli_but_the_cli_and_its_entry_point():
    g = graph(typing_only=True)
    users = sorted(m for m, targets in g.items() if any(t.startswith("connector.cli") for t in targets)
                   and not m.startswith("connector.cli") and m != "adapters.cli")
    assert users == []


def test_no_import_cycle_when_the_program_runs():
    assert cycles(graph()) == []


def test_given_a_cycle_then_it_is_found():  # the walker itself, on a graph with one
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_modules_stay_under_400_lines_or_say_why():
    long = {str(p.relative_to(ROOT)): n for p in modules().values()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
            and not any(str(p.relative_to(ROOT)).startswith(prefix) for prefix in LARGE)}
    assert long == {}
