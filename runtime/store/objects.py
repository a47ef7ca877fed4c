"""The object table: uuids, properties and times by dense doc id, with read caches cleared on every write."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .uuid_order import UuidOrder

_DROPS_KEPT = 100_000  # dropped doc ids remembered for the uuid order beyond the live count


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(slots=True)
class ObjectResult:
    """The outcome of one object of a batch: its uuid, and the error when it was not stored."""

    index: int
    id: str | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class BatchResult:
    """Per-object results of insert_many, in input order."""

    results: list[ObjectResult] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.results)

    def __iter__(self):
        return iter(self.results)

    def __getitem__(self, i: int) -> ObjectResult:
        return self.results[i]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def errors(self) -> list[ObjectResult]:
        return [r for r in self.results if not r.ok]

    @property
    def ids(self) -> list[str]:
        """Uuids of the stored objects."""
        return [r.id for r in self.results if r.ok and r.id is not None]

    def __repr__(self) -> str:
        return f"BatchResult(stored={len(self.results) - len(self.errors)}, failed={len(self.errors)})"


class ObjectTable:
    """Doc ids are dense and never reused: a deleted or replaced object leaves a hole (None)."""

    def __init__(self) -> None:
        self.uuids: list[str | None] = []
        self.props: list[dict | None] = []
        self.created: list[int] = []
        self.updated: list[int] = []
        self.by_uuid: dict[str, int] = {}
        self.version = 0
        self._cache: dict[object, object] = {}
        self.dropped: list[int] = []  # doc ids dropped since the uuid order last caught up (uuid_order.py)
        self._uuid_order = UuidOrder()

    def __len__(self) -> int:
        return len(self.by_uuid)

    @property
    def next_id(self) -> int:
        return len(self.uuids)

    def touch(self) -> None:
        self.version += 1
        self._cache.clear()

    def put(self, uuid: str, props: dict, created: int, updated: int) -> int:
        doc_id = len(self.uuids)
        self.uuids.append(uuid)
        self.props.append(props)
        self.created.append(created)
        self.updated.append(updated)
        self.by_uuid[uuid] = doc_id
        return doc_id

    def skip(self, n: int) -> None:
        """Burn n doc ids (after a failed write) so that no index ever sees one reused."""
        self.uuids.extend([None] * n)
        self.props.extend([None] * n)
        self.created.extend([0] * n)
        self.updated.extend([0] * n)

    def drop(self, doc_id: int) -> None:
        uuid = self.uuids[doc_id]
        if uuid is not None and self.by_uuid.get(uuid) == doc_id:
            del self.by_uuid[uuid]
        self.props[doc_id] = None
        self.dropped.append(doc_id)
        if len(self.dropped) > _DROPS_KEPT + len(self.by_uuid):  # no ordering asked for in a long while
            self.dropped = []
            self._uuid_order = UuidOrder()  # sorts anew when next asked

    def is_live(self, doc_id: int) -> bool:
        return 0 <= doc_id < len(self.props) and self.props[doc_id] is not None

    def cached(self, key: object, build: Callable[[], Any]) -> Any:
        """A value derived from the table, built once and kept until the next write (touch)."""
        found = self._cache.get(key)
        if found is None:
            found = self._cache.setdefault(key, build())
        return found

    def live_ids(self) -> np.ndarray:
        cached = self._cache.get("live")
        if cached is None:
            cached = np.fromiter(sorted(self.by_uuid.values()), dtype=np.int64, count=len(self.by_uuid))
            cached.flags.writeable = False
            self._cache["live"] = cached
        return cached  # type: ignore[return-value]

    def uuid_order(self) -> np.ndarray:
        """Live doc ids by uuid ascending (the plain listing order)."""
        cached = self._cache.get("uuid_order")
        if cached is None:
            cached = self._uuid_order.sync(self)
            self._cache["uuid_order"] = cached
        return cached  # type: ignore[return-value]

    def rank_of_uuid(self) -> np.ndarray:
        """rank[doc_id] = position of its uuid in ascending order (-1 for dead ids): sorts ties cheaply."""
        cached = self._cache.get("uuid_rank")
        if cached is None:
            cached = np.full(len(self.uuids), -1, dtype=np.int64)
            order = self.uuid_order()
            cached[order] = np.arange(len(order))
            self._cache["uuid_rank"] = cached
        return cached  # type: ignore[return-value]

    def column(self, prop: str) -> list:
        key = ("column", prop)
        cached = self._cache.get(key)
        if cached is None:
            cached = [p.get(prop) if p is not None else None for p in self.props]
            self._cache[key] = cached
        return cached  # type: ignore[return-value]
