"""dsl/ imports lark, pydantic and the standard library only; every diagnostic code has a golden case."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

from rankql.dsl.casefile import read_case_file
from rankql.dsl.diagnostics import CODES

ROOT = Path(__file__).resolve().parents[2]
ALLOWED = {"lark", "pydantic", "pydantic_core", "typing_extensions"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0] if not node.module.startswith("rankql.") else node.module)
    return found


def test_dsl_imports_no_runtime_numpy_or_torch() -> None:
    for path in sorted((ROOT / "dsl").glob("*.py")):
        for name in _imports(path):
            if name.startswith("rankql."):
                assert name.startswith(("rankql.dsl", "rankql.grammar")), f"{path.name} imports {name}"
                continue
            assert name in ALLOWED or name in sys.stdlib_module_names, f"{path.name} imports {name}"


# Codes shown by Python tests instead of golden files, and why.
NOT_IN_GOLDENS = {
    "Q007": "needs 129 nested brackets; test_robustness.py",
}


def test_every_code_has_a_golden_case() -> None:
    shown = set()
    for path in (ROOT / "tests" / "dsl" / "cases").glob("*.graphql"):
        for case in read_case_file(path).cases:
            shown.update(re.findall(r"error\[(Q\d{3})\]", case.sections.get("error", "")))
    missing = set(CODES) - shown - set(NOT_IN_GOLDENS)
    assert not missing, f"codes without a golden case: {sorted(missing)}"
    assert shown <= set(CODES), f"codes used but not catalogued: {sorted(shown - set(CODES))}"
