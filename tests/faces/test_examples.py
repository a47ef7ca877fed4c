"""Every example script runs as a newcomer would run it, and the example query files answer without errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rankql.runtime.faces.cli import main

from .faces_support import EXAMPLES

SCRIPTS = sorted(EXAMPLES.glob("*.py"))
EXPECTED = {
    "quickstart.py": ["BatchResult(stored=5, failed=0)", "reopened: 5 books", "limt"],
    "variables.py": ["'fish'", "Cod", "'oysters'"],
    "custom_reranker.py": ["Omelette 1.0", "Pancakes 0.66"],
    "hybrid_rerank_window.py": ["first-stage rank", "Rerank"],
}


def test_the_expected_scripts_exist() -> None:
    assert {p.name for p in SCRIPTS} == set(EXPECTED)


@pytest.fixture(scope="module")
def script_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str, str]]:
    """Every script started at once (each loads its own model), then waited for: (status, stdout, stderr)."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    folder = tmp_path_factory.mktemp("scripts")
    running = {}
    for script in SCRIPTS:
        out, err = (folder / f"{script.stem}.out").open("w+"), (folder / f"{script.stem}.err").open("w+")
        process = subprocess.Popen(
            [sys.executable, str(script)], stdout=out, stderr=err, env=env, cwd=EXAMPLES.parent
        )
        running[script.name] = (process, out, err)
    results = {}
    for name, (process, out, err) in running.items():
        status = process.wait(timeout=300)
        out.seek(0)
        err.seek(0)
        results[name] = (status, out.read(), err.read())
    return results


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_example_script_runs(script: Path, script_runs: dict[str, tuple[int, str, str]]) -> None:
    status, out, err = script_runs[script.name]
    assert status == 0, err[-3000:]
    for text in EXPECTED[script.name]:
        assert text in out, out


def test_books_query_file(capsys, tmp_path: Path) -> None:
    db = str(tmp_path / "books-db")
    data, schema = EXAMPLES / "data" / "books.jsonl", EXAMPLES / "data" / "book_schema.json"
    assert main(["import", "--db", db, "--collection", "Book", "--schema", str(schema), str(data)]) == 0
    assert "stored 12 object(s), rejected 0" in capsys.readouterr().err
    assert main(["query", "--db", db, str(EXAMPLES / "queries" / "books_hybrid.graphql")]) == 0
    rows = json.loads(capsys.readouterr().out)["data"]["Get"]["Book"]
    assert len(rows) == 3 and all("rerank" in r["_additional"] for r in rows)
    assert "b01" in [r["docId"] for r in rows]  # the fisherman at sea


def test_every_example_path_named_in_the_help_texts_exists() -> None:
    import re

    from rankql.runtime.faces.cli import EXAMPLES as HELP

    named = {m for text in HELP.values() for m in re.findall(r"examples/[\w/.-]+", text)}
    assert "examples/eval/hybrid_rerank.graphql" in named
    missing = sorted(p for p in named if not (EXAMPLES.parent / p).exists())
    assert not missing, missing


def test_every_eval_template_runs(capsys, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    passages = ["the marlin fisherman at sea", "a pilot flies the airplane", "recipes for pancakes"]
    corpus.write_text("".join(json.dumps({"_id": f"p{i}", "text": t}) + "\n" for i, t in enumerate(passages)))
    (tmp_path / "q.jsonl").write_text(json.dumps({"_id": "q1", "text": "fisherman"}) + "\n")
    (tmp_path / "qrels.tsv").write_text("query-id\tcorpus-id\tscore\nq1\tp0\t1\n")
    db = str(tmp_path / "db")
    assert (
        main(["import", "--db", db, "--collection", "Passage", "--create", "--no-progress", str(corpus)]) == 0
    )
    capsys.readouterr()
    templates = sorted((EXAMPLES / "eval").glob("*.graphql"))
    assert "hybrid_rerank.graphql" in {t.name for t in templates}
    for template in templates:
        args = [
            "eval",
            "--db",
            db,
            "--queries",
            str(tmp_path / "q.jsonl"),
            "--qrels",
            str(tmp_path / "qrels.tsv"),
        ]
        code = main([*args, "--template", str(template), "--json"])
        out, err = capsys.readouterr()
        assert code == 0, (template.name, err)
        figures = json.loads(out)["templates"][0]["metrics"]
        assert figures["MRR@10"] == 1.0, template.name  # the fisherman passage first
