"""Relevance evaluation: BEIR files in, ir-measures figures out, compared with a baseline."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from rankql.runtime.faces.cli import main
from rankql.runtime.faces.common import UsageError
from rankql.runtime.faces.eval import read_qrels, read_queries
from rankql.runtime.faces.eval_report import format_p
from rankql.runtime.faces.eval_stats import paired_tests, score, wins_ties_losses

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
    assert summary["queries_judged"] == 3 and summary["baseline"].endswith("title.graphql")
    base, body = summary["templates"]
    assert (base["label"], body["label"]) == ("title", "body") and "versus_baseline" not in base
    assert set(body["metrics"]) == {"nDCG@10", "MRR@10", "recall@5"}
    for name, value in body["metrics"].items():
        figures = body["versus_baseline"][name]
        assert figures["delta"] == pytest.approx(value - base["metrics"][name], abs=2e-4)
        assert 0 <= figures["p_paired_t"] <= 1
        assert figures["wins"] + figures["ties"] + figures["losses"] == 3
    assert body["latency_ms"]["mean"] > 0 and body["latency_ms"]["p95"] >= body["latency_ms"]["p50"]
    # the descriptions say 'fisherman', 'fly', 'recipes': searching them beats searching titles
    assert body["metrics"]["nDCG@10"] > base["metrics"]["nDCG@10"]
    assert body["changed"] and body["changed"][0]["query"] in {q["text"] for q in QUERIES}


def test_wins_ties_losses_and_small_p_values() -> None:
    assert wins_ties_losses(np.array([0.5, 0.2, 0.1]), np.array([0.4, 0.2, 0.3])) == (1, 1, 1)
    assert format_p(0.0) == "< 1e-4" and format_p(0.00009) == "< 1e-4" and format_p(0.0123) == "0.0123"


EASY = "query-id\tcorpus-id\tscore\nq2\tb03\t2\nq3\tb07\t1\n"  # the descriptions find both, titles neither


def test_eval_program_with_three_templates(subprocess_env, bm25_db_dir: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "q.jsonl").write_text("\n".join(json.dumps(q) for q in QUERIES) + "\n")
    (tmp_path / "qrels.tsv").write_text(EASY)
    (tmp_path / "title.graphql").write_text(TITLE)
    (tmp_path / "body.graphql").write_text(BODY)
    both = BODY.replace('["description"]', '["title", "description"]')
    (tmp_path / "title_and_description_together.graphql").write_text(both)
    args = ["eval", "--db", str(bm25_db_dir), "--queries", "q.jsonl", "--qrels", "qrels.tsv"]
    args += ["--baseline", "title.graphql", "--template", "body.graphql"]
    args += ["--template", "title_and_description_together.graphql"]
    args += ["--per-query", "out/per-query.tsv", "--plot", "out/plot.png"]
    result = subprocess.run(
        [sys.executable, "-m", "rankql.runtime", *args],
        cwd=tmp_path,
        env={**subprocess_env, "COLUMNS": "80"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert all(len(line) <= 80 for line in out.splitlines())
    assert "…" not in "".join(line for line in out.splitlines() if "┃" in line)  # no header cut short
    assert "title (base)" in out and "W/T/L" in out and "ms/query" in out
    body_row = next(line for line in out.splitlines() if "│ body" in line and "nDCG@10" in line)
    assert "< 1e-4" in body_row and "2/0/0" in body_row  # both queries move by exactly 1: t-test p = 0
    for label in ("title", "body", "title_and_description_tog"):
        assert f"{label}" in result.stderr  # a progress bar per template
    rows = (tmp_path / "out" / "per-query.tsv").read_text().splitlines()
    assert rows[0].split("\t") == [
        "template",
        "query_id",
        "nDCG@10",
        "MRR@10",
        "recall@100",
        "latency_ms",
        "query",
    ]
    assert len(rows) == 1 + 3 * 2 and rows[1].startswith("title\tq2\t0.0000")
    run = (tmp_path / "out" / "per-query.body.run").read_text().splitlines()
    assert run[0].split() == ["q2", "Q0", "b03", "1", run[0].split()[4], "body"]
    assert (tmp_path / "out" / "per-query.title_and_description_together.run").is_file()
    png = (tmp_path / "out" / "plot.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


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
    (tmp_path / "body.graphql").write_text(BODY)
    assert main([*args, str(tmp_path / "body.graphql"), "--plot", str(tmp_path / "plot.svg")]) == 2
    assert "give a .png or .html file name" in capsys.readouterr().err
