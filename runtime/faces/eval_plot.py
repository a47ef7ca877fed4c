"""`rankql eval --plot`: metric bars per template and per-query deltas against the baseline, as PNG or HTML.

matplotlib draws it through its Agg canvas (no display, no pyplot state, so it works over ssh and in CI);
the HTML page embeds the same PNG beside the figures as a table, so it needs no JavaScript or network.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any

from .eval_report import CHANGED_METRIC
from .eval_stats import TemplateRun

COLORS = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c")


def render_png(summary: dict[str, Any], results: list[TemplateRun], baseline: TemplateRun | None) -> bytes:
    """The figure as PNG bytes: mean metrics as grouped bars; sorted per-query deltas when there is a baseline."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    compared = [r for r in results if baseline is not None and r is not baseline]
    figure = Figure(figsize=(12 if compared else 7, 4.5), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(1, 2 if compared else 1, squeeze=False)[0]
    _metric_bars(axes[0], summary, results)
    if compared and baseline is not None:
        _delta_curves(axes[1], compared, baseline)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _metric_bars(ax: Any, summary: dict[str, Any], results: list[TemplateRun]) -> None:
    entries = summary["templates"]
    names = list(entries[0]["metrics"])
    width = 0.8 / len(entries)
    for index, entry in enumerate(entries):
        positions = [m + (index - (len(entries) - 1) / 2) * width for m in range(len(names))]
        values = [entry["metrics"][n] for n in names]
        label = entry["label"] + (" (baseline)" if entry["template"] == summary["baseline"] else "")
        bars = ax.bar(positions, values, width, label=label, color=COLORS[index % len(COLORS)])
        ax.bar_label(bars, fmt="%.3f", fontsize=7, padding=2)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylim(0, 1.3)  # room above the bars for the legend
    ax.set_title(f"mean over {summary['queries_judged']} judged queries")
    ax.legend(fontsize=8, loc="upper center", ncol=min(3, len(entries)), frameon=False)


def _delta_curves(ax: Any, compared: list[TemplateRun], baseline: TemplateRun) -> None:
    from matplotlib.ticker import MaxNLocator

    old = baseline.scores
    assert old is not None
    for index, result in enumerate(compared, start=1):
        new = result.scores
        assert new is not None
        delta = sorted(new.values[CHANGED_METRIC] - old.values[CHANGED_METRIC], reverse=True)
        color = COLORS[index % len(COLORS)]
        # steps, not bars: several templates' curves stay readable on one axis
        positions = range(1, len(delta) + 1)
        ax.plot(positions, delta, drawstyle="steps-mid", color=color, linewidth=1.6, label=result.label)
        ax.fill_between(positions, delta, step="mid", color=color, alpha=0.15)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("queries, each template's sorted by its delta")
    ax.set_ylabel(f"{CHANGED_METRIC} minus baseline")
    ax.set_title(f"per-query {CHANGED_METRIC} delta against {baseline.label}")
    ax.legend(fontsize=8)


def render_html(summary: dict[str, Any], png: bytes) -> str:
    """A standalone page: the plot (inline PNG) and the figures as tables."""
    rows = []
    names = list(summary["templates"][0]["metrics"])
    for entry in summary["templates"]:
        cells = [html.escape(entry["label"])] + [f"{entry['metrics'][n]:.4f}" for n in names]
        cells.append(f"{entry['latency_ms']['mean']:.1f}")
        for name in names:
            fig = (entry.get("versus_baseline") or {}).get(name)
            cells.append(f"{fig['delta']:+.4f} ({fig['wins']}/{fig['ties']}/{fig['losses']})" if fig else "")
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = ["template", *names, "ms/query", *(f"Δ {n} (win/tie/loss)" for n in names)]
    image = base64.b64encode(png).decode("ascii")
    return (
        "<!doctype html>\n<html><head><meta charset='utf-8'><title>rankql eval</title>"
        "<style>body{font-family:sans-serif}td,th{padding:2px 8px;text-align:right}</style></head><body>\n"
        f"<h1>rankql eval: {summary['queries_judged']} judged queries</h1>\n"
        f"<img alt='metric bars and per-query deltas' src='data:image/png;base64,{image}'>\n"
        "<table><tr>"
        + "".join(f"<th>{html.escape(h)}</th>" for h in head)
        + "</tr>\n"
        + "\n".join(rows)
        + "\n</table></body></html>\n"
    )


def write_plot(
    path: str, summary: dict[str, Any], results: list[TemplateRun], baseline: TemplateRun | None
) -> None:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    png = render_png(summary, results, baseline)
    if target.suffix.lower() == ".html":
        target.write_text(render_html(summary, png), encoding="utf-8")
    else:
        target.write_bytes(png)
