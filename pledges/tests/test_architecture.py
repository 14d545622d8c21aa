"""The shape of the code: rooms by job, imports flowing one way, no module too long to read.

Layers, top to bottom (an import may only go down or sideways within a layer, never up):
entry points (site, exports, api, admin, management commands, tasks) → services (review,
matching, ingest, selectors, filters, demo data) → models → the pure Korean engine.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1]
ROOT = PACKAGE.parent
MAX_LINES = 700

ENTRY_POINTS = (
    "pledges.site",
    "pledges.exports",
    "pledges.api",
    "pledges.admin",
    "pledges.management",
    "pledges.tasks",
    "pledges.templatetags",
    "pledges.apps",  # Django's wiring: registers the tasks at start-up
    "pledges.ops.views",  # /healthz
)
ENGINE = "pledges.korean"


def source_files() -> list[Path]:
    files = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).parts
        if parts[0] in {"tests", "migrations"}:
            continue
        files.append(path)
    return files


def module_name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Every pledges.* module this file imports, at module level or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = (
        module_name(path) if path.name == "__init__.py" else module_name(path).rsplit(".", 1)[0]
    )
    found: set[str] = set()
    type_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in type_only:  # annotations only: no import at run time
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            # `from pledges import selectors` imports the module pledges.selectors
            found.update(f"{target}.{alias.name}" for alias in node.names)
    known = {module_name(p) for p in source_files()}
    return {name for name in found if name in known}


def is_under(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def is_entry_point(module: str) -> bool:
    return any(is_under(module, prefix) for prefix in ENTRY_POINTS)


GRAPH = {module_name(path): imported_modules(path) for path in source_files()}


@pytest.mark.parametrize("path", source_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_is_longer_than_about_700_lines(path):
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines: split it by job"


def test_services_never_import_entry_points():
    wrong = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if not is_entry_point(module)
        for target in targets
        if is_entry_point(target)
    ]
    assert wrong == []


def test_the_korean_engine_is_pure():
    """No Django and nothing of the app: the engine runs in benchmarks and notebooks as is."""
    wrong = []
    for path in (PACKAGE / "korean").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level:
                names = [node.module or ""]
            wrong += [
                f"{path.name}: {n}"
                for n in names
                if n.split(".")[0] == "django"
                or (is_under(n, "pledges") and not is_under(n, ENGINE))
            ]
    assert wrong == []


def test_models_import_no_service():
    services = ("pledges.review", "pledges.matching", "pledges.ingest", "pledges.selectors")
    wrong = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        if is_under(module, "pledges.models")
        for target in targets
        if any(is_under(target, s) for s in services) or is_entry_point(target)
    ]
    assert wrong == []


def test_imports_have_no_cycles():
    """Among modules, at run time (a package's __init__ re-exporting its own modules, and
    imports under TYPE_CHECKING, are not cycles)."""

    def edges(module: str) -> set[str]:
        return {
            target
            for target in GRAPH.get(module, ())
            if target != module and not is_under(module, target)
        }

    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges(module)):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target] if target in path else [target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_public_reads_filter_on_review_state_only_in_selectors():
    """Site, syndication, exports and the API never decide what is public themselves."""
    readers = [ENTRY_POINTS[0], ENTRY_POINTS[1], ENTRY_POINTS[2]]
    wrong = []
    for path in source_files():
        module = module_name(path)
        if not any(is_under(module, r) for r in readers):
            continue
        text = path.read_text(encoding="utf-8")
        for needle in ("ReviewState.", "FigureState.", "is_published", "state=", "state__in="):
            if needle in text:
                wrong.append(f"{path.relative_to(ROOT)}: {needle}")
    assert wrong == []


def test_one_name_for_one_thing():
    """Celery tasks end in _task (never the name of the function they call), and the outgoing
    Atom syndication is not called a feed module (incoming feeds are ingest sources)."""
    from celery import Task

    from pledges import tasks
    from pledges.ingest.pipeline import TaskName

    task_functions = [n for n, v in vars(tasks).items() if isinstance(v, Task)]
    assert task_functions and all(n.endswith("_task") for n in task_functions)
    assert {str(t) for t in TaskName} == {f"pledges.tasks.{n}" for n in task_functions}
    assert not (PACKAGE / "feeds.py").exists()
    assert (PACKAGE / "site" / "syndication.py").exists()
