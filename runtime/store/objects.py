"""The object table: uuids, properties and times by dense doc id; read caches, and columns kept across writes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .uuid_order import UuidOrder


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
        # Kept across writes, which only append doc ids and drop old ones (an update stores a new doc id):
        # each write brings them up to date in place (put, drop, skip). Property columns by name, and the
        # live mask over doc ids, with room to grow (its first next_id entries are the mask).
        self._columns: dict[str, list] = {}
        self._live: np.ndarray | None = None
        self._kept: dict[object, object] = {}  # other values kept across such writes (kept())
        self.drops = 0  # doc ids dropped so far: a value kept across writes tells whether any were since

    def __len__(self) -> int:
        return len(self.by_uuid)

    @property
    def next_id(self) -> int:
        return len(self.uuids)

    def touch(self) -> None:
        """A write happened: clear the read caches (the columns and live mask are kept, as put, drop and
        skip brought them up to date)."""
        self.version += 1
        self._cache.clear()

    def reset(self) -> None:
        """Forget the columns and the live mask too: for a change that put, drop and skip did not make
        (properties or liveness set in place); views of the old columns are then built again."""
        self._columns = {}
        self._live = None
        self._kept = {}
        self.touch()

    def put(self, uuid: str, props: dict, created: int, updated: int) -> int:
        doc_id = len(self.uuids)
        old = self.by_uuid.get(uuid)
        self.uuids.append(uuid)
        self.props.append(props)
        self.created.append(created)
        self.updated.append(updated)
        self.by_uuid[uuid] = doc_id
        if old is not None:
            self.drops += 1  # the uuid's old doc id is no longer live (writers drop it first anyway)
        for name, column in self._columns.items():
            column.append(props.get(name))
        live = self._live
        if live is not None:
            if doc_id >= len(live):
                live = self._grow_live(doc_id + 1)
            if old is not None:
                live[old] = False  # live ids follow by_uuid
            live[doc_id] = True
        return doc_id

    def skip(self, n: int) -> None:
        """Burn n doc ids (after a failed write) so that no index ever sees one reused."""
        self.uuids.extend([None] * n)
        self.props.extend([None] * n)
        self.created.extend([0] * n)
        self.updated.extend([0] * n)
        for column in self._columns.values():
            column.extend([None] * n)
        if self._live is not None and len(self._live) < len(self.uuids):
            self._grow_live(len(self.uuids))

    def drop(self, doc_id: int) -> None:
        uuid = self.uuids[doc_id]
        if uuid is not None and self.by_uuid.get(uuid) == doc_id:
            del self.by_uuid[uuid]
        self.props[doc_id] = None
        self.drops += 1
        for column in self._columns.values():
            column[doc_id] = None
        if self._live is not None:
            self._live[doc_id] = False

    def _grow_live(self, size: int) -> np.ndarray:
        # Room for a quarter more: appends copy the mask now and then, not on every write. The old
        # array stays as it was for whoever still holds a view of it.
        live = self._live
        assert live is not None
        grown = np.zeros(max(size, len(live) + len(live) // 4 + 16), bool)
        grown[: len(live)] = live
        self._live = grown
        return grown

    def is_live(self, doc_id: int) -> bool:
        return 0 <= doc_id < len(self.props) and self.props[doc_id] is not None

    def cached(self, key: object, build: Callable[[], Any]) -> Any:
        """A value derived from the table, built once and kept until the next write (touch)."""
        found = self._cache.get(key)
        if found is None:
            found = self._cache.setdefault(key, build())
        return found

    def kept(self, key: object, build: Callable[[], Any]) -> Any:
        """A value built once and kept across writes until reset(): its owner follows the writes itself
        (filter_cache.FilterCache, uuid_order.UuidOrder)."""
        found = self._kept.get(key)
        if found is None:
            found = self._kept.setdefault(key, build())
        return found

    def live_mask(self) -> np.ndarray:
        """True at each live doc id, read-only, next_id long: a view of the mask the writes keep up to
        date in place, so valid until the next write (which queries never overlap: guard.py)."""
        live = self._live
        if live is None:
            live = np.zeros(len(self.uuids), bool)
            live[np.fromiter(self.by_uuid.values(), np.int64, len(self.by_uuid))] = True
            self._live = live
        view = live[: len(self.uuids)]
        view.flags.writeable = False
        return view

    def live_ids(self) -> np.ndarray:
        cached = self._cache.get("live")
        if cached is None:
            cached = np.flatnonzero(self.live_mask()).astype(np.int64)
            cached.flags.writeable = False
            self._cache["live"] = cached
        return cached  # type: ignore[return-value]

    def uuid_order(self) -> np.ndarray:
        """Live doc ids by uuid ascending (the plain listing order)."""
        cached = self._cache.get("uuid_order")
        if cached is None:
            cached = self.kept("uuid order", UuidOrder).sync(self)
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
        """The values of `prop` by doc id (None for dead ids). The same list across writes that only add
        and drop doc ids (they append to it, and set a dropped id's entry to None), so that views of it
        may be extended rather than built again (filter_columns.ColumnCache); reset() starts a new one."""
        cached = self._columns.get(prop)
        if cached is None:
            cached = [p.get(prop) if p is not None else None for p in self.props]
            self._columns[prop] = cached
        return cached
