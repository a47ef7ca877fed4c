"""Showing answers and errors to people: JSON, tables (tables.py), and errors with carets under the clause."""

from __future__ import annotations

import json
import re
from typing import Any

from rankql.dsl import QueryError, parse, render_diagnostics
from rankql.dsl.diagnostics import Diagnostic
from rankql.dsl.source import Source, Span
from rich.console import Console

from .tables import answer_tables

_WORD = re.compile(r"[A-Za-z_]\w*")
_MISSING_VARIABLE = re.compile(r'Variable "\$(\w+)" of required type "([^"]+)" was not provided')


def to_json(value: Any) -> str:
    """The GraphQL answer as JSON text, as the HTTP endpoint would send it."""
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def print_answer(answer: dict[str, Any], console: Console, fmt: str = "table") -> None:
    """Data to the console as tables or JSON (errors are shown separately, see error_text)."""
    if fmt == "json":
        console.print_json(to_json(answer)) if console.is_terminal else console.out(to_json(answer))
        return
    for table in answer_tables(answer, console.width):
        console.print(table)


def error_entries_text(errors: list[dict[str, Any]], source: Source) -> str:
    """GraphQL error entries rendered as the front end renders its own: location, carets, hint."""
    return render_diagnostics([_as_diagnostic(entry, source) for entry in errors], source)


def _as_diagnostic(entry: dict[str, Any], source: Source) -> Diagnostic:
    """A run-time error entry as a Diagnostic: its code, message, hint, and a span at its location."""
    extensions = entry.get("extensions") or {}
    locations = entry.get("locations") or []
    span = None
    if locations:
        line = max(1, min(int(locations[0].get("line", 1)), source.line_count))
        column = max(1, int(locations[0].get("column", 1)))
        line_start = sum(len(source.line_text(n)) + 1 for n in range(1, line))
        start = min(len(source.text), line_start + column - 1)
        word = _WORD.match(source.text, start)
        span = Span(start, word.end() if word else start + 1)
    return Diagnostic(
        code=extensions.get("code") or "error",
        message=entry.get("message", ""),
        span=span,
        hint=extensions.get("hint"),
    )


def diagnose(
    text: str, variables: dict[str, Any] | None, schema: Any, name: str, set_variable: str | None = None
) -> str | None:
    """The front end's own rendering (full-span carets, hints) when it finds the query wrong."""
    try:
        parse(text, variables=variables, name=name, schema=schema)  # binding and schema problems at once
    except QueryError as exc:
        if set_variable:
            for diagnostic in exc.diagnostics:
                _variable_hint(diagnostic, set_variable)
        return str(exc)
    except Exception:
        return None
    return None


def _variable_hint(diagnostic: Diagnostic, set_variable: str) -> None:
    """A missing variable's hint in the words of the face that runs the query (the front end's are Python's)."""
    missing = _MISSING_VARIABLE.match(diagnostic.message)
    if diagnostic.code != "Q402" or missing is None:
        return
    name, type_name = missing.groups()
    how = set_variable.format(json.dumps({name: "..."}).replace('"..."', "..."))
    diagnostic.hint = f"set it with {how}, or give it a default: ${name}: {type_name} = ..."


def answer_errors_text(
    answer: dict[str, Any],
    text: str,
    variables: dict[str, Any] | None,
    schema: Any,
    name: str,
    set_variable: str | None = None,
) -> str | None:
    """Everything wrong with an answer as readable text, or None when it has no errors.

    set_variable says how this face sets a variable, '{}' standing for a JSON object: ".vars {}".
    """
    errors = answer.get("errors") or []
    if not errors:
        return None
    if answer.get("data") is None:  # a validation error: the front end says it best
        rendered = diagnose(text, variables, schema, name, set_variable)
        if rendered:
            return rendered
    return error_entries_text(errors, Source(text, name))
