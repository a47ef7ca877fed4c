"""`rankql eval`: a query template over BEIR queries and qrels, scored with ir-measures, compared to a baseline."""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

from . import eval_report
from .common import UsageError, err_console, open_database, read_text_file
from .eval_stats import TemplateRun, score
from .render import answer_errors_text


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
    db: Any, template: str, path: str, label: str, queries: dict[str, str], id_property: str
) -> TemplateRun:
    """Every query through one template under its own progress bar; the first failing query stops the run."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    runs: dict[str, list[str]] = {}
    latency: dict[str, float] = {}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(bar_width=20),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} queries/s"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=err_console(), transient=False) as progress:
        task = progress.add_task(label, total=len(queries), rate="-")
        # One untimed run first: compiling the query and loading a model are not a query's latency.
        first = next(iter(queries.values()), None)
        if first is not None:
            db.query(template, {"query": first})
        started = time.perf_counter()
        for number, (qid, text) in enumerate(queries.items(), start=1):
            variables = {"query": text}
            before = time.perf_counter()
            answer = db.query(template, variables)
            latency[qid] = (time.perf_counter() - before) * 1000
            problems = answer_errors_text(answer, template, variables, db.schema(), path)
            if problems and not (answer.get("data") or {}).get("Get"):
                raise UsageError(f"query {qid} ({text!r}) failed:\n{problems}")
            runs[qid] = result_ids(answer, id_property)
            elapsed = time.perf_counter() - started
            progress.update(task, advance=1, rate=f"{number / elapsed:,.1f}" if elapsed > 0 else "-")
    return TemplateRun(path, label, runs, latency)


def _template(path: str) -> str:
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"no such template file: {path}")
    text = read_text_file(file)
    if "$query" not in text:
        raise UsageError(f"{path} does not use $query: declare query($query: String!) and search with it")
    return text


def _labels(paths: list[str]) -> list[str]:
    """Short names for tables and files: the file stem, numbered when two templates share one."""
    labels: list[str] = []
    for path in paths:
        stem = Path(path).stem
        label, n = stem, 2
        while label in labels:
            label, n = f"{stem}-{n}", n + 1
        labels.append(label)
    return labels


def run_eval(args: argparse.Namespace) -> int:
    if args.plot and Path(args.plot).suffix.lower() not in (".png", ".html"):
        raise UsageError(f"--plot {args.plot}: give a .png or .html file name")
    queries = read_queries(args.queries)
    qrels = read_qrels(args.qrels)
    paths = ([args.baseline] if args.baseline else []) + list(args.template)
    texts = [_template(path) for path in paths]  # every file checked before the first query runs
    judged = {q: t for q, t in queries.items() if q in qrels}
    if not judged:
        raise UsageError(f"no query of {args.queries} has a judgement in {args.qrels}: are the ids the same?")
    err_console().print(f"{len(judged)} of {len(queries)} queries have judgements")
    results = []
    with open_database(args.db) as db:
        for path, text, label in zip(paths, texts, _labels(paths), strict=True):
            result = run_template(db, text, path, label, judged, args.id_property)
            result.scores = score(result.runs, qrels, args.k)
            results.append(result)
    # The baseline: --baseline, else the first of several templates; one template alone has none.
    baseline = results[0] if len(results) > 1 else None
    summary = eval_report.summarize(results, baseline, judged, args.changed)
    if args.per_query:
        for written in eval_report.write_per_query(args.per_query, results, judged):
            err_console().print(f"wrote {written}")
    if args.plot:
        from .eval_plot import write_plot

        write_plot(args.plot, summary, results, baseline)
        err_console().print(f"wrote {args.plot}")
    if args.json:
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
    else:
        eval_report.print_summary(summary)
    return 0
