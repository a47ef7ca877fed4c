"""The exact vector store of an HNSW collection, held in the graph's own records: each vector kept once.

hnswlib keeps every vector in its level-0 records (graph_memory.py reads them in place): as given for
'l2' and 'ip', normalised for 'cosine'. This store keeps per doc id only the graph slot and what rebuilds
the exact vector from that record bit for bit, in the form a saved folder uses (graph_vectors.py): a
float32 scale and a -1..1 correction per component packed at 2 bits (about 100 bytes a row at 384
dimensions, against 1,536 for a second copy), or nothing where the record is the vector; the rare row
that does not rebuild exactly is kept whole. Exact search reads the records: cosine distances are taken
between normalised vectors, as Weaviate and the graph take them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .distances import distances
from .flat import FlatIndex
from .graph_vectors import AS_IS, FINE, NONE, WHOLE, Rows, pack, relate, scales_of, squared_sums, unpack
from .thresholds import GROWTH

if TYPE_CHECKING:
    from .graph_memory import Level0
    from .hnsw import HnswIndex

_CHUNK = 4096  # rows encoded or rebuilt at a time: the temporaries stay a few MB, whatever the batch
_DELETED = 1  # hnswlib's deletion mark (graph_memory.py)


@dataclass
class HeldRows:
    """A write's vectors as the store keeps them, worked out against the graph that holds them."""

    ids: np.ndarray
    slots: np.ndarray
    kind: np.ndarray
    scale: np.ndarray
    fine: np.ndarray
    no_direction: np.ndarray
    whole: dict[int, np.ndarray]
    freed: np.ndarray  # the freed records still free after the write
    seen: int  # the graph's records after the write
    removals: int  # the removals it took into account


class GraphHeldIndex(FlatIndex):
    """FlatIndex's store and search, its rows read from `graph` (the HnswIndex holding every live vector)."""

    def __init__(self, metric: str, dim: int, graph: HnswIndex) -> None:
        super().__init__(metric, dim)
        self.graph = graph
        self._normalized = metric == "cosine"
        self._slot = np.full(0, -1, np.int64)  # doc id -> the graph's record
        self._kind = np.zeros(0, np.uint8)  # doc id -> how its exact vector is rebuilt (graph_vectors)
        self._scale = np.zeros(0, np.float32)
        self._fine = np.zeros((0, (dim + 3) // 4 if self._normalized else 0), np.uint8)
        # Cosine rows whose float32 sum of squares is 0 (every component tiny): no direction, distance 1
        # as in Weaviate, where hnswlib would scale them by 1e30 instead of normalising them.
        self._no_direction = np.zeros(0, bool)
        self._whole: dict[int, np.ndarray] = {}
        self._seen = 0  # graph records examined: later ones are new
        self._freed = np.zeros(0, np.int64)  # records of removed vectors, which hnswlib refills first
        self._removed: list[np.ndarray] = []  # records freed since the last add (joined to _freed then)

    @classmethod
    def holding(cls, flat: FlatIndex, graph: HnswIndex) -> GraphHeldIndex | None:
        """The same vectors as `flat`, held in `graph` (which holds every live one); None where the
        graph's records cannot be read in place."""
        if flat.dim is None:
            return None
        live = flat.live_ids()
        return cls.holding_new(flat.metric, graph, live, _Picked(flat._data, live))

    @classmethod
    def holding_new(
        cls, metric: str, graph: HnswIndex, ids: np.ndarray, vectors: Rows
    ) -> GraphHeldIndex | None:
        """A store of just `vectors` (under `ids`, already in `graph`); None where the graph's records
        cannot be read in place."""
        if graph.level0() is None:
            return None
        held = cls(metric, graph.dim, graph)
        try:
            held.add(ids, vectors)
            view = graph.level0()
        except LookupError:
            return None
        if view is None:
            return None
        held._freed = np.flatnonzero(
            view[2] & _DELETED
        )  # deleted before this store: hnswlib refills them too
        return held

    def copy_onto(self, graph: HnswIndex) -> GraphHeldIndex:
        """A copy whose rows are read from `graph`, a copy of this one's graph (checkpoint snapshots)."""
        twin = GraphHeldIndex(self.metric, self.dim or 0, graph)
        for name in ("_live", "_slot", "_kind", "_scale", "_fine", "_no_direction", "_freed"):
            setattr(twin, name, getattr(self, name).copy())
        twin._whole, twin._removed = dict(self._whole), list(self._removed)
        twin._count, twin.version, twin._seen = self._count, self.version, self._seen
        return twin

    def _grow(self, needed: int) -> None:
        capacity = len(self._live)
        if needed <= capacity:
            return
        size = max(needed, int(capacity * GROWTH), 1024)
        self._live = _grown(self._live, size, False)
        self._slot = _grown(self._slot, size, -1)
        self._kind = _grown(self._kind, size, NONE)
        self._scale = _grown(self._scale, size, 0)
        self._fine = _grown(self._fine, size, 0)
        self._no_direction = _grown(self._no_direction, size, False)

    def add(self, ids: np.ndarray, vectors: Rows) -> None:
        """Hold `vectors` (n x dim), already in the graph under doc ids `ids`; LookupError (nothing changed)
        where the graph's records cannot be read or do not hold them."""
        self.apply(self.prepare(ids, vectors, self.graph), self.graph)

    def prepare(self, ids: np.ndarray, vectors: Rows, graph: HnswIndex) -> HeldRows:
        """The work of an add against `graph` (this store's graph with `vectors` added, or a copy of it
        that will replace it), done without changing anything: apply() then only assigns arrays.
        `vectors` is read a chunk at a time (an array, or rows gathered only as read).

        LookupError where the graph's records cannot be read or do not hold the vectors.
        """
        ids = np.asarray(ids, dtype=np.int64)
        dim = self.dim or 0
        if len(ids) and vectors.shape[1:] != (dim,):
            raise ValueError(f"vectors have {vectors.shape[1]} dimensions, the index holds {dim}")
        view = graph.level0()
        if view is None:
            raise LookupError("the graph's records cannot be read in place")
        records, labels, marks = view
        removals = len(self._removed)
        freed = np.concatenate([self._freed, *self._removed]) if removals else self._freed
        refilled = freed[(marks[freed] & _DELETED) == 0] if len(freed) else freed
        slots = self._slots(ids, view, np.concatenate([np.arange(self._seen, len(labels)), refilled]))
        n = len(ids)
        kind, scale = np.empty(n, np.uint8), np.zeros(n, np.float32)
        fine = np.zeros((n, self._fine.shape[1]), np.uint8)
        no_direction = np.zeros(n, bool)
        whole = {}
        for at in range(0, n, _CHUNK):
            part = slice(at, at + _CHUNK)
            exact = np.ascontiguousarray(vectors[part], dtype=np.float32)
            kind[part], scale[part], packed, no_direction[part] = self._encode(exact, records[slots[part]])
            if self._normalized:
                fine[part] = packed
            for row in np.flatnonzero(kind[part] == WHOLE).tolist():
                whole[int(ids[at + row])] = exact[row].copy()
        still = freed[(marks[freed] & _DELETED) != 0] if len(freed) else freed
        return HeldRows(ids, slots, kind, scale, fine, no_direction, whole, still, len(labels), removals)

    def apply(self, rows: HeldRows, graph: HnswIndex) -> None:
        """Take a prepared add, `graph` being the graph it was prepared against (now this store's)."""
        ids = rows.ids
        if len(ids):
            self._grow(int(ids.max()) + 1)  # the one step that may fail (memory): before any change
            self.version += 1
            self._count += int(np.count_nonzero(~self._live[ids]))
            self._slot[ids], self._kind[ids], self._live[ids] = rows.slots, rows.kind, True
            if self._normalized:
                self._scale[ids], self._fine[ids] = rows.scale, rows.fine
                self._no_direction[ids] = rows.no_direction
            self._whole.update(rows.whole)
        self.graph = graph
        self._freed, self._seen = rows.freed, rows.seen
        del self._removed[: rows.removals]

    def _slots(self, ids: np.ndarray, view: Level0, candidates: np.ndarray) -> np.ndarray:
        """The graph records of the doc ids just added: among `candidates` (the records new since the
        last add and the freed ones hnswlib refilled), else among every live record."""
        _, labels, marks = view
        candidates = candidates[(marks[candidates] & _DELETED) == 0]  # a deleted record holds no new id
        found = _find(ids, labels, candidates) if len(ids) else candidates[:0]
        if found is None:
            found = _find(ids, labels, np.flatnonzero((marks & _DELETED) == 0))
        if found is None:
            raise LookupError("the graph does not hold every vector added")
        return found

    def _encode(
        self, exact: np.ndarray, stored: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(kind, scale, packed corrections, no direction) per row: what rebuilds `exact` from the record
        `stored`, and (cosine) whether the row is too small to have a float32 direction."""
        n, dim = exact.shape
        total = squared_sums(exact) if self._normalized else None
        same, factor, diff = relate(exact, stored, total)
        kind = np.where(same, AS_IS, WHOLE).astype(np.uint8)
        scale = np.zeros(n, np.float32)
        fine = np.zeros((n, (dim + 3) // 4), np.uint8)
        if total is None:  # 'l2' and 'ip' records are the vectors: any other row is kept whole
            return kind, scale, fine, np.zeros(n, bool)
        no_direction = (total == 0) & (exact != 0).any(axis=1)
        todo = np.flatnonzero(~same)
        fits = (diff.min(axis=1, initial=0) >= -1) & (diff.max(axis=1, initial=0) <= 1)
        scale[todo] = factor
        fine[todo[fits]] = pack(diff[fits])
        # The proof: every row marked fine must come back bit for bit, else it is kept whole.
        candidates = todo[fits]
        back = _rebuild(stored[candidates], scale[candidates], fine[candidates], dim)
        good = (back.view(np.uint32) == exact[candidates].view(np.uint32)).all(axis=1)
        kind[candidates[good]] = FINE
        return kind, scale, fine, no_direction

    def _records(self) -> np.ndarray:
        view = self.graph.level0()
        if view is None:
            raise LookupError("the graph's records cannot be read in place")
        return view[0]

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """The exact vectors of live doc ids `ids` (float32, one row each)."""
        ids = np.asarray(ids, dtype=np.int64)
        out = self._records()[self._slot[ids]]
        kind = self._kind[ids]
        fine = np.flatnonzero(kind == FINE)
        if len(fine):
            out[fine] = _rebuild(out[fine], self._scale[ids[fine]], self._fine[ids[fine]], out.shape[1])
        for at in np.flatnonzero(kind == WHOLE).tolist():
            out[at] = self._whole[int(ids[at])]
        return out

    def vector(self, doc_id: int) -> np.ndarray | None:
        if not self.has(doc_id):
            return None
        kind = int(self._kind[doc_id])
        if kind == WHOLE:
            return self._whole[doc_id].copy()
        row = self._records()[self._slot[doc_id]].copy()
        if kind == FINE:
            at = slice(doc_id, doc_id + 1)
            return _rebuild(row[None], self._scale[at], self._fine[at], len(row))[0]
        return row

    def remove(self, ids: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        ids = ids[ids < self._live.shape[0]]
        gone = ids[self._live[ids]]
        self._removed.append(self._slot[gone])  # joined at the next add: removals one by one stay cheap
        for doc_id in gone.tolist():
            self._whole.pop(doc_id, None)
        super().remove(ids)

    def _distances(self, query: np.ndarray, ids: np.ndarray, every: bool) -> np.ndarray:
        records = self._records()
        slots = self._slot[ids]
        most = 8 * len(ids) >= len(records)  # most records wanted: the product over all of them in place
        if not self._normalized:
            return (
                distances(self.metric, records, query)[slots]
                if most
                else distances(self.metric, records[slots], query)
            )
        # Cosine between normalised vectors, the query normalised as hnswlib normalises a vector; a query
        # without a float32 direction (zero, too small, too large) is at distance 1 from everything.
        query = np.asarray(query, dtype=np.float32)
        total = squared_sums(query[None])[0]
        if total > 0 and np.isfinite(total):
            unit = query * scales_of(query[None], total[None])[0]
        else:
            unit = np.zeros_like(query)
        with np.errstate(all="ignore"):
            dots = (records @ unit)[slots] if most else records[slots] @ unit
        dist = np.maximum(np.float32(1) - dots.astype(np.float32), np.float32(0))
        dist[self._no_direction[ids]] = 1
        return dist

    def between(self, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
        """(vectors, live) of doc ids start..end-1, rebuilt from the graph a part at a time."""
        vectors = np.zeros((end - start, self.dim or 0), np.float32)
        live = self.live_between(start, end)
        for at in range(0, end - start, _CHUNK):
            ids = np.flatnonzero(live[at : at + _CHUNK]) + at
            vectors[ids] = self.rows(ids + start)
        return vectors, live

    def state(self) -> dict[str, np.ndarray]:
        """The exact vectors of every doc id, rebuilt into one matrix (a checkpoint's transient copy)."""
        return {"vectors": self.between(0, len(self._live))[0], "live": self._live}


class _Picked:
    """Rows `ids` of `matrix` as Rows: gathered a slice at a time, as they are read."""

    def __init__(self, matrix: np.ndarray, ids: np.ndarray) -> None:
        self.matrix, self.ids = matrix, ids

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self.ids), *self.matrix.shape[1:])

    def __getitem__(self, rows: slice) -> np.ndarray:
        return self.matrix[self.ids[rows]]


def _grown(array: np.ndarray, size: int, fill: object) -> np.ndarray:
    out = np.full((size, *array.shape[1:]), fill, dtype=array.dtype)
    out[: len(array)] = array
    return out


def _find(ids: np.ndarray, labels: np.ndarray, candidates: np.ndarray) -> np.ndarray | None:
    """The candidate record holding each id's label; None if one is missing."""
    if not len(candidates):
        return None
    held = labels[candidates].astype(np.int64)
    order = np.argsort(held, kind="stable")
    at = np.minimum(np.searchsorted(held[order], ids), len(order) - 1)
    if not (held[order][at] == ids).all():
        return None
    return candidates[order[at]]


def _rebuild(stored: np.ndarray, scale: np.ndarray, fine: np.ndarray, dim: int) -> np.ndarray:
    with np.errstate(all="ignore"):
        out = stored / scale[:, None]
    bits = out.view(np.int32)
    bits += unpack(fine, dim)
    return out
