"""A query with several mistakes: the command line and the REPL print every one, each with caret and hint."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from rankql.runtime.faces.cli import main

MISTAKES = (
    '{ Get { Book(bm25: {query: "fish"}, sort: {path: ["year"]},\n'
    '  where: {path: ["year"], operator: Equal, valueText: "1990"}) {\n'
    '  title colour _additional { rerank(query: "sea") { score } } } } }\n'
)
# code, the line it points at, and the caret line with its hint, in source order
EXPECTED = (
    ("Q303", "1:37", "^" * 22 + " remove sort: bm25 results are ordered by score"),
    ("Q603", "2:10", "^" * 52 + " write valueInt: ..."),
    ("Q602", "3:9", "^^^^^^ properties: docId, title, author, year, genre, description"),
    ("Q311", "3:30", "^" * 20 + " name the text to score: rerank("),
)


def assert_every_mistake(text: str, name: str) -> None:
    blocks = [b for b in re.split(r"\n\s*\n", text) if b.lstrip().startswith("error[")]
    assert [b.lstrip()[6:10] for b in blocks] == [code for code, _, _ in EXPECTED], text
    for block, (_, where, caret) in zip(blocks, EXPECTED, strict=True):
        assert f"--> {name}:{where}\n" in block, block
        assert caret in block, block


def test_the_command_line_prints_every_mistake(
    capsys: pytest.CaptureFixture[str], bm25_db_dir: Path, tmp_path: Path
) -> None:
    path = tmp_path / "m.graphql"
    path.write_text(MISTAKES)
    assert main(["query", "--db", str(bm25_db_dir), str(path)]) == 1
    captured = capsys.readouterr()
    assert_every_mistake(captured.err, str(path))
    assert captured.out.count('"code": "Q') == 4  # the JSON answer carries all four as well


def test_the_repl_prints_every_mistake(bm25_db_dir: Path, subprocess_env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rankql.runtime", "repl", "--db", str(bm25_db_dir)],
        input=".timing off\n" + MISTAKES + ".quit\n",
        capture_output=True,
        text=True,
        env=subprocess_env,
        timeout=120,
    )
    assert result.returncode == 0 and "Traceback" not in result.stdout + result.stderr, result.stderr
    assert_every_mistake(result.stdout, "<repl>")
