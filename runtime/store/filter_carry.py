"""Where-filter answers carried across writes that only add and drop doc ids: only the new docs are evaluated."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
from rankql.dsl import ast

from .filter_cache import cache_key
from .thresholds import FILTER_CACHE_ENTRIES


class CarriedAnswers:
    """The allowed doc ids of the last few where filters on an ObjectTable, each with the doc ids it saw.

    A write that only adds doc ids and drops old ones (objects.ObjectTable: put, drop, skip) changes no
    live doc's properties, so an answer stays right for the docs it saw once the dropped ones are taken
    out (its ids that are no longer live), and only the docs added since need evaluating. Carried only
    for a filter whose answer for a doc depends on that doc alone (not WithinGeoRange, which keeps the
    nearest, nor a path through a reference, which reads another class) and under the same definition;
    ObjectTable.reset() starts a new one.
    """

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple, tuple[object, int, int, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()  # queries share a collection across threads

    def evaluate(
        self, where: ast.Where, collection: Any, evaluate: Callable[[ast.Where, Any], np.ndarray]
    ) -> np.ndarray:
        """evaluate(where, collection), from the answer on an earlier version where there is one."""
        key = cache_key(where)
        if key is None or not doc_local(where):
            return evaluate(where, collection)
        definition = collection.definition
        live = collection.live_mask()
        size = len(live)
        drops = collection.objects.drops
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and entry[0] is definition and entry[1] <= size and entry[2] <= drops:
            seen, before = entry[1], entry[3]
            ids = before if entry[2] == drops else before[live[before]]  # none dropped: all still live
            if seen < size:
                added = evaluate(where, Tail(collection, seen))
                ids = np.concatenate((ids, added + seen))
        else:
            ids = evaluate(where, collection)
        with self._lock:
            self._entries[key] = (definition, size, drops, ids)
            self._entries.move_to_end(key)
            while len(self._entries) > FILTER_CACHE_ENTRIES:
                self._entries.popitem(last=False)
        return ids


def doc_local(where: ast.Where) -> bool:
    """Whether the filter's answer for a doc depends on that doc (and whether it is live) alone."""
    if where.operator == "WithinGeoRange" or (where.path is not None and len(where.path) > 1):
        return False
    return all(doc_local(operand) for operand in where.operands)


class Tail:
    """The docs of a collection from `start` on, numbered from 0: what filters.evaluate reads of it."""

    def __init__(self, collection: Any, start: int) -> None:
        self._of = collection
        self._start = start
        self.name = collection.name
        self.definition = collection.definition
        self.class_schema = collection.class_schema
        self.stopwords = getattr(collection, "stopwords", None)

    def live_mask(self) -> np.ndarray:
        return self._of.live_mask()[self._start :]

    def live_ids(self) -> np.ndarray:
        return np.flatnonzero(self.live_mask()).astype(np.int64)

    def column(self, prop: str) -> list:
        return self._of.column(prop)[self._start :]

    def uuid_of(self, doc_id: int) -> str:
        return self._of.uuid_of(doc_id + self._start)

    def doc_id_of(self, uuid: str) -> int | None:
        doc = self._of.doc_id_of(uuid)
        return None if doc is None or doc < self._start else doc - self._start

    def created_ms(self, doc_id: int) -> int:
        return self._of.created_ms(doc_id + self._start)

    def updated_ms(self, doc_id: int) -> int:
        return self._of.updated_ms(doc_id + self._start)
