"""The package installs from the repository's top-level folders, and dsl never imports the engine."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_installed_copy_imports(tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(ROOT),
        ],
        check=True,
        cwd=tmp_path,
    )
    assert (target / "rankql" / "dsl" / "ast.py").is_file()
    assert (target / "rankql" / "grammar" / "query.lark").is_file()
    probe = "import rankql.dsl.ast, rankql.grammar, rankql.runtime, sys;print(rankql.dsl.ast.__file__)"
    out = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); {probe}"],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout
    assert out.strip().startswith(str(target))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(("." * node.level) + node.module)
    return names


def test_dsl_never_imports_the_engine() -> None:
    heavy = ("rankql.runtime", "numpy", "scipy", "hnswlib", "torch", "sentence_transformers")
    for path in sorted((ROOT / "dsl").glob("**/*.py")):
        for name in _imports(path):
            assert not name.startswith(heavy), f"{path.name} imports {name}"
            assert not name.startswith("..runtime"), f"{path.name} imports {name}"
