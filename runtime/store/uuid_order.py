"""Live doc ids in uuid order, kept across writes: new ids merged in and dropped ones filtered out, not sorted again."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

_KEY = np.dtype("S36")  # a uuid's 36 ASCII characters: byte order is the text's order
_NO_IDS = np.zeros(0, np.int64)


class UuidOrder:
    """The ordering ObjectTable.uuid_order() serves (its uuids ascending, as sorted(by_uuid.items())).

    Doc ids are never reused: a write only appends ids (put) and drops others (drop, logged in the
    table's `dropped`), so the order after a write is the last one without the dropped ids, with the
    new ids merged in by binary search. A 500k-object collection sorted again after every write cost a
    second per query that breaks ties by uuid (listings, BM25, equal distances); this costs milliseconds.
    Anything that does not add up (a table filled by a loader, ids covered that vanished) sorts anew.
    """

    def __init__(self) -> None:
        self.keys = np.zeros(0, _KEY)  # the uuids of `order`, ascending
        self.order = _NO_IDS  # live doc ids by uuid
        self.seen = -1  # doc ids below this were merged in (-1: nothing built yet)
        self.drops = 0  # entries of the table's `dropped` already filtered out
        # Queries in several threads may ask at once after a write (writes never run meanwhile)
        self._lock = threading.Lock()

    def sync(self, table: Any) -> np.ndarray:
        """The live doc ids of `table` by uuid ascending (read-only; a new array after each change)."""
        with self._lock:
            total = len(table.uuids)
            if self.seen < 0 or self.seen > total or self.drops > len(table.dropped):
                self._build(table)
            else:
                self._update(table, total)
                if len(self.order) != len(table.by_uuid):
                    self._build(table)
            if self.drops == len(table.dropped):  # every drop taken into account: the log starts over
                table.dropped.clear()
                self.drops = 0
            self.order.flags.writeable = False
            return self.order

    def _build(self, table: Any) -> None:
        items = table.by_uuid
        ids = np.fromiter(items.values(), np.int64, len(items))
        keys = _keys(list(items))
        if keys is None:  # not canonical uuid text: Python's own sort
            ordered = sorted(items.items())
            self.keys = np.zeros(0, _KEY)
            self.order = np.fromiter((d for _, d in ordered), np.int64, len(ordered))
            self.seen = -1  # and no incremental update from here
            return
        by_key = np.argsort(keys, kind="stable")
        self.keys, self.order = keys[by_key], ids[by_key]
        self.seen, self.drops = len(table.uuids), len(table.dropped)

    def _update(self, table: Any, total: int) -> None:
        dropped = table.dropped[self.drops :]
        if dropped:
            keep = ~np.isin(self.order, np.asarray(dropped, np.int64))
            self.keys, self.order = self.keys[keep], self.order[keep]
        uuids, by_uuid = table.uuids, table.by_uuid
        fresh = [d for d in range(self.seen, total) if uuids[d] is not None and by_uuid.get(uuids[d]) == d]
        if fresh:
            keys = _keys([uuids[d] for d in fresh])
            if keys is None:
                self.seen = -1
                self._build(table)
                return
            ids = np.asarray(fresh, np.int64)
            by_key = np.argsort(keys, kind="stable")
            keys, ids = keys[by_key], ids[by_key]
            at = np.searchsorted(self.keys, keys)
            self.keys, self.order = np.insert(self.keys, at, keys), np.insert(self.order, at, ids)
        elif dropped:
            self.order = self.order.copy()  # a new array: the one handed out before stays as it was
        self.seen, self.drops = total, len(table.dropped)


def _keys(uuids: list[str]) -> np.ndarray | None:
    """The uuids as fixed-width ASCII keys, or None when one is not 36 ASCII characters (a key would cut
    it, or encoding would fail): then only Python's sort keeps the text's order."""
    if any(len(u) != 36 for u in uuids):
        return None
    try:
        return np.array(uuids, dtype=_KEY)
    except UnicodeEncodeError:
        return None
