"""`rankql eval`: a query template over BEIR queries and qrels, scored with ir-measures, compared to a baseline."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .common import UsageError, err_console, open_database, read_text_file
from .render import answer_errors_text

PERMUTATIONS = 10_000


def read_queries(path: str) -> dict[str, str]:
    """BEIR queries.jsonl (_id, text), or a two-column TSV (id, text)."""
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"no such queries file: {path}")
    queries: dict[str, str] = {}
    for number, line in enumerate(read_text_file(file).split("\n"), start=1):
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UsageError(f"{path}:{number}: not JSON ({exc.msg})") from exc
            queries[str(row.get("_id", row.get("id")))] = str(row.get("text", ""))
        else:
            qid, _, text = line.partition("\t")
            queries[qid] = text
    return queries


def read_qrels(path: str) -> dict[str, dict[str, int]]:
    """BEIR qrels.tsv (query-id, corpus-id, grade; a header row is skipped) or TREC (qid 0 docid grade)."""
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"no such qrels file: {path}")
    qrels: dict[str, dict[str, int]] = {}
    for row in csv.reader(io.StringIO(read_text_file(file), newline=""), delimiter="\t"):
        if len(row) == 1:
            row = row[0].split()
        if len(row) == 4:  # TREC: qid iteration docid grade
            row = [row[0], row[2], row[3]]
        if len(row) < 3:
            continue
        try:
            grade = int(float(row[2]))
        except ValueError:
            continue  # the header row
        qrels.setdefault(row[0], {})[row[1]] = grade
    if not qrels:
        raise UsageError(f"{path} holds no judgements (expected query-id, corpus-id, grade per line)")
    return qrels


def result_ids(answer: dict[str, Any], id_property: str) -> list[str]:
    """Corpus ids of the first Get field's objects, in rank order (the id property, else the uuid)."""
    fields = (answer.get("data") or {}).get("Get") or {}
    rows = next(iter(fields.values()), None) or []
    ids: list[str] = []
    for row in rows:
        value = row.get(id_property)
        if value is None:
            value = (row.get("_additional") or {}).get("id")
        if value is None:
            raise UsageError(
                f"results carry no '{id_property}' and no _additional {{ id }}: select one of them in the template"
            )
        if str(value) not in ids:
            ids.append(str(value))
    return ids


def run_template(
    db: Any, template: str, name: str, queries: dict[str, str], id_property: str
) -> dict[str, list]:
    """Ranked corpus ids per query id; the first failing query stops the run with its error."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    runs: dict[str, list[str]] = {}
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    with Progress(*columns, console=err_console(), transient=True) as progress:
        task = progress.add_task(f"running {Path(name).name}", total=len(queries))
        for qid, text in queries.items():
            variables = {"query": text}
            answer = db.query(template, variables)
            problems = answer_errors_text(answer, template, variables, db.schema(), name)
            if problems and not (answer.get("data") or {}).get("Get"):
                raise UsageError(f"query {qid} ({text!r}) failed:\n{problems}")
            runs[qid] = result_ids(answer, id_property)
            progress.advance(task)
    return runs


@dataclass
class Scores:
    """Per-query values of each measure (queries in a fixed order)."""

    names: list[str]
    query_ids: list[str]
    values: dict[str, np.ndarray]

    def mean(self, name: str) -> float:
        return float(self.values[name].mean()) if len(self.query_ids) else 0.0


def score(runs: dict[str, list[str]], qrels: dict[str, dict[str, int]], k: int) -> Scores:
    """nDCG@10, MRR@10 and recall@k per judged query (ir-measures); a query with no results scores 0."""
    import ir_measures
    from ir_measures import RR, R, nDCG

    measures = {"nDCG@10": nDCG @ 10, "MRR@10": RR @ 10, f"recall@{k}": R @ k}
    qids = sorted(q for q in qrels if q in runs)
    qrel_rows = [ir_measures.Qrel(q, d, g) for q in qids for d, g in qrels[q].items()]
    run_rows = [
        ir_measures.ScoredDoc(q, doc, float(len(runs[q]) - rank))
        for q in qids
        for rank, doc in enumerate(runs[q])
    ]
    by_measure = {m: name for name, m in measures.items()}
    values = {name: np.zeros(len(qids)) for name in measures}
    position = {q: i for i, q in enumerate(qids)}
    for metric in ir_measures.iter_calc(list(measures.values()), qrel_rows, run_rows):
        values[by_measure[metric.measure]][position[metric.query_id]] = metric.value
    return Scores(list(measures), qids, values)


def paired_tests(new: np.ndarray, old: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """Two-sided p-values of the paired t-test and of a sign-flip randomization test."""
    from scipy import stats

    diff = new - old
    if len(diff) < 2 or not np.any(diff):
        return 1.0, 1.0
    # When every query moved by the same amount t is infinite (scipy only warns): p is 0.
    t_p = 0.0 if np.ptp(diff) < 1e-12 else float(stats.ttest_rel(new, old).pvalue)
    rng = np.random.default_rng(seed)
    signs = rng.choice((-1.0, 1.0), size=(PERMUTATIONS, len(diff)))
    observed = abs(diff.mean())
    flipped = np.abs((signs * diff).mean(axis=1))
    r_p = float((np.count_nonzero(flipped >= observed - 1e-12) + 1) / (PERMUTATIONS + 1))
    return t_p, r_p


def report(
    args: argparse.Namespace, queries: dict[str, str], new: Scores, old: Scores | None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "template": args.template,
        "queries_judged": len(new.query_ids),
        "metrics": {n: round(new.mean(n), 4) for n in new.names},
    }
    if old is None:
        return out
    out["baseline"] = args.baseline
    out["baseline_metrics"] = {n: round(old.mean(n), 4) for n in old.names}
    out["deltas"] = {n: round(new.mean(n) - old.mean(n), 4) for n in new.names}
    out["p_values"] = {}
    for name in new.names:
        t_p, r_p = paired_tests(new.values[name], old.values[name])
        out["p_values"][name] = {"paired_t": round(t_p, 4), "randomization": round(r_p, 4)}
    delta = new.values["nDCG@10"] - old.values["nDCG@10"]
    order = np.argsort(-np.abs(delta), kind="stable")[: args.changed]
    out["changed"] = [
        {
            "query_id": new.query_ids[i],
            "query": queries.get(new.query_ids[i], ""),
            "baseline_ndcg@10": round(float(old.values["nDCG@10"][i]), 4),
            "ndcg@10": round(float(new.values["nDCG@10"][i]), 4),
        }
        for i in order
        if delta[i] != 0
    ]
    return out


def print_report(summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False)
    table = Table(title=f"{summary['queries_judged']} judged queries", title_justify="left")
    table.add_column("metric")
    table.add_column(Path(summary["template"]).name, justify="right")
    if "baseline" in summary:
        table.add_column(Path(summary["baseline"]).name + " (baseline)", justify="right")
        table.add_column("delta", justify="right")
        table.add_column("p (t-test)", justify="right")
        table.add_column("p (rand.)", justify="right")
    for name, value in summary["metrics"].items():
        row = [name, f"{value:.4f}"]
        if "baseline" in summary:
            p = summary["p_values"][name]
            row += [
                f"{summary['baseline_metrics'][name]:.4f}",
                f"{summary['deltas'][name]:+.4f}",
                f"{p['paired_t']:.4f}",
                f"{p['randomization']:.4f}",
            ]
        table.add_row(*row)
    console.print(table)
    if summary.get("changed"):
        changed = Table(title="queries that changed most (nDCG@10)", title_justify="left")
        for column in ("query id", "query", "baseline", "template", "delta"):
            changed.add_column(column, justify="left" if column == "query" else "right")
        for row in summary["changed"]:
            delta = row["ndcg@10"] - row["baseline_ndcg@10"]
            changed.add_row(
                row["query_id"],
                row["query"],
                f"{row['baseline_ndcg@10']:.4f}",
                f"{row['ndcg@10']:.4f}",
                f"{delta:+.4f}",
            )
        console.print(changed)


def _template(path: str) -> str:
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"no such template file: {path}")
    text = read_text_file(file)
    if "$query" not in text:
        raise UsageError(f"{path} does not use $query: declare query($query: String!) and search with it")
    return text


def run_eval(args: argparse.Namespace) -> int:
    queries = read_queries(args.queries)
    qrels = read_qrels(args.qrels)
    template = _template(args.template)
    baseline = _template(args.baseline) if args.baseline else None
    judged = {q: t for q, t in queries.items() if q in qrels}
    if not judged:
        raise UsageError(f"no query of {args.queries} has a judgement in {args.qrels}: are the ids the same?")
    err_console().print(f"{len(judged)} of {len(queries)} queries have judgements")
    with open_database(args.db) as db:
        new = score(run_template(db, template, args.template, judged, args.id_property), qrels, args.k)
        old = None
        if baseline is not None:
            old = score(run_template(db, baseline, args.baseline, judged, args.id_property), qrels, args.k)
    summary = report(args, judged, new, old)
    if args.json:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        print_report(summary)
    return 0
