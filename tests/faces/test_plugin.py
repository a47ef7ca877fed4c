"""The pytest plugin: *.graphql cases under the configured folders become test items with readable failures."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .faces_support import BM25_BOOK, BOOKS

SCHEMA = json.dumps(BM25_BOOK)
DATA = BOOKS.read_text()
SETUP = "# dataset: data/books.jsonl\n# schema: data/schema.json\n"
FISH = '{ Get { Book(bm25: {query: "fish fishing fisherman"}, limit: 3) { docId } } }\n'


def project(cases: str, name: str = "queries/books.graphql") -> dict[str, str]:
    return {"queries/data/books.jsonl": DATA, "queries/data/schema.json": SCHEMA, name: cases}


def test_passing_cases_are_collected_one_item_each(run_pytest) -> None:
    cases = (
        f"### fish books come first\n{SETUP}{FISH}"
        "# expect-ids-in-top: 3 = b01, b08, b12\n"
        "# expect-count: 3\n\n"
        f"### a typo is reported\n{SETUP}"
        '{ Get { Book(bm25: {qurey: "fish"}) { docId } } }\n'
        "# expect-error: qurey\n\n"
        f"### order by year\n{SETUP}"
        '{ Get { Book(sort: [{path: ["year"], order: asc}], limit: 2) { docId year } } }\n'
        "# expect-order: b02 > b07\n"
    )
    files = project(cases)
    files["elsewhere/ignored.graphql"] = "### not a test\n{ Get { Nope { x } } }\n"
    result = run_pytest(files, "-vv")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
    assert "books.graphql::fish books come first PASSED" in result.stdout
    assert "ignored" not in result.stdout  # only the configured folders are collected


def test_failures_show_a_ranking_diff(run_pytest) -> None:
    cases = f"### wrong expectations\n{SETUP}{FISH}# expect-ids-in-top: 1 = b05\n# expect-order: b12 > b01\n"
    result = run_pytest(project(cases))
    assert result.returncode == 1
    out = result.stdout
    assert "(case at queries/books.graphql:1: wrong expectations)" in out
    # the short summary names the case and its first failed expectation, not the file's path again
    assert "FAILED queries/books.graphql::wrong expectations - expect-ids-in-top: b05 not in the top 1" in out
    assert "expect-ids-in-top: b05 not in the top 1" in out and "b05: not in the results" in out
    assert "expect-order: b12 should rank above b01" in out
    assert "pos" in out and "≠" in out
    assert "Traceback" not in out and "def run_query_case" not in out


def test_golden_results_are_written_then_compared(run_pytest, tmp_path: Path) -> None:
    cases = f"### golden fish\n{SETUP}{FISH}"
    result = run_pytest(project(cases))
    assert result.returncode == 1 and "states no expectation" in result.stdout
    result = run_pytest({}, "--update-goldens")
    assert result.returncode == 0, result.stdout
    assert "wrote 1 section(s):\n  queries/books.graphql: '---- results' of 'golden fish'" in result.stdout
    again = run_pytest({}, "--update-goldens")
    assert "no golden section changed" in again.stdout
    written = (tmp_path / "queries/books.graphql").read_text()
    assert written.startswith(cases.rstrip("\n") + "\n---- results\n")
    golden = json.loads(written.split("---- results\n", 1)[1])
    ids = [row["docId"] for row in golden["data"]["Get"]["Book"]]
    assert len(ids) == 3
    assert run_pytest({}).returncode == 0  # compares equal now
    # Swap two rows of the golden: the failure is a ranking diff, not a dict dump.
    rows = golden["data"]["Get"]["Book"]
    rows[0], rows[1] = rows[1], rows[0]
    (tmp_path / "queries/books.graphql").write_text(
        written.split("---- results\n", 1)[0] + "---- results\n" + json.dumps(golden, indent=2) + "\n"
    )
    result = run_pytest({})
    assert result.returncode == 1
    assert "Book: the ranking differs" in result.stdout
    assert re.search(rf"1  {ids[1]}\s+≠ {ids[0]}", result.stdout)
    assert "--update-goldens" in result.stdout


def test_fixture_database_and_variables(run_pytest) -> None:
    conftest = (
        "import json, pytest\n"
        "from rankql.runtime import Database\n"
        "@pytest.fixture(scope='session')\n"
        "def tiny_db():\n"
        "    db = Database()\n"
        "    db.create_collection({'class': 'Note', 'vectorizer': 'none', 'properties': [\n"
        "        {'name': 'text', 'dataType': ['text']}]}).insert_many([\n"
        "        {'properties': {'text': 'red apple'}}, {'properties': {'text': 'green apple pie'}}])\n"
        "    return db\n"
    )
    cases = (
        '### from a fixture\n# fixture: tiny_db\n# variables: {"q": "pie"}\n# id-property: text\n'
        "query Q($q: String!) { Get { Note(bm25: {query: $q}) { text } } }\n"
        "# expect-ids-in-top: 1 = green apple pie\n# expect-count: 1\n"
    )
    result = run_pytest({"conftest.py": conftest, "queries/notes.graphql": cases})
    assert result.returncode == 0, result.stdout


def test_ndcg_expectation_against_qrels(run_pytest) -> None:
    qrels = "query-id\tcorpus-id\tscore\nq1\tb01\t2\nq1\tb12\t1\nq2\tb09\t1\n"
    cases = (
        f"### fish query is good\n{SETUP}# qrels: data/qrels.tsv\n# query-id: q1\n"
        '{ Get { Book(bm25: {query: "fish sea"}, limit: 10) { docId } } }\n'
        "# expect-ndcg@10 >= 0.5\n# expect-recall@10: >= 0.5\n\n"
        f"### same query, wrong topic\n{SETUP}# qrels: data/qrels.tsv\n# query-id: q2\n"
        '{ Get { Book(bm25: {query: "fish sea"}, limit: 10) { docId } } }\n'
        "# expect-ndcg@10 >= 0.5\n"
    )
    files = project(cases)
    files["queries/data/qrels.tsv"] = qrels
    result = run_pytest(files)
    assert result.returncode == 1
    assert "1 failed, 1 passed" in result.stdout
    assert "expect-ndcg@10 >= 0.5: got 0.0000" in result.stdout
    assert "FAILED queries/books.graphql::same query, wrong topic - expect-ndcg@10 >= 0.5: got 0.0000" in (
        result.stdout
    )
    # the grades stand beside the ranking: b01 is judged 2 for q1 only, b09 (q2's) is not retrieved
    assert re.search(r"pos\s+got\s+grade\n\s+1\s+b01\s+-\n", result.stdout)


def test_misspelt_expectations_and_missing_data_fail_clearly(run_pytest) -> None:
    cases = f"### typo\n{SETUP}{FISH}# expect-oder: b01 > b08\n\n### no data\n{FISH}# expect-count: 3\n"
    result = run_pytest(project(cases))
    assert "unknown setting 'expect-oder' — did you mean 'expect-order'?" in result.stdout
    assert "the case names no data" in result.stdout
    assert "2 failed" in result.stdout


def test_nothing_is_collected_without_the_ini_option(run_pytest) -> None:
    result = run_pytest(project(f"### x\n{SETUP}{FISH}# expect-count: 3\n"), ini="")
    assert "no tests ran" in result.stdout


def test_rankqls_own_query_cases_pass(run_pytest, request) -> None:
    """tests/faces/queries holds rankql's own cases; run them here unless the main run collects them."""
    import subprocess
    import sys

    own = Path(__file__).parent / "queries"
    configured = [Path(p).resolve() for p in request.config.getini("rankql_query_dirs")]
    if own.resolve() in configured:
        pytest.skip("the main pytest run collects tests/faces/queries itself (rankql_query_dirs)")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-o",
            f"rankql_query_dirs={own}",
            str(own),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=own.parents[2],
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "passed" in result.stdout
