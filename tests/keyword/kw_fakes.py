"""A minimal stand-in for the store's Collection: the members filters.evaluate reads, over plain lists."""

from __future__ import annotations

import uuid as uuid_module

import numpy as np
from rankql.dsl.schema import ClassSchema, PropertySchema
from rankql.runtime.store.stopwords import Stopwords


class FakeCollection:
    """Objects as dicts by dense doc id; deleted ids stay as None (ids are never reused)."""

    def __init__(
        self,
        name: str,
        properties: dict[str, str],
        tokenization: dict[str, str] | None = None,
        stopwords: Stopwords | None = None,
    ) -> None:
        tokenization = tokenization or {}
        self.class_schema = ClassSchema(
            name=name,
            properties=[
                PropertySchema(
                    name=p,
                    data_type=t,
                    tokenization=tokenization.get(p, "word") if t.startswith("text") else None,
                )
                for p, t in properties.items()
            ],
        )
        self.stopwords = stopwords or Stopwords()
        self.objects: list[dict | None] = []
        self.uuids: list[str] = []
        self.created: list[int] = []
        self.updated: list[int] = []
        self._columns: dict[str, list] = {}

    def insert(
        self, properties: dict, uuid: str | None = None, created: int = 0, updated: int | None = None
    ) -> int:
        doc = len(self.objects)
        self.objects.append(dict(properties))
        self.uuids.append(uuid or str(uuid_module.uuid5(uuid_module.NAMESPACE_DNS, f"doc-{doc}")))
        self.created.append(created)
        self.updated.append(created if updated is None else updated)
        self._columns.clear()
        return doc

    def delete(self, doc: int) -> None:
        self.objects[doc] = None
        self._columns.clear()

    def update(self, doc: int, properties: dict) -> None:
        self.objects[doc] = dict(properties)
        self._columns.clear()

    def live_ids(self) -> np.ndarray:
        return np.asarray([i for i, o in enumerate(self.objects) if o is not None], np.int64)

    def column(self, prop: str) -> list:
        if prop not in self._columns:  # a new list after every write, as the store's cache does
            self._columns[prop] = [None if o is None else o.get(prop) for o in self.objects]
        return self._columns[prop]

    def uuid_of(self, doc: int) -> str:
        return self.uuids[doc]

    def created_ms(self, doc: int) -> int:
        return self.created[doc]

    def updated_ms(self, doc: int) -> int:
        return self.updated[doc]
