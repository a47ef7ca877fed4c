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

from typing import TYPE_CHECKING

import numpy as np

from .distances import distances
from .flat import FlatIndex
from .graph_vectors import AS_IS, FINE, NONE, WHOLE, pack, scales_of, unpack
from .thresholds import GROWTH

if TYPE_CHECKING:
    from .hnsw import HnswIndex


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
        self._whole: dict[int, np.ndarray] = {}
        self._seen = 0  # graph records examined: later ones are new
        self._freed: list[int] = []  # records of removed vectors, which hnswlib refills first

    @classmethod
    def holding(cls, flat: FlatIndex, graph: HnswIndex) -> GraphHeldIndex | None:
        """The same vectors as `flat`, held in `graph` (which holds every live one); None where the
        graph's records cannot be read in place."""
        if flat.dim is None or graph.level0() is None:
            return None
        live = flat.live_ids()
        held = cls(flat.metric, flat.dim, graph)
        try:
            held.add(live, flat._data[live])
        except LookupError:
            return None
        return held

    def copy_onto(self, graph: HnswIndex) -> GraphHeldIndex:
        """A copy whose rows are read from `graph`, a copy of this one's graph (checkpoint snapshots)."""
        twin = GraphHeldIndex(self.metric, self.dim or 0, graph)
        for name in ("_live", "_slot", "_kind", "_scale", "_fine"):
            setattr(twin, name, getattr(self, name).copy())
        twin._whole = dict(self._whole)
        twin._count, twin.version, twin._seen, twin._freed = (
            self._count,
            self.version,
            self._seen,
            list(self._freed),
        )
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

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Hold `vectors` (n x dim), already in the graph under doc ids `ids`; LookupError (nothing changed)
        where the graph's records cannot be read or do not hold them."""
        ids = np.asarray(ids, dtype=np.int64)
        if len(ids) == 0:
            return
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), -1)
        if vectors.shape[1] != self.dim:
            raise ValueError(f"vectors have {vectors.shape[1]} dimensions, the index holds {self.dim}")
        view = self.graph.level0()
        if view is None:
            raise LookupError("the graph's records cannot be read in place")
        records, labels, marks = view
        slots = self._slots(ids, labels, marks)
        stored = records[slots]
        kind, scale, fine = self._encode(vectors, stored)
        self._grow(int(ids.max()) + 1)
        self.version += 1
        self._count += int(np.count_nonzero(~self._live[ids]))
        self._slot[ids], self._kind[ids], self._live[ids] = slots, kind, True
        if self._normalized:
            self._scale[ids], self._fine[ids] = scale, fine
        for at in np.flatnonzero(kind == WHOLE).tolist():
            self._whole[int(ids[at])] = vectors[at].copy()
        reused = set(slots.tolist())
        self._freed = [s for s in self._freed if s not in reused]
        self._seen = len(labels)

    def _slots(self, ids: np.ndarray, labels: np.ndarray, marks: np.ndarray) -> np.ndarray:
        """The graph records of the doc ids just added: among the records new since the last add and the
        ones freed by removals (hnswlib refills those first), else among every live record."""
        candidates = np.concatenate([np.arange(self._seen, len(labels)), np.asarray(self._freed, np.int64)])
        found = _find(ids, labels, candidates)
        if found is None:
            found = _find(ids, labels, np.flatnonzero((marks & 1) == 0))
        if found is None:
            raise LookupError("the graph does not hold every vector added")
        return found

    def _encode(self, exact: np.ndarray, stored: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(kind, scale, packed corrections) per row: what rebuilds `exact` from the record `stored`."""
        n, dim = exact.shape
        same = (stored.view(np.uint32) == exact.view(np.uint32)).all(axis=1)
        kind = np.where(same, AS_IS, WHOLE).astype(np.uint8)
        scale = np.zeros(n, np.float32)
        fine = np.zeros((n, (dim + 3) // 4), np.uint8)
        todo = np.flatnonzero(~same)
        if not self._normalized or not len(todo):
            return kind, scale, fine
        part = exact[todo]
        factor = scales_of(part)
        with np.errstate(all="ignore"):
            rebuilt = stored[todo] / factor[:, None]
        diff = part.view(np.int32) - rebuilt.view(np.int32)  # modulo 2**32, as the rebuild adds it
        fits = (diff.min(axis=1, initial=0) >= -1) & (diff.max(axis=1, initial=0) <= 1)
        scale[todo] = factor
        fine[todo[fits]] = pack(diff[fits])
        # The proof: every row marked fine must come back bit for bit, else it is kept whole.
        candidates = todo[fits]
        back = _rebuild(stored[candidates], scale[candidates], fine[candidates], dim)
        good = (back.view(np.uint32) == exact[candidates].view(np.uint32)).all(axis=1)
        kind[candidates[good]] = FINE
        return kind, scale, fine

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """The exact vectors of live doc ids `ids` (float32, one row each)."""
        ids = np.asarray(ids, dtype=np.int64)
        view = self.graph.level0()
        if view is None:
            raise LookupError("the graph's records cannot be read in place")
        out = view[0][self._slot[ids]]
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
        view = self.graph.level0()
        if view is None:
            raise LookupError("the graph's records cannot be read in place")
        row = view[0][self._slot[doc_id]].copy()
        if kind == FINE:
            at = slice(doc_id, doc_id + 1)
            return _rebuild(row[None], self._scale[at], self._fine[at], len(row))[0]
        return row

    def remove(self, ids: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        ids = ids[ids < self._live.shape[0]]
        gone = ids[self._live[ids]]
        self._freed.extend(self._slot[gone].tolist())
        for doc_id in gone.tolist():
            self._whole.pop(doc_id, None)
        super().remove(ids)

    def _distances(self, query: np.ndarray, ids: np.ndarray, every: bool) -> np.ndarray:
        view = self.graph.level0()
        if view is None:
            raise LookupError("the graph's records cannot be read in place")
        records = view[0]
        slots = self._slot[ids]
        if not self._normalized:
            return distances(self.metric, records[slots], query)
        # Cosine between normalised vectors, the query normalised as hnswlib normalises a vector.
        query = np.asarray(query, dtype=np.float32)
        with np.errstate(all="ignore"):
            length = np.sqrt(np.cumsum(query * query, dtype=np.float32)[-1])
            unit = query * (np.float32(1) / (length + np.float32(1e-30)))
            if not np.isfinite(unit).all():
                unit = np.zeros_like(query)  # no direction: every distance is 1, as for a zero vector
            # Most rows wanted: one product over every record in place (BLAS reads the strided rows).
            dots = (records @ unit)[slots] if 8 * len(ids) >= len(records) else records[slots] @ unit
        return np.maximum(np.float32(1) - dots.astype(np.float32), np.float32(0))

    def state(self) -> dict[str, np.ndarray]:
        live = self._live
        vectors = np.zeros((len(live), self.dim or 0), np.float32)
        ids = np.flatnonzero(live)
        vectors[ids] = self.rows(ids)
        return {"vectors": vectors, "live": live}


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
