"""The house stays easy to find one's way in: the rules issue 21 set, checked on every run so they cannot drift.

A package per concern and no flat modules but the app factory and the settings; SQL only in `surveyapp/store/`;
no module over 400 lines and no function over 60; no import circles in the service.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("surveyapp", "analytics", "waves")
SOURCES = sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))
SQL = re.compile(r"\b(SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|VIEW|INDEX))\b",
                 re.IGNORECASE)


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_no_flat_module_but_the_app_factory_and_the_settings() -> None:
    flat = sorted(p.name for p in (ROOT / "surveyapp").glob("*.py"))
    assert flat == ["__init__.py", "app.py", "settings.py"]


def test_every_package_says_what_it_owns() -> None:
    faces = [p for p in (ROOT / "surveyapp").glob("*/__init__.py")]
    assert len(faces) >= 8
    for face in faces:
        assert ast.get_docstring(ast.parse(face.read_text(encoding="utf-8"))), f"{_name(face)} has no docstring"


@pytest.mark.parametrize("path", SOURCES, ids=_name)
def test_no_module_over_400_lines_and_no_function_over_60(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 400, f"{_name(path)}: split it by what its parts do"
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            assert length <= 60, f"{_name(path)}:{node.lineno} {node.name} is {length} lines"


def test_sql_is_written_only_in_the_store() -> None:
    outside = []
    for path in SOURCES:
        if path.is_relative_to(ROOT / "surveyapp" / "store"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL.search(node.value):
                outside.append(f"{_name(path)}:{node.lineno}")
    assert outside == []


def test_the_sql_check_finds_sql() -> None:
    """The check above is able to fail: it finds the store's own statements."""
    store = ROOT / "surveyapp" / "store" / "frames.py"
    strings = [n.value for n in ast.walk(ast.parse(store.read_text(encoding="utf-8")))
               if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    assert any(SQL.search(s) for s in strings)


def test_no_import_circles_in_the_service() -> None:
    graph = grimp.build_graph("surveyapp")
    circles = sorted({tuple(sorted((module, imported))) for module in graph.modules
                      for imported in graph.find_modules_directly_imported_by(module)
                      if graph.find_shortest_chain(importer=imported, imported=module)})
    assert circles == []
