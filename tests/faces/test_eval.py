"""Relevance evaluation: BEIR files in, ir-measures figures out, compared with a baseline."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from rankql.runtime.faces.cli import main
from rankql.runtime.faces.common import UsageError
from rankql.runtime.faces.eval import paired_tests, read_qrels, read_queries, score

QUERIES = [
    {"_id": "q1", "text": "marlin fisherman"},
    {"_id": "q2", "text": "airplane pilot"},
    {"_id": "q3", "text": "recipes"},
    {"_id": "q4", "text": "no judgements for this one"},
]
QRELS = "query-id\tcorpus-id\tscore\nq1\tb01\t2\nq1\tb12\t1\nq2\tb03\t2\nq2\tb04\t1\nq3\tb07\t1\n"
TITLE = 'query E($query: String!) { Get { Book(bm25: {query: $query, properties: ["title"]}) { docId } } }'
BODY = (
    'query E($query: String!) { Get { Book(bm25: {query: $query, properties: ["description"]}) { docId } } }'
)


def test_metrics_match_hand_worked_values() -> None:
    runs = {"q1": ["d9", "d2", "d1"], "q2": []}
    qrels = {"q1": {"d2": 1}, "q2": {"d5": 2}, "q3": {"d1": 1}}
    scores = score(runs, qrels, k=100)
    assert scores.query_ids == ["q1", "q2"]  # q3 has no run entry: not asked
    assert scores.values["nDCG@10"][0] == pytest.approx(1 / math.log2(3))
    assert scores.values["MRR@10"][0] == pytest.approx(0.5)
    assert scores.values["recall@100"][0] == pytest.approx(1.0)
    assert scores.values["nDCG@10"][1] == 0.0  # a query without results scores zero, not skipped
    assert scores.mean("MRR@10") == pytest.approx(0.25)


def test_paired_tests() -> None:
    same = np.array([0.1, 0.5, 0.9])
    assert paired_tests(same, same) == (1.0, 1.0)
    rng = np.random.default_rng(1)
    old = rng.uniform(0, 0.5, 30)
    t_p, r_p = paired_tests(old + 0.3 + rng.normal(0, 0.05, 30), old)
    assert t_p < 0.001 and r_p < 0.001
    assert paired_tests(old + 0.1, old)[0] == 0.0
    noisy = old + rng.normal(0, 0.2, 30)
    t_p, r_p = paired_tests(noisy, old)
    assert t_p > 0.01 and r_p > 0.01


def test_beir_files(tmp_path: Path) -> None:
    (tmp_path / "q.jsonl").write_text("\n".join(json.dumps(q) for q in QUERIES) + "\n")
    (tmp_path / "qrels.tsv").write_text(QRELS)
    (tmp_path / "trec.txt").write_text("q1 0 b01 2\nq1 0 b12 0\n")
    assert read_queries(str(tmp_path / "q.jsonl"))["q2"] == "airplane pilot"
    assert read_qrels(str(tmp_path / "qrels.tsv"))["q1"] == {"b01": 2, "b12": 1}
    assert read_qrels(str(tmp_path / "trec.txt")) == {"q1": {"b01": 2, "b12": 0}}
    (tmp_path / "empty.tsv").write_text("query-id\tcorpus-id\tscore\n")
    with pytest.raises(UsageError, match="no judgements"):
        read_qrels(str(tmp_path / "empty.tsv"))


def test_eval_command_with_baseline(capsys, bm25_db_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "q.jsonl").write_text("\n".join(json.dumps(q) for q in QUERIES) + "\n")
    (tmp_path / "qrels.tsv").write_text(QRELS)
    (tmp_path / "title.graphql").write_text(TITLE)
    (tmp_path / "body.graphql").write_text(BODY)
    common = ["eval", "--db", str(bm25_db_dir), "--queries", str(tmp_path / "q.jsonl")]
    common += ["--qrels", str(tmp_path / "qrels.tsv"), "--template", str(tmp_path / "body.graphql")]
    code = main([*common, "--baseline", str(tmp_path / "title.graphql"), "--json", "--k", "5"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "3 of 4 queries have judgements" in err
    summary = json.loads(out)
    assert summary["queries_judged"] == 3
    assert set(summary["metrics"]) == {"nDCG@10", "MRR@10", "recall@5"}
    for name, value in summary["metrics"].items():
        assert summary["deltas"][name] == pytest.approx(value - summary["baseline_metrics"][name], abs=2e-4)
        assert 0 <= summary["p_values"][name]["paired_t"] <= 1
    # the descriptions say 'fisherman', 'fly', 'recipes': searching them beats searching titles
    assert summary["metrics"]["nDCG@10"] > summary["baseline_metrics"]["nDCG@10"]
    assert summary["changed"] and summary["changed"][0]["query"] in {q["text"] for q in QUERIES}

    code = main([*common, "--baseline", str(tmp_path / "title.graphql")])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "nDCG@10" in out and "p (t-test)" in out and "queries that changed most" in out


def test_eval_usage_errors(capsys, bm25_db_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "q.jsonl").write_text(json.dumps(QUERIES[0]) + "\n")
    (tmp_path / "qrels.tsv").write_text(QRELS)
    (tmp_path / "fixed.graphql").write_text('{ Get { Book(bm25: {query: "fish"}) { docId } } }')
    (tmp_path / "noid.graphql").write_text(BODY.replace("docId", "title"))
    args = ["eval", "--db", str(bm25_db_dir), "--queries", str(tmp_path / "q.jsonl"), "--qrels"]
    args += [str(tmp_path / "qrels.tsv"), "--template"]
    assert main([*args, str(tmp_path / "fixed.graphql")]) == 2
    assert "does not use $query" in capsys.readouterr().err
    assert main([*args, str(tmp_path / "noid.graphql")]) == 2
    assert "no 'docId' and no _additional { id }" in capsys.readouterr().err
