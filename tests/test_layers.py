"""Imports point down, read from the source with ``ast``.

``core`` is the plumbing every package stands on and imports none of them. No package imports
another that imports it back, however roundabout. A domain package (points, events, catalog,
stats) reaches identity only through its models (the tables and the lookups on them) and its
audit trail (``record_audit``, and the audited ways staff reach a resident). What composes
every package sits on top — the app factory, the resident's ``/me``, the staff console,
closing and copying an account (privacy), joining two records of one person (merging), the
demo's seed: it may call any package's rules,
and nothing below it imports it. Only the app factory imports the console or a package's
``api`` module (``core.api`` is plumbing): pages and the API are two faces of the same
services, neither built on the other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = frozenset(
    path.parent.name for path in ROOT.glob("*/__init__.py") if path.parent.name != "tests"
)
TOP = frozenset({"app", "me", "privacy", "merging", "demo", "console"})
DOMAINS = PACKAGES - TOP - {"core", "identity"}
IDENTITY_FOR_DOMAINS = frozenset({"identity.models", "identity.audit"})


def _modules() -> Iterator[tuple[str, Path]]:
    yield "app", ROOT / "app.py"
    for package in sorted(PACKAGES):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def _imported(node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    """The project modules an import statement names (``from p import m`` names ``p.m`` when
    ``m`` is a module of ``p``, else ``p``)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    assert node.level == 0 and node.module, f"relative import of {node.module!r}"
    for alias in node.names:
        submodule = f"{node.module}.{alias.name}"
        is_module = (ROOT / submodule.replace(".", "/")).with_suffix(".py").exists()
        yield submodule if is_module else node.module


@cache
def imports() -> dict[str, frozenset[str]]:
    """Each project module, and the project modules it imports (in functions too)."""
    found = {}
    for name, path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        found[name] = frozenset(
            imported
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for imported in _imported(node)
            if _package(imported) in PACKAGES | {"app"}
        )
    return found


def _package(module: str) -> str:
    return module.partition(".")[0]


def _edges() -> dict[str, set[str]]:
    """Package → the other packages its modules import."""
    edges: dict[str, set[str]] = {}
    for module, imported in imports().items():
        package = _package(module)
        edges.setdefault(package, set()).update(
            _package(name) for name in imported if _package(name) != package
        )
    return edges


def test_the_rule_reads_every_package() -> None:
    assert {"core", "identity", "points", "events", "catalog", "stats"} <= PACKAGES
    assert "events.api" in imports() and "app" in imports()


def test_core_imports_no_other_package() -> None:
    wrong = {
        f"{module} imports {name}"
        for module, imported in imports().items()
        if _package(module) == "core"
        for name in imported
        if _package(name) != "core"
    }
    assert not wrong, "\n".join(sorted(wrong))


def test_no_package_imports_one_that_imports_it_back() -> None:
    edges = _edges()
    cycles = []

    def visit(package: str, path: list[str]) -> None:
        for imported in sorted(edges.get(package, ())):
            if imported in path:
                cycles.append(" → ".join([*path[path.index(imported) :], imported]))
            elif imported not in done:
                visit(imported, [*path, imported])
        done.add(package)

    done: set[str] = set()
    for package in sorted(edges):
        if package not in done:
            visit(package, [package])
    assert not cycles, "\n".join(cycles)


def test_domain_packages_use_identity_only_through_its_models_and_audit() -> None:
    wrong = {
        f"{module} imports {name}"
        for module, imported in imports().items()
        if _package(module) in DOMAINS
        for name in imported
        if _package(name) == "identity" and name not in IDENTITY_FOR_DOMAINS
    }
    assert not wrong, "\n".join(sorted(wrong))


def test_nothing_below_the_top_imports_it() -> None:
    wrong = {
        f"{module} imports {name}"
        for module, imported in imports().items()
        if _package(module) not in TOP
        for name in imported
        if _package(name) in TOP
    }
    assert not wrong, "\n".join(sorted(wrong))


def test_only_the_app_imports_the_console_or_an_api_module() -> None:
    wrong = {
        f"{module} imports {name}"
        for module, imported in imports().items()
        if module != "app"
        for name in imported
        if (_package(name) == "console" and _package(module) != "console")
        or (name.endswith(".api") and _package(name) != "core")
    }
    assert not wrong, "\n".join(sorted(wrong))
