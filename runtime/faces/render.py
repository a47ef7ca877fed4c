"""Showing answers and errors to people: result tables, JSON, and errors with carets under the clause."""

from __future__ import annotations

import json
import math
from typing import Any

from rankql.dsl.source import Source
from rich.console import Console
from rich.table import Table


def to_json(value: Any) -> str:
    """The GraphQL answer as JSON text, as the HTTP endpoint would send it."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


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
        else:
            out[name] = value
    return out


def format_cell(value: Any, width: int = 80) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return "nan" if math.isnan(value) else f"{value:.4f}" if abs(value) < 1e6 else f"{value:.4g}"
    if isinstance(value, list):
        if value and all(isinstance(v, float) for v in value) and len(value) > 4:
            return "[" + ", ".join(f"{v:.3f}" for v in value[:3]) + f", … {len(value)} values]"
        text = ", ".join(format_cell(v, width) for v in value)
    elif isinstance(value, dict):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def answer_tables(answer: dict[str, Any]) -> list[Table]:
    """A rich table per Get field of the answer (a null field shows as an empty titled table)."""
    tables = []
    data = answer.get("data") or {}
    for key, rows in (data.get("Get") or {}).items():
        table = Table(title=f"{key} ({'null' if rows is None else len(rows)})", title_justify="left")
        flat = [flatten(row) for row in rows or []]
        columns: list[str] = []
        for row in flat:
            columns.extend(c for c in row if c not in columns)
        table.add_column("#", justify="right", style="dim")
        for column in columns:
            numeric = all(isinstance(r.get(column), int | float) or r.get(column) is None for r in flat)
            table.add_column(column, justify="right" if numeric else "left", overflow="fold")
        for position, row in enumerate(flat, start=1):
            table.add_row(str(position), *(format_cell(row.get(c)) for c in columns))
        tables.append(table)
    return tables


def print_answer(answer: dict[str, Any], console: Console, fmt: str = "table") -> None:
    """Data to the console as tables or JSON (errors are shown separately, see error_text)."""
    if fmt == "json":
        console.print_json(to_json(answer)) if console.is_terminal else console.out(to_json(answer))
        return
    for table in answer_tables(answer):
        console.print(table)


def error_entries_text(errors: list[dict[str, Any]], source: Source) -> str:
    """GraphQL error entries rendered with the line they point at and a caret under the column."""
    blocks = []
    for entry in errors:
        code = ((entry.get("extensions") or {}).get("code")) or "error"
        head = f"error[{code}]: {entry.get('message', '')}"
        locations = entry.get("locations") or []
        if not locations:
            blocks.append(head)
            continue
        line, column = locations[0].get("line", 1), locations[0].get("column", 1)
        gutter = " " * len(str(line))
        blocks.append(
            "\n".join(
                [
                    head,
                    f"{gutter}--> {source.name}:{line}:{column}",
                    f"{gutter} |",
                    f"{line} | {source.line_text(line)}",
                    f"{gutter} | {' ' * (column - 1)}^",
                ]
            )
        )
    return "\n\n".join(blocks)


def diagnose(text: str, variables: dict[str, Any] | None, schema: Any, name: str) -> str | None:
    """The front end's own rendering (full-span carets, hints) when it finds the query wrong."""
    try:
        from rankql.dsl import QueryError, parse, render_diagnostics, validate
    except ImportError:  # the front end is older than this face
        return None
    try:
        query = parse(text, variables=variables, name=name)
    except QueryError as exc:
        return str(exc)
    except Exception:
        return None
    try:
        diagnostics = validate(query, schema) if schema is not None else []
    except Exception:
        return None
    if not diagnostics:
        return None
    return render_diagnostics(diagnostics, Source(text, name))


def answer_errors_text(
    answer: dict[str, Any], text: str, variables: dict[str, Any] | None, schema: Any, name: str
) -> str | None:
    """Everything wrong with an answer as readable text, or None when it has no errors."""
    errors = answer.get("errors") or []
    if not errors:
        return None
    if answer.get("data") is None:  # a validation error: the front end says it best
        rendered = diagnose(text, variables, schema, name)
        if rendered:
            return rendered
    return error_entries_text(errors, Source(text, name))
