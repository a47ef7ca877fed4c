"""The executor: logical plan to physical operators over the store, and GraphQL-shaped results."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from .executor import Executor, GetRun, response
from .explain import render

__all__ = ["PreparedQuery", "QueryEngine"]


def _empty_query_error() -> dict:
    return {"errors": [{"message": "query cannot be empty"}]}


class PreparedQuery:
    """A query text compiled once; run it many times with other variables."""

    def __init__(self, engine: QueryEngine, text: str) -> None:
        from rankql.dsl import compile_query

        self.engine = engine
        self.text = text
        self.compiled = compile_query(text)  # raises QueryError on a syntax error

    @property
    def source(self):
        return self.compiled.source

    def bind(self, variables: dict | None = None):
        """The bound, validated Query (QueryError when variables or the schema reject it)."""
        from rankql.dsl import QueryError, validate

        query = self.compiled.bind(variables)
        diagnostics = validate(query, self.engine.db.schema())
        if diagnostics:
            raise QueryError(diagnostics, self.source)
        return query

    def execute(self, variables: dict | None = None, headers: dict | None = None) -> list[GetRun]:
        query = self.bind(variables)
        return Executor(self.engine.db, self.source, headers=headers).run(query)

    def run(self, variables: dict | None = None, headers: dict | None = None) -> dict:
        """Weaviate's answer: {"data": {"Get": ...}} with "errors" when any; validation errors give no data."""
        from rankql.dsl import QueryError

        try:
            runs = self.execute(variables, headers)
        except QueryError as err:
            return {"errors": err.to_graphql()}
        return response(runs)

    def explain(
        self, variables: dict | None = None, analyze: bool = False, headers: dict | None = None
    ) -> str:
        """The plan of each class field; with analyze, run it and show rows, time and rerank work."""
        query = self.bind(variables)
        executor = Executor(self.engine.db, self.source, headers=headers)
        if analyze:
            return render(executor.run(query), analyze=True)
        runs = []
        for get in query.gets:
            run = GetRun(get)
            try:
                run.plan = executor.plan(get)
            except Exception as exc:  # noqa: BLE001 - shown as an Error line
                executor.fail(run, exc)
            runs.append(run)
        return render(runs)


class QueryEngine:
    """Runs Get queries on a Database; compiled queries are kept in a small LRU keyed by their text."""

    def __init__(self, db: Any, *, cache_size: int = 256) -> None:
        self.db = db
        self.cache_size = cache_size
        self._cache: OrderedDict[str, PreparedQuery] = OrderedDict()
        self._lock = threading.Lock()

    def prepare(self, text: str) -> PreparedQuery:
        with self._lock:
            prepared = self._cache.get(text)
            if prepared is not None:
                self._cache.move_to_end(text)
                return prepared
        prepared = PreparedQuery(self, text)
        with self._lock:
            self._cache[text] = prepared
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return prepared

    def query(self, text: str, variables: dict | None = None, *, headers: dict | None = None) -> dict:
        from rankql.dsl import QueryError

        if not text or not text.strip():
            return _empty_query_error()
        try:
            prepared = self.prepare(text)
        except QueryError as err:
            return {"errors": err.to_graphql()}
        return prepared.run(variables, headers)

    def explain(self, text: str, variables: dict | None = None, analyze: bool = False) -> str:
        return self.prepare(text).explain(variables, analyze=analyze)
