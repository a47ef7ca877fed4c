"""Shared set-up of the faces tests: small databases in temporary folders, and a pytest runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .faces_support import BM25_BOOK, book_objects


@pytest.fixture(scope="session")
def bm25_db_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A saved database folder: the example books, bm25 only, with the dummy reranker (no model)."""
    from rankql.runtime import Database

    folder = tmp_path_factory.mktemp("books") / "db"
    with Database(folder) as db:
        db.create_collection(BM25_BOOK).insert_many(book_objects())
    return folder


@pytest.fixture
def subprocess_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HF_HUB_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        RANKQL_HISTORY=str(tmp_path / "history"),
        PROMPT_TOOLKIT_NO_CPR="1",
        COLUMNS="160",
    )
    env.pop("RANKQL_DB", None)
    return env


@pytest.fixture
def run_pytest(tmp_path: Path, subprocess_env: dict[str, str]):
    """Run pytest in a fresh process on a project made of the given files (ini names the query folder)."""

    def run(files: dict[str, str], *args: str, ini: str = "rankql_query_dirs = queries\n"):
        for name, text in files.items():
            path = tmp_path / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        (tmp_path / "pytest.ini").write_text("[pytest]\n" + ini)
        return subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
            cwd=tmp_path,
            env=subprocess_env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    return run
