"""Where-filter results kept across writes: a repeated filter is not evaluated again, and after a write only over the objects written since."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
from rankql.dsl import ast

from .filter_carry import Tail, doc_local
from .thresholds import FILTER_CACHE_ENTRIES

_SLOT = ("filters",)  # the key of a table's FilterCache among the values it keeps across writes


class FilterCache:
    """The allowed doc ids of the last few where filters on one ObjectTable, kept across its writes.

    Each answer keeps the class definition it was computed under, how many doc ids the table had and its
    count of drops then: it is served whole while all three are the same. Writes only add doc ids and drop
    old ones (ObjectTable: put, drop, skip; any other change calls reset(), which starts a new cache), so
    the answer of a filter whose result for a doc depends on that doc alone (filter_carry.doc_local) is
    carried forward: the ids no longer live taken out, and only the docs added since evaluated. Other
    filters (WithinGeoRange keeps the nearest matches) are evaluated again after a write.
    """

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple, tuple[object, int, int, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()  # queries share a collection across threads

    def allowed(
        self, where: ast.Where, collection: Any, evaluate: Callable[[ast.Where, Any], np.ndarray]
    ) -> np.ndarray:
        """evaluate(where, collection), read-only, from an earlier answer where there is one."""
        key = cache_key(where)
        if key is None:
            return evaluate(where, collection)
        definition = collection.definition
        live = collection.live_mask()
        size, drops = len(live), collection.objects.drops
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] is definition and entry[1] == size and entry[2] == drops:
                self._entries.move_to_end(key)
                return entry[3]
        if (
            entry is not None
            and entry[0] is definition
            and entry[1] <= size
            and entry[2] <= drops
            and doc_local(where)
        ):
            seen, before = entry[1], entry[3]
            ids = before if entry[2] == drops else before[live[before]]  # none dropped: all still live
            if seen < size:
                ids = np.concatenate((ids, evaluate(where, Tail(collection, seen)) + seen))
        else:
            ids = evaluate(where, collection)
        if not ids.flags.owndata:
            ids = ids.copy()
        # Shared by the queries that repeat this filter; read-only and owning its data, so that the vector
        # index may keep what it made of it (VectorIndex._graph_allowed)
        ids.flags.writeable = False
        with self._lock:
            self._entries[key] = (definition, size, drops, ids)
            self._entries.move_to_end(key)
            while len(self._entries) > FILTER_CACHE_ENTRIES:
                self._entries.popitem(last=False)
        return ids


def cached_filter(
    where: ast.Where, collection: Any, evaluate: Callable[[ast.Where, Any], np.ndarray]
) -> np.ndarray:
    """The allowed doc ids of `where` on `collection` (evaluate's answer), kept across writes."""
    cache = collection.objects.kept(_SLOT, FilterCache)
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
