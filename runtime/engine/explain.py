"""Explain: the logical and physical plans as text; with analyze, rows, time and choices on the physical one."""

from __future__ import annotations

from collections.abc import Callable

from .executor import GetRun, OpStats
from .physical import PhysicalNode, RerankBatch


def render(runs: list[GetRun], *, analyze: bool = False) -> str:
    """Per class field: `logical plan` and `physical plan`, each a tree of one node per line, two spaces
    per level; errors and warnings on their own lines."""
    blocks: list[str] = []
    for run in runs:
        lines: list[str] = []
        if run.plan is not None:
            lines += ["logical plan", run.plan.render(indent=1)]
        if run.physical is not None:
            lines += ["physical plan", run.physical.render(_annotator(run) if analyze else None, indent=1)]
        lines.extend(f"Error: {entry['message']}" for entry in run.errors if _is_error(entry))
        lines.extend(f"Warning: {entry['message']}" for entry in run.errors if not _is_error(entry))
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def _is_error(entry: dict) -> bool:
    return entry.get("extensions", {}).get("level") != "warning"


def _annotator(run: GetRun) -> Callable[[PhysicalNode], str]:
    def annotate(node: PhysicalNode) -> str:
        st = run.stats.get(id(node))
        if st is None:
            return "not run"
        parts = [_rows(st), f"{st.seconds * 1000:.3f} ms"]
        if st.note:
            parts.append(st.note)
        if isinstance(node, RerankBatch) and st.rerank is not None:
            r = st.rerank
            parts.append(
                f"model calls {r.model_calls}, batches {r.batches}, documents {r.documents}, "
                f"cache hits {r.cache_hits}, misses {r.cache_misses}"
            )
        return ", ".join(parts)

    return annotate


def _rows(st: OpStats) -> str:
    if not st.rows_in:
        return f"rows {st.rows_out}"
    return f"rows {'+'.join(str(n) for n in st.rows_in)}→{st.rows_out}"
