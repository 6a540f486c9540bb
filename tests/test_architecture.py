"""The import graph, built from the source: no cycles, and dependencies one way.

console -> bot -> core; inside core each folder may use only the folders
below it (LAYERS). Imports inside functions count: they run too, and a local
import is the usual way a cycle hides. Importing a.b.c runs a/__init__ and
a/b/__init__ first, so those are edges as well.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "bot", "console", "migrations")

# Lowest first. A module may import its own unit and any unit of a lower rank;
# units of the same rank (staff and views) stay apart.
LAYERS: list[tuple[str, ...]] = [
    ("core.storage",),
    ("core.errors", "core.clock", "core.settings", "core.log_context"),
    ("core.models",),
    ("core.integrations",),
    ("core.policy", "core.audit"),
    ("core.messaging",),
    ("core.clinic",),
    ("core.dialog",),
    ("core.jobs",),
    ("core.staff", "core.views"),
    ("core.api",),
    ("core.demo",),
]
TOP = {"core": 0, "bot": 1, "console": 2}  # console -> bot -> core
# What channel adapters and pages must reach only through core's functions.
DATABASE = ("peewee", "playhouse", "core.models")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_modules() -> dict[str, Path]:
    return {
        module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _imported(tree: ast.AST) -> Iterable[str]:
    """Every module name an import statement names (a from-import's names too)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.module
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def import_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """module -> the modules importing it runs (external ones by their name)."""
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        targets: set[str] = set()
        for imported in _imported(ast.parse(path.read_text(), str(path))):
            parts = imported.split(".")
            # a.b.c runs a, a.b and a.b.c; "from a import f" names no module a.f.
            prefixes = [".".join(parts[:n]) for n in range(1, len(parts) + 1)]
            local = [p for p in prefixes if p in modules]
            targets.update(local or prefixes[:1])
        targets.discard(name)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in graph:
                continue
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _unit(module: str) -> tuple[str, int] | None:
    """The core layer a module belongs to: (unit, rank)."""
    for rank, units in enumerate(LAYERS):
        for unit in units:
            if module == unit or module.startswith(unit + "."):
                return unit, rank
    return None


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def wrong_directions(graph: dict[str, set[str]]) -> list[str]:
    """Each import that goes against the layers, as 'a -> b (why)'."""
    problems = []
    for source, targets in sorted(graph.items()):
        top = source.split(".")[0]
        for target in sorted(targets):
            target_top = target.split(".")[0]
            if top == "migrations" and target_top == "core":
                problems.append(
                    f"{source} -> {target} (migrations freeze their models)"
                )
            elif top in TOP and target_top in TOP and TOP[target_top] > TOP[top]:
                problems.append(f"{source} -> {target} (console -> bot -> core)")
            elif top in ("bot", "console") and any(
                _inside(target, forbidden) for forbidden in DATABASE
            ):
                problems.append(f"{source} -> {target} (the database is core's)")
            elif top == "core" and target_top == "core" and target != "core":
                here, there = _unit(source), _unit(target)
                if here is None or there is None:
                    problems.append(f"{source} -> {target} (not in LAYERS)")
                elif here[0] != there[0] and there[1] >= here[1]:
                    problems.append(f"{source} -> {target} ({here[0]} is not above)")
    return problems


def test_the_project_has_no_import_cycles():
    assert cycles(import_graph(source_modules())) == []


def test_dependencies_point_one_way():
    assert wrong_directions(import_graph(source_modules())) == []


def test_every_core_module_has_a_layer():
    unplaced = [m for m in source_modules() if m.startswith("core.") and not _unit(m)]
    assert unplaced == []


# The checks above must be able to fail: fed a made-up graph, they say why.
@pytest.mark.parametrize(
    "source,target,why",
    [
        ("core.clinic.booking", "bot.dispatcher", "console -> bot -> core"),
        ("bot.twilio_sms", "console.keys", "console -> bot -> core"),
        ("bot.twilio_sms", "peewee", "the database is core's"),
        ("console.today", "core.models", "the database is core's"),
        ("migrations.0001_initial", "core.models", "migrations freeze their models"),
        ("core.clinic.booking", "core.dialog.states", "core.clinic is not above"),
        ("core.messaging.outbox", "core.clinic.booking", "core.messaging is not above"),
        ("core.staff.doctors", "core.views.schedule", "core.staff is not above"),
    ],
)
def test_a_forbidden_import_is_reported(source, target, why):
    (problem,) = wrong_directions({source: {target}})
    assert why in problem


def test_a_cycle_is_reported_even_through_a_local_import(tmp_path):
    (tmp_path / "a.py").write_text("import b\n")
    (tmp_path / "b.py").write_text("def f():\n    from a import g\n")
    modules = {"a": tmp_path / "a.py", "b": tmp_path / "b.py"}
    assert cycles(import_graph(modules)) == [["a", "b"]]
