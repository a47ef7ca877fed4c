"""`rankql demo` on a sample of the Jeopardy questions: built once, reused, the seed query with its plan."""

from __future__ import annotations

import json
from pathlib import Path

from rankql.runtime.faces.cli import main
from rankql.runtime.faces.demo import SEED_QUERY, jeopardy_file, jeopardy_objects

from .faces_support import EXAMPLES


def test_the_dataset_is_read_from_the_installed_package() -> None:
    assert jeopardy_file().name == "jeopardy_1k.json"
    objects = jeopardy_objects()
    assert len(objects) == 1000
    first = objects[0][1]
    assert set(first["properties"]) == {"question", "answer", "category", "round", "value", "airDate"}
    assert first["properties"]["airDate"].endswith("T00:00:00Z")
    assert objects[0][1]["id"] == jeopardy_objects(1)[0][1]["id"]  # stable ids


def test_demo_builds_then_reuses(capsys, tmp_path: Path) -> None:
    db = str(tmp_path / "demo-db")
    assert main(["demo", "--db", db, "--sample", "30"]) == 0
    out, err = capsys.readouterr()
    assert "embedding 30 questions" in err
    assert "reranker-similarity is this demo's default" in out
    assert "JeopardyQuestion (10)" in out and "rerank.score" in out and "distance" in out
    assert "explain(analyze=True)" in out and "Rerank" in out
    assert main(["demo", "--db", db, "--sample", "30"]) == 0
    out, err = capsys.readouterr()
    assert "reusing" in err and "embedding" not in err
    # the example query files run on the demo database
    for name in ("seed.graphql", "hybrid_where_rerank.graphql"):
        assert main(["query", "--db", db, str(EXAMPLES / "queries" / name)]) == 0, capsys.readouterr().err
        answer = json.loads(capsys.readouterr().out)
        assert answer["data"]["Get"]["JeopardyQuestion"]
    code = main(
        ["query", "--db", db, "--vars", '{"text": "flying"}', str(EXAMPLES / "queries" / "variables.graphql")]
    )
    assert code == 0
    assert len(json.loads(capsys.readouterr().out)["data"]["Get"]["JeopardyQuestion"]) == 5
    assert "flying" in SEED_QUERY
