"""Exact vector search over the stored vectors: the oracle, and the path for small or filtered sets."""

from __future__ import annotations

import numpy as np

from .distances import METRICS, distances, norms
from .thresholds import GROWTH


class FlatIndex:
    """Vectors by dense doc id in one growable float32 matrix; exact k-nearest search with any metric.

    The collection keeps its vectors here (one copy), and the HNSW index is built beside it.
    """

    def __init__(self, metric: str, dim: int | None = None) -> None:
        if metric not in METRICS:
            raise ValueError(f"unknown metric {metric!r}")
        self.metric = metric
        self.dim = dim
        self._data = np.zeros((0, dim or 0), dtype=np.float32)
        self._norms = np.zeros(0, dtype=np.float32)
        self._live = np.zeros(0, dtype=bool)
        self._count = 0
        self.version = 0  # grows with every add and remove: what was derived from the live ids is stale

    def __len__(self) -> int:
        return self._count

    @property
    def live_mask(self) -> np.ndarray:
        """True at every doc id holding a live vector (a view: do not modify)."""
        return self._live

    def _grow(self, needed: int) -> None:
        capacity = self._data.shape[0]
        if needed <= capacity:
            return
        new_capacity = max(needed, int(capacity * GROWTH), 1024)
        data = np.zeros((new_capacity, self.dim), dtype=np.float32)
        data[:capacity] = self._data
        norms = np.zeros(new_capacity, dtype=np.float32)
        norms[:capacity] = self._norms
        live = np.zeros(new_capacity, dtype=bool)
        live[:capacity] = self._live
        self._data, self._norms, self._live = data, norms, live

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Store `vectors` (n x dim) at doc ids `ids`, replacing what was there."""
        ids = np.asarray(ids, dtype=np.int64)
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(ids), -1)
        if self.dim is None:
            self.dim = vectors.shape[1]
            self._data = np.zeros((0, self.dim), dtype=np.float32)
        if vectors.shape[1] != self.dim:
            raise ValueError(f"vectors have {vectors.shape[1]} dimensions, the index holds {self.dim}")
        if len(ids) == 0:
            return
        self.version += 1
        self._grow(int(ids.max()) + 1)
        self._count += int(np.count_nonzero(~self._live[ids]))
        self._data[ids] = vectors
        self._norms[ids] = norms(vectors)
        self._live[ids] = True

    def remove(self, ids: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        ids = ids[ids < self._live.shape[0]]
        self.version += 1
        self._count -= int(np.count_nonzero(self._live[ids]))
        self._live[ids] = False

    def has(self, doc_id: int) -> bool:
        return 0 <= doc_id < self._live.shape[0] and bool(self._live[doc_id])

    def vector(self, doc_id: int) -> np.ndarray | None:
        return self._data[doc_id].copy() if self.has(doc_id) else None

    def live_ids(self, allow: np.ndarray | None = None) -> np.ndarray:
        """Doc ids with a vector, restricted to `allow` when given."""
        if allow is None:
            return np.flatnonzero(self._live)
        allow = np.asarray(allow, dtype=np.int64)
        if len(allow) and (allow.min() < 0 or allow.max() >= self._live.shape[0]):  # two reads, no copies
            allow = allow[(allow >= 0) & (allow < self._live.shape[0])]
        return allow[self._live[allow]]

    def search(
        self, query: np.ndarray, k: int | None, allow: np.ndarray | None = None, *, ties: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """(doc ids, distances) of the k nearest live vectors (all when k is None), by (distance, id).

        With `ties`, every vector tied with the k-th comes too, so that the caller can break the tie.
        """
        ids = self.live_ids(allow)
        if self.dim is None or len(ids) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        dist = self._distances(query, ids, allow is None)
        if k is not None and k < len(ids):
            # argpartition may split a tie at the k-th distance: take every tied row, then cut after sorting.
            kth = np.partition(dist, k - 1)[k - 1]
            keep = np.flatnonzero(dist <= kth)
            ids, dist = ids[keep], dist[keep]
        order = np.lexsort((ids, dist))
        if k is not None and not ties:
            order = order[:k]
        return ids[order], dist[order]

    def _distances(self, query: np.ndarray, ids: np.ndarray, every: bool) -> np.ndarray:
        """Distances of `query` to the live vectors `ids` (`every`: all the live ones, unfiltered)."""
        if 8 * len(ids) >= self._data.shape[0] and self.metric in ("cosine", "dot"):
            # Most rows wanted: one product over the whole matrix (unused rows included), then the wanted
            # distances: a few times cheaper than copying the rows out first, as a filter that keeps most
            # objects would.
            return distances(self.metric, self._data, query, self._norms)[ids]
        whole = every and len(ids) == self._data.shape[0]
        rows = self._data if whole else self._data[ids]
        return distances(self.metric, rows, query, self._norms if whole else self._norms[ids])

    def state(self) -> dict[str, np.ndarray]:
        """Arrays that persist the index (for np.savez)."""
        return {"vectors": self._data, "live": self._live}

    def live_between(self, start: int, end: int) -> np.ndarray:
        """Whether each doc id start..end-1 holds a live vector (a view where the store reaches `end`)."""
        if end <= len(self._live):
            return self._live[start:end]
        live = np.zeros(end - start, bool)
        inside = self._live[start:end]
        live[: len(inside)] = inside
        return live

    def between(self, start: int, end: int) -> tuple[np.ndarray, np.ndarray]:
        """(vectors, live) of doc ids start..end-1: float32 rows (zeros where none) and a bool mask;
        views of the store where it holds every one of them (read them, never write them)."""
        if end <= len(self._live) and self.dim is not None:
            return self._data[start:end], self._live[start:end]
        vectors = np.zeros((end - start, self.dim or 0), np.float32)
        inside = self._data[start:end]
        vectors[: len(inside)] = inside
        return vectors, self.live_between(start, end)

    @classmethod
    def from_state(cls, metric: str, dim: int | None, vectors: np.ndarray, live: np.ndarray) -> FlatIndex:
        index = cls(metric, dim)
        if dim is not None:
            index._data = np.ascontiguousarray(vectors, dtype=np.float32)
            index._live = np.asarray(live, dtype=bool)
            index._norms = norms(index._data)
            index._count = int(np.count_nonzero(index._live))
        return index
