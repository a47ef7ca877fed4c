"""Explain: the plan tree as text, and with analyze the rows, time and rerank work of each operator."""

from __future__ import annotations

from rankql.dsl.plan import Rerank

from .executor import GetRun, OpStats


def render(runs: list[GetRun], *, analyze: bool = False) -> str:
    """One tree per class field, one node per line, two spaces per level; errors on their own line."""
    blocks: list[str] = []
    for run in runs:
        lines: list[str] = []
        if run.plan is not None:
            lines.append(run.plan.render(_annotator(run) if analyze else None))
        lines.extend(f"Error: {entry['message']}" for entry in run.errors if _is_error(entry))
        lines.extend(f"Warning: {entry['message']}" for entry in run.errors if not _is_error(entry))
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def _is_error(entry: dict) -> bool:
    return entry.get("extensions", {}).get("level") != "warning"


def _annotator(run: GetRun):
    def annotate(node) -> str:
        st = run.stats.get(id(node))
        if st is None:
            return "not run"
        parts = [_rows(st), f"{st.seconds * 1000:.3f} ms"]
        if isinstance(node, Rerank) and st.rerank is not None:
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
