"""Diagnostics: stable codes, QueryError, caret rendering and the GraphQL error list."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .source import Source, Span

# Stable codes, grouped by stage: Q0xx text, Q1xx document, Q2xx arguments and values, Q3xx conflicts
# between arguments, Q4xx variables, Q5xx selections, Q6xx checks against the schema.
CODES = {
    "Q000": "empty query",
    "Q001": "syntax error",
    "Q002": "unexpected end of query",
    "Q003": "unexpected character",
    "Q004": "unterminated string",
    "Q005": "invalid escape in a string",
    "Q006": "invalid number",
    "Q007": "query nests too deeply",
    "Q101": "unsupported operation type",
    "Q102": "Explore is not supported",
    "Q103": "unknown root field",
    "Q104": "fragments are not supported",
    "Q105": "more than one operation",
    "Q106": "directives are not supported",
    "Q107": "two fields answer to the same key",
    "Q108": "a class needs a selection",
    "Q109": "Get takes no arguments or alias",
    "Q201": "unknown argument",
    "Q202": "wrong value type",
    "Q203": "missing required field",
    "Q204": "argument or field given twice",
    "Q205": "unknown input field",
    "Q206": "unknown enum value",
    "Q207": "value out of range",
    "Q208": "invalid where filter",
    "Q209": "invalid sort",
    "Q210": "unsupported argument",
    "Q301": "conflicting searches",
    "Q302": "certainty and distance together",
    "Q303": "sort with a keyword or hybrid search",
    "Q304": "hybrid alpha out of range",
    "Q305": "invalid cursor (after)",
    "Q306": "too many results",
    "Q307": "invalid nearText move",
    "Q308": "groupBy without a search",
    "Q309": "limit 0",
    "Q310": "rerank window smaller than the page",
    "Q311": "rerank without properties",
    "Q312": "conflicting fields",
    "Q313": "rerank window with groupBy",
    "Q401": "undefined variable",
    "Q402": "missing variable value",
    "Q403": "variable type mismatch",
    "Q404": "variable defined twice",
    "Q501": "unknown _additional field",
    "Q502": "unknown rerank field",
    "Q503": "selection required",
    "Q504": "selection not allowed",
    "Q505": "group selected without groupBy",
    "Q506": "unsupported selection",
    "Q601": "unknown class",
    "Q602": "unknown property",
    "Q603": "where value type does not fit the property",
    "Q604": "certainty with a non-cosine distance",
    "Q605": "rerank on a class without a reranker",
    "Q606": "unknown rerank property",
    "Q607": "property is not keyword-searchable",
    "Q608": "invalid sort key",
    "Q609": "search needs a vectorizer",
    "Q610": "filter needs an index setting",
    "Q611": "unknown reranker module",
    "Q612": "invalid groupBy property",
    "Q620": "unknown target vector",
    "Q621": "target vector required",
    "Q622": "several target vectors with certainty",
    "Q623": "unknown named vector selected",
    "Q630": "invalid cross-reference selection",
    "Q631": "invalid where path through a cross-reference",
    "Q701": "Aggregate limit without groupBy",
    "Q702": "Aggregate groupBy is not one property",
    "Q703": "aggregation not offered for the property's data type",
    "Q704": "vector search in Aggregate without a bound",
}


@dataclass
class Diagnostic:
    """One problem found in a query: a stable code, a message, where it is and what to do."""

    code: str
    message: str
    span: Span | None = None
    hint: str | None = None
    # The class field it concerns (["Get", key]); to_graphql never sends it (validation errors: path null).
    path: list[str | int] | None = None
    source: Source | None = field(default=None, repr=False, compare=False)

    def line_col(self, source: Source | None = None) -> tuple[int, int] | None:
        source = source or self.source
        if source is None or self.span is None:
            return None
        return source.line_col(self.span.start)

    @property
    def line(self) -> int | None:
        pos = self.line_col()
        return pos[0] if pos else None

    @property
    def column(self) -> int | None:
        pos = self.line_col()
        return pos[1] if pos else None

    def render(self, source: Source | None = None) -> str:
        return render_diagnostic(self, source or self.source)

    def to_graphql(self, source: Source | None = None) -> dict[str, Any]:
        """The GraphQL error entry. `path` is null: the front end's errors are validation errors (no data
        runs), which Weaviate reports with a null path; `self.path` only says which class field it concerns."""
        pos = self.line_col(source)
        extensions: dict[str, Any] = {"code": self.code}
        if self.hint:
            extensions["hint"] = self.hint
        return {
            "message": self.message,
            "locations": [{"line": pos[0], "column": pos[1]}] if pos else [],
            "path": None,
            "extensions": extensions,
        }


class QueryError(Exception):
    """The one error the front end raises: every diagnostic of a stage, rendered with carets."""

    def __init__(self, diagnostics: Sequence[Diagnostic] | Diagnostic, source: Source | None = None) -> None:
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics = list(diagnostics)
        self.source = source
        if source is not None:
            for diag in self.diagnostics:
                if diag.source is None:
                    diag.source = source
        super().__init__(self.diagnostics[0].message if self.diagnostics else "invalid query")

    @property
    def code(self) -> str:
        return self.diagnostics[0].code if self.diagnostics else "Q001"

    @property
    def message(self) -> str:
        return self.diagnostics[0].message if self.diagnostics else "invalid query"

    @property
    def hint(self) -> str | None:
        return self.diagnostics[0].hint if self.diagnostics else None

    def __str__(self) -> str:
        return render_diagnostics(self.diagnostics, self.source)

    def to_graphql(self) -> list[dict[str, Any]]:
        return [d.to_graphql(self.source) for d in self.diagnostics]


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate to a misspelt name, or None when nothing is close."""
    pool = [c for c in candidates if c != name]
    lowered = {c.lower(): c for c in pool}
    if name.lower() in lowered:
        return lowered[name.lower()]
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    return close[0] if close else None


def suggestion(name: str, candidates: Iterable[str]) -> str | None:
    """ "did you mean 'x'?" or None."""
    best = did_you_mean(name, candidates)
    return f"did you mean '{best}'?" if best else None


def render_diagnostics(diagnostics: Iterable[Diagnostic], source: Source | None = None) -> str:
    """Every diagnostic rendered with its caret, separated by blank lines."""
    return "\n\n".join(render_diagnostic(d, source or d.source) for d in diagnostics)


def render_diagnostic(diag: Diagnostic, source: Source | None) -> str:
    """`error[Q201]: message`, the location, one line of context each side, and a caret line."""
    head = f"error[{diag.code}]: {diag.message}"
    if source is None or diag.span is None:
        return head if not diag.hint else f"{head}\n  = hint: {diag.hint}"
    line, col = source.line_col(diag.span.start)
    first = max(1, line - 1)
    last = min(source.line_count, line + 1)
    if last > line and last == source.line_count and not source.line_text(last).strip():
        last = line  # the empty "line" after a text's final newline is no context
    width = len(str(last))
    gutter = " " * width
    out = [head, f"{gutter}--> {source.name}:{line}:{col}", f"{gutter} |"]
    for number in range(first, last + 1):
        text = source.line_text(number).replace("\t", " ")
        out.append(f"{number:>{width}} | {text}".rstrip())
        if number == line:
            out.append(f"{gutter} | {_carets(diag, source, line, col)}".rstrip())
    return "\n".join(out)


def _carets(diag: Diagnostic, source: Source, line: int, col: int) -> str:
    """Carets under the span on its first line (at least one), then the hint."""
    span = diag.span
    assert span is not None
    end_line, end_col = source.line_col(span.end)
    if end_line != line:
        end_col = len(source.line_text(line)) + 1
    width = max(1, end_col - col)
    marks = " " * (col - 1) + "^" * width
    return f"{marks} {diag.hint}" if diag.hint else marks
