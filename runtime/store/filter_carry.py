"""What carrying a where-filter answer across writes needs: which filters it holds for, and the new docs as a collection."""

from __future__ import annotations

from typing import Any

import numpy as np
from rankql.dsl import ast


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
