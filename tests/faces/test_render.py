"""Answers and errors as the REPL and the command line show them, run through the real program."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rankql.runtime.faces.cli import main

WINDOW = (
    '{ Get { Book(bm25: {query: "fish"}, limit: 5, offset: 5) {\n'
    '  docId _additional { rerank(property: "title", query: "sea", window: 5) { score } } } } }\n'
)


def repl(db: Path, env: dict[str, str], script: str, columns: int = 160) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "rankql.runtime", "repl", "--db", str(db)],
        input=".timing off\n" + script + ".quit\n",
        capture_output=True,
        text=True,
        env={**env, "COLUMNS": str(columns)},
        timeout=120,
    )
    assert result.returncode == 0 and "Traceback" not in result.stdout + result.stderr, result.stderr
    return result.stdout


HINT = "^^^^^^ set window to at least 10, or lower offset below 5"


def test_run_time_errors_render_as_front_end_errors(
    capsys: pytest.CaptureFixture[str], bm25_db_dir: Path, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    (tmp_path / "w.graphql").write_text(WINDOW)
    assert main(["query", "--db", str(bm25_db_dir), str(tmp_path / "w.graphql")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error[Q310]: rerank window 5 is smaller than offset + limit")
    assert "w.graphql:2:" in err and HINT in err
    out = repl(bm25_db_dir, subprocess_env, WINDOW)
    assert "error[Q310]" in out and HINT in out
    assert "Book (" not in out  # no empty table before the error


def test_tables_show_values_as_stored(
    bm25_db_dir: Path, subprocess_env: dict[str, str], tmp_path: Path
) -> None:
    from rankql.runtime import Database

    with Database(tmp_path / "db") as db:
        db.create_collection(
            {"class": "Item", "vectorizer": "none", "properties": [{"name": "price", "dataType": ["number"]}]}
        ).insert_many([{"properties": {"price": p}} for p in (117.42, 3.0, 0.125)])
    out = repl(tmp_path / "db", subprocess_env, '{ Get { Item(sort: [{path: ["price"]}]) { price } } }\n')
    cells = [line.split("│")[2].strip() for line in out.splitlines() if line.startswith("│")]
    assert cells == ["0.125", "3.0", "117.42"]
    out = repl(
        bm25_db_dir,
        subprocess_env,
        '{ Get { Book(bm25: {query: "kitchen"}, limit: 1) { docId _additional { explainScore } } } }\n',
    )
    row = next(line for line in out.splitlines() if "b08" in line)
    assert row.split("│")[3].strip().startswith("BM25F_kitchen")  # Weaviate's leading ', ' dropped


def test_group_by_shows_groups_as_nested_rows(bm25_db_dir: Path, subprocess_env: dict[str, str]) -> None:
    out = repl(
        bm25_db_dir,
        subprocess_env,
        '{ Get { Book(bm25: {query: "man old sea whale kitchen"}, groupBy: {path: ["genre"], groups: 2, '
        "objectsPerGroup: 3}) { _additional { group { id groupedBy { value path } count "
        "hits { docId year } } } } } }\n",
    )
    assert "{" not in out.split("Book (", 1)[1]  # no JSON blob per row
    rows = [
        [cell.strip() for cell in line.split("│")[1:-1]] for line in out.splitlines() if line.startswith("│")
    ]
    assert rows[0][:3] == ["0 genre=fiction (2)", "b01", "1952"]
    assert rows[1][:3] == ["", "b02", "1851"]  # the group's second hit, under the same label
    assert rows[2][0].startswith("1 genre=memoir") and rows[2][1] == "b08"


def test_wide_results_switch_to_a_vertical_layout(bm25_db_dir: Path, subprocess_env: dict[str, str]) -> None:
    query = (
        '{ Get { Book(bm25: {query: "marlin"}) { docId title author year genre description '
        "_additional { id score } } } }\n"
    )
    narrow = repl(bm25_db_dir, subprocess_env, query, columns=70)
    assert "-[ 1 ]" in narrow and "author      | Ernest Hemingway" in narrow
    assert "year        | 1952" in narrow
    wide = repl(bm25_db_dir, subprocess_env, query.replace(" author year genre description", ""))
    assert "-[ 1 ]" not in wide and "┃ docId" in wide


def test_aggregate_shows_a_row_per_group(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    from rankql.runtime import Database

    with Database(tmp_path / "db") as db:
        db.create_collection(
            {
                "class": "Item",
                "vectorizer": "none",
                "properties": [
                    {"name": "price", "dataType": ["number"]},
                    {"name": "kind", "dataType": ["text"]},
                ],
            }
        ).insert_many(
            [{"properties": {"price": p, "kind": k}} for p, k in ((1.5, "a"), (2.5, "a"), (4.0, "b"))]
        )
    query = '{ Aggregate { Item(groupBy: ["kind"]) { groupedBy { value } meta { count } price { sum } } } }\n'
    out = repl(tmp_path / "db", subprocess_env, query)
    rows = [[c.strip() for c in line.split("│")[2:-1]] for line in out.splitlines() if line.startswith("│")]
    assert rows == [["a", "2", "4.0"], ["b", "1", "4.0"]]
