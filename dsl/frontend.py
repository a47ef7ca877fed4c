"""The front end's entry points: compile a query text once, bind it with variables many times."""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import Any

from . import ast
from .binder import bind
from .diagnostics import Diagnostic, QueryError
from .lalr import ParseFailure, parse_document
from .schema import Schema
from .source import Source, Span
from .syntax import Document
from .syntax_errors import failure_diagnostic
from .validate import validate

_CACHE_SIZE = 512
_cache: OrderedDict[str, Document] = OrderedDict()
_cache_lock = Lock()


class CompiledQuery:
    """A parsed query text: bind(variables) gives the typed AST; the syntax tree is parsed once."""

    __slots__ = ("text", "name", "document", "_source")

    def __init__(self, text: str, document: Document, name: str = "<query>") -> None:
        self.text, self.document, self.name = text, document, name
        self._source: Source | None = None

    @property
    def source(self) -> Source:
        if self._source is None:
            self._source = Source(self.text, self.name)
        return self._source

    @property
    def variable_names(self) -> list[str]:
        ops = self.document.operations
        return [v.name.value for v in ops[0].variables] if ops else []

    def bind(self, variables: dict[str, Any] | None = None, schema: Schema | None = None) -> ast.Query:
        """The typed AST with these variables, checked against schema when given; raises QueryError with
        every diagnostic of binding and of the schema checks (run over what bound), in source order."""
        if variables is not None and not isinstance(variables, dict):
            diag = Diagnostic(
                "Q403",
                f"variables must be a JSON object, got {type(variables).__name__}",
                None,
                "pass a dict such as {'limit': 10}",
            )
            raise QueryError([diag], self.source)
        query, diagnostics = bind(self.document, variables)
        if schema is not None and query is not None:
            diagnostics = diagnostics + validate(query, schema)
        if diagnostics:
            raise QueryError(in_source_order(diagnostics), self.source)
        assert query is not None
        return query


def in_source_order(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Each diagnostic once, by where it starts (those without a place first); ties keep their order."""
    seen: set[tuple[str, str, tuple[int, int] | None]] = set()
    unique = []
    for diag in diagnostics:
        where = (diag.span.start, diag.span.end) if diag.span is not None else None
        key = (diag.code, diag.message, where)
        if key not in seen:
            seen.add(key)
            unique.append(diag)
    return sorted(unique, key=lambda d: -1 if d.span is None else d.span.start)


def parse_syntax(text: str, name: str = "<query>") -> Document:
    """The syntax tree of a query text, uncached; raises QueryError."""
    if not isinstance(text, str):
        raise QueryError([Diagnostic("Q000", f"a query is text, got {type(text).__name__}")], None)
    try:
        return parse_document(text)
    except ParseFailure as failure:
        source = Source(text, name)
        diag = failure_diagnostic(failure, source)
        if diag.code == "Q002" and not failure.context.get("values"):
            diag = Diagnostic(
                "Q000",
                "query cannot be empty",
                Span(0, 0),
                "write a query such as { Get { Article { title } } }",
            )
        raise QueryError([diag], source) from None
    except RecursionError:  # the driver does not recurse; this guards a future change
        raise QueryError([Diagnostic("Q007", "the query nests too deeply")], Source(text, name)) from None


def compile_query(text: str, *, name: str = "<query>", cache: bool = True) -> CompiledQuery:
    """Parse once; the syntax tree is cached by text (cache=False parses anew, as the benchmark does)."""
    if not cache:
        return CompiledQuery(text, parse_syntax(text, name), name)
    with _cache_lock:
        document = _cache.get(text) if isinstance(text, str) else None
        if document is not None:
            _cache.move_to_end(text)
    if document is None:
        document = parse_syntax(text, name)
        with _cache_lock:
            _cache[text] = document
            if len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
    return CompiledQuery(text, document, name)


def parse(
    text: str, *, variables: dict[str, Any] | None = None, name: str = "<query>", schema: Schema | None = None
) -> ast.Query:
    """Query text to the typed AST (checked against schema when given); raises QueryError (and nothing
    else) for any input, with every problem binding and the schema checks find."""
    return compile_query(text, name=name).bind(variables, schema)
