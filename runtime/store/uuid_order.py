"""Live doc ids in uuid order, kept across writes: new ids merged in and dropped ones filtered out, not sorted again."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

_KEY = np.dtype("S36")  # a uuid's 36 ASCII characters: byte order is the text's order
_NO_IDS = np.zeros(0, np.int64)


class UuidOrder:
    """The ordering ObjectTable.uuid_order() serves (its uuids ascending, as sorted(by_uuid.items())).

    Kept across writes (ObjectTable.kept): a write only appends doc ids (put) and drops others (drop), and
    the table keeps its live mask and a count of drops up to date, so the order after a write is the last
    one without the ids no longer live, with the new live ids merged in by binary search. A 500k-object
    collection sorted again after every write cost a second per query that breaks ties by uuid
    (listings, BM25, equal distances); this costs milliseconds. Anything that does not add up sorts anew.
    """

    def __init__(self) -> None:
        self.keys = np.zeros(0, _KEY)  # the uuids of `order`, ascending
        self.order = _NO_IDS  # live doc ids by uuid
        self.seen = -1  # doc ids below this were merged in (-1: nothing built yet)
        self.drops = 0  # the table's drop count when `order` was last brought up to date
        # Queries in several threads may ask at once after a write (writes never run meanwhile)
        self._lock = threading.Lock()

    def sync(self, table: Any) -> np.ndarray:
        """The live doc ids of `table` by uuid ascending (read-only; a new array after each change)."""
        with self._lock:
            total = len(table.uuids)
            if self.seen < 0 or self.seen > total or self.drops > table.drops:
                self._build(table)
            else:
                self._update(table, total)
                if len(self.order) != len(table.by_uuid):
                    self._build(table)
            self.order.flags.writeable = False
            return self.order

    def _build(self, table: Any) -> None:
        items = table.by_uuid
        ids = np.fromiter(items.values(), np.int64, len(items))
        keys = _keys(list(items))
        if keys is None:  # not canonical uuid text: Python's own sort, and no update from it
            ordered = sorted(items.items())
            self.keys, self.seen = np.zeros(0, _KEY), -1
            self.order = np.fromiter((d for _, d in ordered), np.int64, len(ordered))
            return
        by_key = np.argsort(keys, kind="stable")
        self.keys, self.order = keys[by_key], ids[by_key]
        self.seen, self.drops = len(table.uuids), table.drops

    def _update(self, table: Any, total: int) -> None:
        live = table.live_mask()
        if table.drops != self.drops:
            keep = live[self.order]
            self.keys, self.order = self.keys[keep], self.order[keep]  # new arrays: handed out ones stay
        fresh = np.flatnonzero(live[self.seen : total]) + self.seen
        if len(fresh):
            keys = _keys([table.uuids[d] for d in fresh.tolist()])
            if keys is None:
                self._build(table)
                return
            by_key = np.argsort(keys, kind="stable")
            keys, ids = keys[by_key], fresh[by_key].astype(np.int64)
            at = np.searchsorted(self.keys, keys)
            self.keys, self.order = np.insert(self.keys, at, keys), np.insert(self.order, at, ids)
        self.seen, self.drops = total, table.drops


def _keys(uuids: list[str]) -> np.ndarray | None:
    """The uuids as fixed-width ASCII keys, or None when one is not 36 ASCII characters (a key would cut
    it, or encoding would fail): then only Python's sort keeps the text's order."""
    if any(len(u) != 36 for u in uuids):
        return None
    try:
        return np.array(uuids, dtype=_KEY)
    except UnicodeEncodeError:
        return None
