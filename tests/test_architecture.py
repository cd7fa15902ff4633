"""The shape a newcomer relies on: no import cycles, the engine behind app/engine/, named service areas."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app"


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Every module's imports of other app modules, those inside functions included."""
    modules = {_module_name(p): p for p in APP.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
                targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_round_a_cycle() -> None:
    assert _cycles(_imports()) == []


def test_the_cycle_finder_sees_imports_inside_functions() -> None:
    # Guards the test above: a finder blind to function-level imports would pass it.
    graph = {"a": {"b"}, "b": {"a"}, "c": set()}
    assert _cycles(graph) == [["a", "b"]]
    assert "app.services.instances.events" in _imports()["app.services.deadlines.escalation"]


def test_only_the_engine_imports_spiffworkflow() -> None:
    offenders = []
    for path in APP.rglob("*.py"):
        if APP / "engine" in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            if any(name.split(".")[0] == "SpiffWorkflow" for name in names):
                offenders.append(str(path.relative_to(APP.parent)))
    assert offenders == []


def test_every_service_area_says_what_it_owns() -> None:
    areas = [p for p in (APP / "services").iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    assert {"credit", "complaints", "desk", "deadlines", "modeling", "people"} <= {p.name for p in areas}
    for area in areas:
        doc = ast.get_docstring(ast.parse((area / "__init__.py").read_text(encoding="utf-8")))
        assert doc and len(doc) > 40, area.name
    loose = [p.name for p in (APP / "services").glob("*.py")]
    assert loose == ["__init__.py"], "service modules belong in an area's package"
