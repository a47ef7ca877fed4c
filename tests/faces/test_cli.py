"""The command line: help with examples, data on stdout, messages on stderr, exit statuses, no tracebacks."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rankql.runtime.faces.cli import EXAMPLES, main

QUERY = '{ Get { Book(bm25: {query: "fish"}, limit: 3) { docId title _additional { score } } } }'


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("command", sorted(EXAMPLES))
def test_every_command_has_help_with_examples(capsys: pytest.CaptureFixture[str], command: str) -> None:
    code, out, _ = run(capsys, command, "--help")
    assert code == 0
    assert "examples:" in out and f"rankql {command}" in out


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str], bm25_db_dir: Path, tmp_path: Path) -> None:
    assert run(capsys, "frobnicate")[0] == 2
    assert run(capsys, "query")[0] == 2  # no FILE
    code, out, err = run(capsys, "query", "--db", str(bm25_db_dir), str(tmp_path / "missing.graphql"))
    assert (code, out) == (2, "") and "no such query file" in err
    (tmp_path / "q.graphql").write_text(QUERY)
    code, _, err = run(
        capsys, "query", "--db", str(bm25_db_dir), "--vars", "[1]", str(tmp_path / "q.graphql")
    )
    assert code == 2 and "variables must be a JSON object, got list" in err
    code, _, err = run(capsys, "query", "--db", str(tmp_path / "nowhere"), str(tmp_path / "q.graphql"))
    assert code == 2 and "no database at" in err and "rankql demo" in err


def test_query_prints_graphql_json(
    capsys: pytest.CaptureFixture[str], bm25_db_dir: Path, tmp_path: Path
) -> None:
    (tmp_path / "q.graphql").write_text(QUERY)
    code, out, err = run(capsys, "query", "--db", str(bm25_db_dir), str(tmp_path / "q.graphql"))
    assert code == 0, err
    rows = json.loads(out)["data"]["Get"]["Book"]
    assert [r["docId"] for r in rows][0] in {"b01", "b08", "b12"}  # the books whose text says fish


def test_query_from_stdin_with_variables(capsys, monkeypatch, bm25_db_dir: Path) -> None:
    text = "query Q($q: String!) { Get { Book(bm25: {query: $q}, limit: 1) { docId } } }"
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    code, out, _ = run(capsys, "query", "--db", str(bm25_db_dir), "--vars", '{"q": "marlin"}', "-")
    assert code == 0
    assert json.loads(out) == {"data": {"Get": {"Book": [{"docId": "b01"}]}}}


def test_an_error_answer_exits_1_with_carets(capsys, bm25_db_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "bad.graphql").write_text("{\n  Get {\n    Book(limt: 3) { title }\n  }\n}\n")
    code, out, err = run(capsys, "query", "--db", str(bm25_db_dir), str(tmp_path / "bad.graphql"))
    assert code == 1
    assert json.loads(out)["errors"]  # the answer still goes to stdout, as the endpoint sends it
    assert "bad.graphql:3:" in err and "^" in err and "Traceback" not in err
    assert "limt" in err


def test_explain_and_schema(capsys, bm25_db_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "q.graphql").write_text(QUERY)
    code, out, _ = run(capsys, "explain", "--db", str(bm25_db_dir), str(tmp_path / "q.graphql"))
    assert code == 0 and "bm25" in out.lower()
    code, analyzed, _ = run(
        capsys, "explain", "--analyze", "--db", str(bm25_db_dir), str(tmp_path / "q.graphql")
    )
    assert code == 0 and "rows" in analyzed
    code, out, _ = run(capsys, "schema", "--db", str(bm25_db_dir))
    assert code == 0 and out.startswith("Book  (12 objects;") and "reranker-dummy" in out
    assert "  year" in out and "int" in out
    code, out, _ = run(capsys, "schema", "--db", str(bm25_db_dir), "--json")
    assert json.loads(out)[0]["class"] == "Book"


def test_import_reports_stored_and_rejected(capsys, tmp_path: Path) -> None:
    data = tmp_path / "things.jsonl"
    data.write_text(
        '{"_id": "t1", "name": "kettle", "size": 3}\n{"_id": "t2", "name": "pan", "size": "big"}\n'
    )
    db = tmp_path / "db"
    code, out, err = run(
        capsys,
        "import",
        "--db",
        str(db),
        "--collection",
        "Thing",
        "--create",
        "--vectorizer",
        "none",
        "--reranker",
        "none",
        str(data),
    )
    assert out == ""  # messages only
    assert "created collection Thing" in err
    assert "stored 1 object(s), rejected 1" in err and "record 2:" in err and "size" in err
    assert code == 0
    code, out, err = run(capsys, "import", "--db", str(db), "--collection", "Other", str(data))
    assert code == 2 and "add --create" in err
    code, out, _ = run(capsys, "schema", "--db", str(db))
    assert "Thing  (1 objects" in out


def test_import_with_a_schema_file_and_csv(capsys, tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text(
        json.dumps(
            {
                "class": "City",
                "vectorizer": "none",
                "properties": [
                    {"name": "name", "dataType": ["text"]},
                    {"name": "population", "dataType": ["int"]},
                ],
            }
        )
    )
    (tmp_path / "c.csv").write_text("name,population\nOslo,700000\nBergen,290000\n")
    code, _, err = run(
        capsys,
        "import",
        "--db",
        str(tmp_path / "db"),
        "--collection",
        "City",
        "--schema",
        str(tmp_path / "s.json"),
        str(tmp_path / "c.csv"),
    )
    assert code == 0 and "stored 2 object(s), rejected 0" in err
    q = tmp_path / "q.graphql"
    q.write_text('{ Get { City(sort: [{path: ["population"], order: desc}]) { name population } } }')
    code, out, _ = run(capsys, "query", "--db", str(tmp_path / "db"), str(q))
    assert [r["name"] for r in json.loads(out)["data"]["Get"]["City"]] == ["Oslo", "Bergen"]


def test_unexpected_failures_have_no_traceback_unless_debug(
    capsys, monkeypatch, bm25_db_dir, tmp_path
) -> None:
    (tmp_path / "q.graphql").write_text(QUERY)
    from rankql.runtime import Database

    def broken(self, *args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(Database, "query", broken)
    code, _, err = run(capsys, "query", "--db", str(bm25_db_dir), str(tmp_path / "q.graphql"))
    assert code == 1 and "internal error: ZeroDivisionError: boom" in err and "Traceback" not in err
    code, _, err = run(capsys, "--debug", "query", "--db", str(bm25_db_dir), str(tmp_path / "q.graphql"))
    assert code == 1 and "Traceback" in err


def test_module_and_console_script_entry_points(subprocess_env: dict[str, str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rankql.runtime", "--help"],
        capture_output=True,
        text=True,
        env=subprocess_env,
        timeout=60,
    )
    assert result.returncode == 0 and "rankql demo" in result.stdout
    script = Path(sys.executable).with_name("rankql")
    if script.exists():
        result = subprocess.run(
            [str(script), "eval", "--help"], capture_output=True, text=True, env=subprocess_env, timeout=60
        )
        assert result.returncode == 0 and "--baseline" in result.stdout


LATIN1 = "{ Get { Book { title } } } # café".encode("latin-1")  # 0xe9: not UTF-8


def test_files_that_are_not_utf8_are_bad_usage(capsys, bm25_db_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(LATIN1)
    bad_data = tmp_path / "bad.jsonl"  # import reads data files by their extension
    bad_data.write_bytes(LATIN1)
    good = tmp_path / "q.graphql"
    good.write_text(QUERY)
    data = tmp_path / "d.jsonl"
    data.write_text('{"title": "x"}\n')
    db = ["--db", str(bm25_db_dir)]
    runs = [
        ["query", *db, str(bad)],
        ["explain", *db, str(bad)],
        ["query", *db, "--vars", f"@{bad}", str(good)],
        ["import", "--db", str(tmp_path / "new"), "--collection", "T", "--create", str(bad_data)],
        ["import", "--db", str(tmp_path / "new"), "--collection", "T", "--schema", str(bad), str(data)],
        ["eval", *db, "--queries", str(bad), "--qrels", str(good), "--template", str(good)],
    ]
    for argv in runs:
        code, out, err = run(capsys, *argv)
        assert code == 2, (argv, err)
        named = bad_data if str(bad_data) in argv else bad
        assert f"{named} is not UTF-8 text (byte 0xe9 at offset" in err, (argv, err)
        assert "internal error" not in err and "Traceback" not in err and out == ""


def test_eval_qrels_template_and_repl_load_read_the_same_way(tmp_path: Path) -> None:
    from rankql.runtime.faces.common import UsageError, read_query
    from rankql.runtime.faces.eval import read_qrels

    bad = tmp_path / "bad.tsv"
    bad.write_bytes(LATIN1)
    for read in (read_qrels, read_query):  # read_query is what the REPL's .load uses
        with pytest.raises(UsageError, match="is not UTF-8 text"):
            read(str(bad))


def test_stdin_that_is_not_utf8_is_bad_usage(capsys, monkeypatch, bm25_db_dir: Path) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(LATIN1), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    code, _, err = run(capsys, "query", "--db", str(bm25_db_dir), "-")
    assert code == 2 and "standard input is not UTF-8 text" in err


def test_a_failed_import_closes_the_database(capsys, tmp_path: Path) -> None:
    from rankql.runtime import Database

    (tmp_path / "good.jsonl").write_text('{"name": "kettle"}\n')
    (tmp_path / "wrong.jsonl").write_text('{"price": "cheap"}\n')
    (tmp_path / "s.json").write_text(
        json.dumps({"class": "Product", "properties": [{"name": "price", "dataType": ["number"]}]})
    )
    db = tmp_path / "db"
    failing = ["import", "--db", str(db), "--collection", "Product", "--schema", str(tmp_path / "s.json")]
    # The database and the collection are made before the one record is refused: neither stays.
    code, _, err = run(capsys, *failing, str(tmp_path / "wrong.jsonl"))
    assert code == 1 and "no record can be imported" in err and "db is not created" in err
    assert not db.exists()
    plain = ["--create", "--vectorizer", "none", "--reranker", "none"]
    code, _, err = run(
        capsys, "import", "--db", str(db), "--collection", "Thing", *plain, str(tmp_path / "good.jsonl")
    )
    assert code == 0, err
    code, _, err = run(capsys, *failing, str(tmp_path / "wrong.jsonl"))
    assert code == 1 and "db is unchanged" in err
    with Database(db) as opened:  # in this process: the failed import let go of the folder
        assert opened.collections() == ["Thing"] and len(opened.collection("Thing")) == 1
