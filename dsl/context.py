"""The binding context: diagnostics collected, variables resolved, and the path of the field being bound."""

from __future__ import annotations

from typing import Any

from .diagnostics import Diagnostic
from .source import Span
from .syntax import SyntaxNode, Value, VariableDefinition


class BindContext:
    """What every binding function shares; it records problems and never raises them.

    The clause functions (values.py, arguments.py, keyword_args.py, where_args.py, sort_group_args.py,
    rerank_args.py, selection.py) take it first and return a typed AST piece, or None when they
    recorded a diagnostic; the binder raises the collected diagnostics once.
    """

    __slots__ = ("diagnostics", "given", "definitions", "resolved", "broken", "path", "failures")

    def __init__(self, variables: dict[str, Any] | None = None) -> None:
        self.diagnostics: list[Diagnostic] = []
        self.given: dict[str, Any] = variables or {}  # the variables mapping as passed (JSON values)
        self.definitions: dict[str, VariableDefinition] = {}
        self.resolved: dict[str, Value | None] = {}
        self.broken: set[str] = set()  # variables whose value was refused
        self.path: list[str | int] | None = None  # response path of the class field being bound
        self.failures = 0  # diagnostics plus uses of variables already diagnosed: no cascades

    def error(
        self,
        code: str,
        message: str,
        node: SyntaxNode | Span | None,
        hint: str | None = None,
        path: list[str | int] | None = None,
    ) -> None:
        """Record one diagnostic at a node (or span); path defaults to the class field being bound."""
        span = node if isinstance(node, Span) or node is None else Span(node.start, node.end)
        self.failures += 1
        self.diagnostics.append(
            Diagnostic(code, message, span, hint, path if path is not None else self.path)
        )

    def failed(self, mark: int) -> bool:
        """Whether anything failed since self.failures was mark (a diagnostic, or a broken variable used)."""
        return self.failures > mark
