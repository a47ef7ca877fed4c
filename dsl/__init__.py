"""The rankql query language: grammar binding, typed AST, diagnostics, validation, printing, plans."""

from .ast import Query
from .diagnostics import Diagnostic, QueryError, render_diagnostics
from .frontend import CompiledQuery, compile_query, parse
from .printer import print_query
from .validate import validate

__all__ = [
    "CompiledQuery",
    "Diagnostic",
    "Query",
    "QueryError",
    "compile_query",
    "parse",
    "print_query",
    "render_diagnostics",
    "validate",
]
