"""Answers as tables for people: one row per object, groups as nested rows, a vertical layout when wide."""

from __future__ import annotations

import json
import math
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

# Below this many characters a column is too narrow to read; a table that would need it goes vertical.
MIN_COLUMN = 12
CELL_WIDTH = 80  # longer text is cut with '…' in a table column
VERTICAL_CELL_WIDTH = 1000
# Vectors are long and rarely read digit by digit: the first few values and the length.
VECTOR_HEAD = 3


def flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    """One result object as columns: _additional fields appear by name ('distance', 'rerank.score')."""
    if not isinstance(obj, dict):
        return {prefix or "value": obj}
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = key if key == "_additional" else (f"{prefix}.{key}" if prefix else key)
        if key == "_additional" and isinstance(value, dict):
            out.update(flatten(value, prefix))
        elif isinstance(value, list) and len(value) == 1 and isinstance(value[0], dict) and key == "rerank":
            out.update(flatten(value[0], name))
        elif isinstance(value, dict) and key in ("rerank", "groupedBy"):
            out.update(flatten(value, name))
        elif key == "explainScore" and isinstance(value, str):
            # Weaviate joins the BM25F terms with a leading ", " (usecases/traverser); a cell reads better without
            out[name] = value.removeprefix(", ")
        else:
            out[name] = value
    return out


def format_cell(value: Any, width: int = 80) -> str:
    """A value as text: numbers exactly as the answer holds them, vectors shortened, long text cut."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)
    if isinstance(value, list):
        if len(value) > VECTOR_HEAD + 1 and all(isinstance(v, float) for v in value):
            head = ", ".join(repr(v) for v in value[:VECTOR_HEAD])
            return f"[{head}, … {len(value)} values]"
        text = ", ".join(format_cell(v, width) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _group_rows(rows: list[Any]) -> list[tuple[str | None, dict[str, Any]]] | None:
    """(group label, hit columns) per hit when the rows are groupBy groups, else None."""
    if not rows or not all(isinstance(r, dict) and isinstance(_group_of(r), dict) for r in rows):
        return None
    out: list[tuple[str | None, dict[str, Any]]] = []
    for row in rows:
        group = _group_of(row)
        by = group.get("groupedBy") or {}
        label = f"{group.get('id', '?')}"
        if by:
            label += f" {'.'.join(map(str, by.get('path') or []))}={format_cell(by.get('value'), 40)}"
        if "count" in group:
            label += f" ({group['count']})"
        hits = group.get("hits") or []
        if not hits:
            out.append((label, {}))
        for position, hit in enumerate(hits):
            out.append((label if position == 0 else None, flatten(hit)))
    return out


def _group_of(row: dict[str, Any]) -> Any:
    return (row.get("_additional") or {}).get("group")


def _columns(flat: list[dict[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in flat:
        columns.extend(c for c in row if c not in columns)
    return columns


def _needs_vertical(header: list[str], cells: list[list[str]], width: int) -> bool:
    """True when the columns, each given its natural width or MIN_COLUMN, do not fit the console."""
    total = 1
    for index, name in enumerate(header):
        natural = max([len(name), *(len(row[index]) for row in cells)])
        total += min(natural, max(MIN_COLUMN, len(name))) + 3
    return total > width


def field_renderable(key: str, rows: list[Any], width: int) -> RenderableType:
    """One Get field of an answer: a table, or label/value blocks (psql's \\x) when too wide."""
    title = f"{key} ({len(rows)})"
    grouped = _group_rows(rows)
    labels: list[str | None] = [label for label, _ in grouped] if grouped else []
    flat = [hit for _, hit in grouped] if grouped else [flatten(row) for row in rows]
    columns = _columns(flat)
    header = (["group"] if grouped else ["#"]) + columns

    def cells_of(cell_width: int) -> list[list[str]]:
        return [
            [
                (labels[i] or "") if grouped else str(i + 1),
                *(format_cell(row.get(c), cell_width) for c in columns),
            ]
            for i, row in enumerate(flat)
        ]

    cells = cells_of(CELL_WIDTH)
    if _needs_vertical(header, cells, width):  # each value on its own line: long text can be shown whole
        return _vertical(title, header, cells_of(VERTICAL_CELL_WIDTH), grouped is not None)
    table = Table(title=title, title_justify="left")
    table.add_column(header[0], justify="left" if grouped else "right", style="dim")
    for column in columns:
        numeric = all(isinstance(r.get(column), int | float) or r.get(column) is None for r in flat)
        table.add_column(column, justify="right" if numeric else "left", overflow="fold")
    for index, row in enumerate(cells):
        table.add_row(
            *row, end_section=grouped is not None and index + 1 < len(cells) and bool(labels[index + 1])
        )
    return table


def _vertical(title: str, header: list[str], cells: list[list[str]], grouped: bool) -> RenderableType:
    """Each object as 'name | value' lines under a numbered rule, as psql's expanded display."""
    width = max(len(name) for name in header[1:]) if len(header) > 1 else 1
    parts: list[RenderableType] = [Text(title, style="italic")]
    group = None
    for number, row in enumerate(cells, start=1):
        if grouped and row[0]:
            group = row[0]
            parts.append(Text(f"group {group}", style="bold"))
        parts.append(Text(f"-[ {number} ]" + "-" * max(0, width - 2), style="dim"))
        for name, value in zip(header[1:], row[1:], strict=True):
            parts.append(Text(f"{name.ljust(width)} | {value}"))
    return Group(*parts)


def answer_tables(answer: dict[str, Any], width: int = 120) -> list[RenderableType]:
    """A table per Get and Aggregate field (an Aggregate row per group); a null field (its error is shown
    instead) has none."""
    data = answer.get("data") or {}
    aggregates = [
        (key, None if rows is None else [_aggregate_row(r) for r in rows])
        for key, rows in (data.get("Aggregate") or {}).items()
    ]
    fields = [*(data.get("Get") or {}).items(), *aggregates]
    return [field_renderable(key, rows, width) for key, rows in fields if rows is not None]


def _aggregate_row(entry: dict[str, Any]) -> dict[str, Any]:
    """An Aggregate entry as columns: 'meta.count', 'price.mean', 'groupedBy.value'."""
    out: dict[str, Any] = {}
    for key, value in entry.items():
        if isinstance(value, dict):
            out.update({f"{key}.{sub}": v for sub, v in value.items()})
        else:
            out[key] = value
    return out
