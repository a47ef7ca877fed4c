"""Where-filter results kept until the collection's next write, so that a repeated filter is not evaluated again."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
from rankql.dsl import ast

from .thresholds import FILTER_CACHE_ENTRIES

_SLOT = ("filters",)  # the key of a table's FilterCache among its cached views


class FilterCache:
    """The allowed doc ids of the last few where filters on one version of an ObjectTable.

    It lives among the table's cached views (ObjectTable.cached), which every write clears; each entry also
    keeps the table version and the class definition it was computed on, and is served only while both are
    the same (an evaluation that raced a write outside the database's guard is never served).
    """

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple, tuple[int, object, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()  # queries share a collection across threads

    def allowed(
        self, where: ast.Where, collection: Any, evaluate: Callable[[ast.Where, Any], np.ndarray]
    ) -> np.ndarray:
        """evaluate(where, collection), read-only, from the cache when this filter was evaluated since the
        last write."""
        key = cache_key(where)
        if key is None:
            return evaluate(where, collection)
        version, definition = collection.objects.version, collection.definition
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] == version and entry[1] is definition:
                self._entries.move_to_end(key)
                return entry[2]
        ids = evaluate(where, collection)
        if not ids.flags.owndata:
            ids = ids.copy()
        # Shared by the queries that repeat this filter; read-only and owning its data, so that the vector
        # index may keep what it made of it (VectorIndex._graph_allowed)
        ids.flags.writeable = False
        with self._lock:
            self._entries[key] = (version, definition, ids)
            self._entries.move_to_end(key)
            while len(self._entries) > FILTER_CACHE_ENTRIES:
                self._entries.popitem(last=False)
        return ids


def cached_filter(
    where: ast.Where, collection: Any, evaluate: Callable[[ast.Where, Any], np.ndarray]
) -> np.ndarray:
    """The allowed doc ids of `where` on `collection` (evaluate's answer), kept until the next write."""
    cache = collection.objects.cached(_SLOT, FilterCache)
    return cache.allowed(where, collection, evaluate)


def cache_key(where: ast.Where) -> tuple | None:
    """The filter as a hashable key (each operator, path, value type and value with its type; the source
    span left out), or None when it is not kept: a path through a cross-reference reads the referenced
    class, whose writes this collection does not see, and a value of a type not listed here."""
    path = where.path
    if path is not None and len(path) > 1:
        return None
    value = _value_key(where.value)
    if value is None:
        return None
    operands = []
    for operand in where.operands:
        key = cache_key(operand)
        if key is None:
            return None
        operands.append(key)
    return (where.operator, None if path is None else tuple(path), where.value_type, value, tuple(operands))


_SCALARS = (str, int, float, bool, type(None))


def _value_key(value: object) -> tuple | None:
    kind = type(value)
    if kind in _SCALARS:
        # The type beside the value (1, 1.0 and True are equal keys otherwise); a float by repr (NaN is
        # not equal to itself)
        return (kind.__name__, repr(value) if kind is float else value)
    if kind is list or kind is tuple:
        items = [_value_key(item) for item in value]  # type: ignore[attr-defined]
        return None if any(item is None for item in items) else ("list", *items)
    if kind is ast.GeoRange:
        assert isinstance(value, ast.GeoRange)
        return ("geo", repr(value.latitude), repr(value.longitude), repr(value.max_distance))
    return None
