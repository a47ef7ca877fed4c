"""What `rankql eval` reports: figures per template and against the baseline, tables, per-query files."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np

from .eval_stats import TemplateRun, paired_tests, wins_ties_losses

# Below this a p-value is printed as '< 1e-4': four decimals would show 0.0000, which no test gives.
P_FLOOR = 1e-4
LABEL_WIDTH = 22  # template names in tables, so every table fits 80 columns
VERSUS_LABEL_WIDTH = 16
QUERY_WIDTH = 28
CHANGED_METRIC = "nDCG@10"


def _latency(result: TemplateRun) -> dict[str, float]:
    values = np.array(list(result.latency_ms.values()) or [0.0])
    return {
        "mean": round(float(values.mean()), 2),
        "p50": round(float(np.percentile(values, 50)), 2),
        "p95": round(float(np.percentile(values, 95)), 2),
    }


def summarize(
    results: list[TemplateRun], baseline: TemplateRun | None, queries: dict[str, str], changed: int
) -> dict[str, Any]:
    """Every figure as plain data (what --json prints): means, latency, and each template vs the baseline."""
    first = results[0].scores
    assert first is not None
    out: dict[str, Any] = {
        "queries_judged": len(first.query_ids),
        "baseline": baseline.path if baseline is not None else None,
        "templates": [],
    }
    for result in results:
        scores = result.scores
        assert scores is not None
        entry: dict[str, Any] = {
            "template": result.path,
            "label": result.label,
            "metrics": {name: round(scores.mean(name), 4) for name in scores.names},
            "latency_ms": _latency(result),
        }
        if baseline is not None and result is not baseline:
            entry["versus_baseline"] = _versus(result, baseline)
            entry["changed"] = _changed(result, baseline, queries, changed)
        out["templates"].append(entry)
    return out


def _versus(result: TemplateRun, baseline: TemplateRun) -> dict[str, Any]:
    new, old = result.scores, baseline.scores
    assert new is not None and old is not None
    figures: dict[str, Any] = {}
    for name in new.names:
        t_p, r_p = paired_tests(new.values[name], old.values[name])
        wins, ties, losses = wins_ties_losses(new.values[name], old.values[name])
        figures[name] = {
            "delta": round(new.mean(name) - old.mean(name), 4),
            "p_paired_t": t_p,
            "p_randomization": r_p,
            "wins": wins,
            "ties": ties,
            "losses": losses,
        }
    return figures


def _changed(result: TemplateRun, baseline: TemplateRun, queries: dict[str, str], count: int) -> list[dict]:
    new, old = result.scores, baseline.scores
    assert new is not None and old is not None
    delta = new.values[CHANGED_METRIC] - old.values[CHANGED_METRIC]
    order = np.argsort(-np.abs(delta), kind="stable")[:count]
    return [
        {
            "query_id": new.query_ids[i],
            "query": queries.get(new.query_ids[i], ""),
            "baseline": round(float(old.values[CHANGED_METRIC][i]), 4),
            "template": round(float(new.values[CHANGED_METRIC][i]), 4),
        }
        for i in order
        if delta[i] != 0
    ]


def format_p(p: float) -> str:
    return "< 1e-4" if p < P_FLOOR else f"{p:.4f}"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def print_summary(summary: dict[str, Any], console: Any = None) -> None:
    """Three tables: figures per template, each template against the baseline, the most changed queries."""
    from rich.console import Console
    from rich.table import Table

    console = console or Console(highlight=False)
    entries = summary["templates"]
    names = list(entries[0]["metrics"])
    base = next((e for e in entries if e["template"] == summary["baseline"]), None)
    table = Table(title=f"{summary['queries_judged']} judged queries", title_justify="left")
    table.add_column("template", no_wrap=True)
    for name in names:
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("ms/query", justify="right", no_wrap=True)
    table.add_column("p95 ms", justify="right", no_wrap=True)
    for entry in entries:
        label = entry["label"] + (" (base)" if entry is base else "")
        latency = entry["latency_ms"]
        figures = [f"{entry['metrics'][n]:.4f}" for n in names]
        table.add_row(_cut(label, LABEL_WIDTH), *figures, f"{latency['mean']:.1f}", f"{latency['p95']:.1f}")
    console.print(table)
    if base is None:
        return
    versus = Table(
        title=f"against the baseline {base['label']} (W/T/L: queries won, tied, lost)", title_justify="left"
    )
    for column in ("template", "metric", "delta", "p t-test", "p rand.", "W/T/L"):
        versus.add_column(
            column, justify="left" if column in ("template", "metric") else "right", no_wrap=True
        )
    for entry in entries:
        for index, (name, fig) in enumerate((entry.get("versus_baseline") or {}).items()):
            versus.add_row(
                _cut(entry["label"], VERSUS_LABEL_WIDTH) if index == 0 else "",
                name,
                f"{fig['delta']:+.4f}",
                format_p(fig["p_paired_t"]),
                format_p(fig["p_randomization"]),
                f"{fig['wins']}/{fig['ties']}/{fig['losses']}",
                end_section=index == len(names) - 1,
            )
    console.print(versus)
    for entry in entries:
        if not entry.get("changed"):
            continue
        changed = Table(
            title=f"queries that changed most ({CHANGED_METRIC}): {entry['label']}", title_justify="left"
        )
        for column in ("query id", "query", "baseline", "template", "delta"):
            changed.add_column(column, justify="left" if column == "query" else "right", no_wrap=True)
        for row in entry["changed"]:
            changed.add_row(
                _cut(row["query_id"], 12),
                _cut(row["query"], QUERY_WIDTH),
                f"{row['baseline']:.4f}",
                f"{row['template']:.4f}",
                f"{row['template'] - row['baseline']:+.4f}",
            )
        console.print(changed)


def write_per_query(path: str, results: list[TemplateRun], queries: dict[str, str]) -> list[str]:
    """A TSV row per query and template (every metric, latency), and a TREC run file per template beside it."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    first = results[0].scores
    assert first is not None
    written = [str(target)]
    with open(target, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, delimiter="\t", lineterminator="\n")
        out.writerow(["template", "query_id", *first.names, "latency_ms", "query"])
        for result in results:
            scores = result.scores
            assert scores is not None
            for i, qid in enumerate(scores.query_ids):
                values = [f"{scores.values[name][i]:.4f}" for name in scores.names]
                text = " ".join(queries.get(qid, "").split())  # one line, no tabs
                out.writerow([result.label, qid, *values, f"{result.latency_ms.get(qid, 0.0):.2f}", text])
    for result in results:
        run_file = target.with_name(f"{target.stem}.{result.label}.run")
        with open(run_file, "w", encoding="utf-8") as fh:
            # TREC run format: query-id Q0 doc-id rank score run-name (scores fall with rank)
            for qid, ids in result.runs.items():
                for rank, doc in enumerate(ids, start=1):
                    fh.write(f"{qid} Q0 {doc} {rank} {len(ids) - rank + 1} {result.label}\n")
        written.append(str(run_file))
    return written
