"""Approximate vector search with hnswlib: grows as objects arrive, deletes by mark, Weaviate distances."""

from __future__ import annotations

import copy
import os
from math import isfinite
from pathlib import Path

import hnswlib
import numpy as np

from .folder_checks import check_hnsw_file
from .graph_memory import Level0, level0
from .thresholds import GROWTH, PARALLEL_BUILD_ROWS, postfilter_candidates

# Weaviate metric -> hnswlib space. hnswlib's 'ip' is 1 - a.b, Weaviate's dot is -(a.b): subtract 1.
SPACES = {"cosine": "cosine", "dot": "ip", "l2-squared": "l2"}
SEED = 100
_MIN_CAPACITY = 1024
_FLOAT32 = np.dtype(np.float32)
_POSTFILTER_WIDENINGS = 3
# Doc ids a filtered search may return: a set (hnswlib's filter) or a bool mask over doc ids (post-filter).
Allowed = set[int] | np.ndarray


def build_threads(rows: int) -> int:
    """Threads for adding `rows` vectors: RANKQL_HNSW_THREADS when set (1: the same graph on every run),
    else every core for a batch of PARALLEL_BUILD_ROWS or more and one thread below it.

    Threads insert in whatever order they get to, so a parallel build's graph (and so an approximate
    result near the recall edge) can differ from run to run; small writes stay on one thread and identical.
    """
    setting = os.environ.get("RANKQL_HNSW_THREADS", "").strip()
    if setting:
        try:
            return max(1, int(setting))
        except ValueError:
            raise ValueError(
                f"RANKQL_HNSW_THREADS must be a whole number of threads, got {setting!r}"
            ) from None
    if rows < PARALLEL_BUILD_ROWS:
        return 1
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


# Weaviate's dynamicEfMin, dynamicEfMax and dynamicEfFactor defaults (entities/vectorindex/hnsw/config.go).
DYNAMIC_EF = (100, 500, 8)


def dynamic_settings(config: dict) -> tuple[int, int, int]:
    """(dynamicEfMin, dynamicEfMax, dynamicEfFactor) of a vectorIndexConfig, Weaviate's defaults where unset."""
    low, high, factor = DYNAMIC_EF
    return (
        int(config.get("dynamicEfMin", low)),
        int(config.get("dynamicEfMax", high)),
        int(config.get("dynamicEfFactor", factor)),
    )


def dynamic_ef(k: int, ef: int = -1, dynamic: tuple[int, int, int] = DYNAMIC_EF) -> int:
    """Weaviate's search ef (hnsw/search.go, searchTimeEF and autoEfFromK): a set ef, or below 1 k times
    dynamicEfFactor capped at dynamicEfMax, else raised to dynamicEfMin; never below k (hnswlib needs
    ef >= k, and Weaviate raises it so that results are not cut off early)."""
    if ef < 1:
        low, high, factor = dynamic
        ef = k * factor
        if ef > high:
            ef = high
        elif ef < low:
            ef = low
    return max(ef, k)


class HnswIndex:
    """An hnswlib index whose labels are the collection's doc ids."""

    def __init__(
        self,
        metric: str,
        dim: int,
        *,
        ef_construction: int = 128,
        m: int = 32,
        ef: int = -1,
        dynamic: tuple[int, int, int] = DYNAMIC_EF,
    ) -> None:
        if metric not in SPACES:
            raise ValueError(f"hnswlib has no space for {metric!r}; use exact search")
        self.metric = metric
        self.dim = dim
        self.ef = ef
        self.dynamic = dynamic
        self.ef_construction = ef_construction
        self.m = m
        self._index = hnswlib.Index(space=SPACES[metric], dim=dim)
        # Deleted slots are reused by later inserts, so updates do not grow the index without bound.
        self._index.init_index(
            max_elements=_MIN_CAPACITY,
            ef_construction=ef_construction,
            M=m,
            random_seed=SEED,
            allow_replace_deleted=True,
        )
        self._count = 0
        self._current_ef = -1
        self._ef_k = -1  # the k the current ef was chosen for
        self._shape = (dim,)
        self._dot = metric == "dot"
        self._level0: Level0 | None = None  # the records read in place, until the graph next changes

    def __len__(self) -> int:
        return self._count

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Insert vectors under fresh doc ids (ids never seen by this index)."""
        if len(ids) == 0:
            return
        self._level0 = None  # hnswlib may move its records (resize) and adds more
        needed = self._count + len(ids)
        capacity = self._index.get_max_elements()
        if needed > capacity:
            # A smaller step than doubling: less unused slack held in memory, a few more resizes.
            self._index.resize_index(max(needed, int(capacity * GROWTH)))
        threads = build_threads(len(ids))
        try:
            self._index.add_items(
                np.asarray(vectors, dtype=np.float32),
                np.asarray(ids, dtype=np.int64),
                num_threads=threads,
                replace_deleted=True,
            )
        except BaseException:
            # Whatever made it into the graph before the failure is marked deleted: all or nothing.
            for doc_id in np.asarray(ids, dtype=np.int64).tolist():
                try:
                    self._index.mark_deleted(doc_id)
                except RuntimeError:
                    continue  # never added
            raise
        finally:
            self._level0 = None
        self._count += len(ids)

    def level0(self) -> Level0 | None:
        """(vectors, labels, deletion marks) of the graph's records, read in place (graph_memory.py):
        valid until the graph next changes; None where this hnswlib cannot be read so."""
        if self._level0 is None:
            self._level0 = level0(self._index, self.dim, self.m, self.metric == "cosine")
        return self._level0

    def copy(self) -> HnswIndex:
        """A private copy (hnswlib's copy constructor): a writer fills it while queries read this one."""
        twin = copy.copy(self)
        twin._index = hnswlib.Index(self._index)
        twin._level0 = None
        twin._current_ef = -1
        twin._ef_k = -1
        return twin

    def set_ef(self, ef: int, dynamic: tuple[int, int, int] = DYNAMIC_EF) -> None:
        """A new ef or dynamic ef (vectorIndexConfig changed in place): the next search sets hnswlib's,
        even one for the k the current one was chosen for."""
        self.ef = ef
        self.dynamic = dynamic
        self._ef_k = -1

    def remove(self, ids: np.ndarray) -> None:
        for doc_id in np.asarray(ids, dtype=np.int64).tolist():
            self._index.mark_deleted(doc_id)
            self._count -= 1

    def search(
        self, query: np.ndarray, k: int, allowed: Allowed | None = None, allowed_count: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(doc ids, distances) of about the k nearest, by distance; k is clamped to what can be found.

        Every found candidate tied with the k-th distance comes too (so more than k may return): which
        of them make the cut is the caller's choice (uuid order), not hnswlib's.
        `allowed`: a set of doc ids (hnswlib filters as it walks) or a bool mask over doc ids (the graph is
        searched unfiltered and the allowed kept, widening until k are found: for large allowed shares).
        Raises RuntimeError when hnswlib cannot find k (the caller falls back to exact search).
        """
        labels, dist, _ = self.search_values(query, k, allowed, allowed_count)
        return labels, dist

    def search_values(
        self, query: np.ndarray, k: int, allowed: Allowed | None = None, allowed_count: int | None = None
    ) -> tuple[np.ndarray, np.ndarray, list[float]]:
        """search, plus the distances as a Python list (the same values): callers check ties on it.

        Once per query: kept lean, each numpy call counts here.
        """
        limit = self._count if allowed_count is None else allowed_count
        if k > limit:
            k = limit
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32), []
        index = self._index if k == self._ef_k else self._ef_for(k)
        # One more than k tells whether a tie crosses the cut; hnswlib searches with max(ef, asked), so
        # the first k are the same as a search for k alone whenever ef > k.
        asked = k + 1 if k < limit else k
        if allowed is None:
            labels, dist = index.knn_query(query, k=asked, num_threads=1)
        else:
            labels, dist = self._knn(query, asked, allowed, allowed_count)
        # Python floats are cheaper to compare than numpy scalars, and each numpy call counts here.
        values = dist.tolist()[0]
        kth = values[k - 1]
        while asked < limit and values[-1] == kth:
            asked = min(asked * 2, limit)  # the tie may go on: widen until it ends or nothing is left
            labels, dist = self._knn(query, asked, allowed, allowed_count)
            values = dist.tolist()[0]
            kth = values[k - 1]
        end = k  # keep the k nearest and the candidates tied with the k-th
        n = len(values)
        while end < n and values[end] == kth:
            end += 1
        labels, dist = labels[0, :end].view(np.int64), dist[0, :end]  # uint64 labels < 2**63: same bits
        metric = self.metric
        if metric == "dot":
            dist = dist - np.float32(1)
            return labels, dist, dist.tolist()
        if metric == "cosine" and values[0] < 0:  # sorted: only the first few can round below 0
            dist = np.maximum(dist, np.float32(0))
            return labels, dist, dist.tolist()
        if end < n:
            del values[end:]
        return labels, dist, values

    def nearest(self, query: np.ndarray, k: int) -> tuple[list[int], list[float]] | None:
        """The k + 1 nearest as Python lists, doc ids and Weaviate distances, in hnswlib's order.

        The lean path of an unfiltered page (the benchmark holds it within 10% of raw hnswlib): the caller
        cuts at k and orders exact ties by uuid. None where search() must answer instead: k + 1 is more
        than the index holds or hnswlib cannot gather it, the query is not float32 of the index's size,
        or the distances are not finite (search() names the error).
        """
        if not 0 < k < self._count or query.dtype is not _FLOAT32 or query.shape != self._shape:
            return None
        if k != self._ef_k:
            self._ef_for(k)
        try:
            labels, dist = self._index.knn_query(query, k + 1, 1)
        except RuntimeError:
            return None
        if self._dot:
            dist = dist - np.float32(1)  # in float32, as search() does
        values = dist.tolist()[0]
        first = values[0]
        if not isfinite(first):
            return None
        if first < 0 and self.metric == "cosine":  # rounding below 0: clamp as search() does
            values = [v if v > 0 else 0.0 for v in values]
        return labels.tolist()[0], values

    def _ef_for(self, k: int) -> hnswlib.Index:
        """The index with the ef a search for k uses (dynamic_ef), set only when it changes."""
        ef = dynamic_ef(k, self.ef, self.dynamic)
        index = self._index
        if ef != self._current_ef:
            index.set_ef(ef)
            self._current_ef = ef
        self._ef_k = k
        return index

    def _knn(
        self, query: np.ndarray, k: int, allowed: Allowed | None, count: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """hnswlib's answer as it gives it: (1, k) arrays of labels and distances; `count`: how many
        the mask allows, when known."""
        if allowed is None:
            return self._index.knn_query(query, k=k, num_threads=1)
        if isinstance(allowed, np.ndarray):
            return self._knn_masked(query, k, allowed, count)
        # The filter is a Python callable run per visited node: one thread keeps it from contending.
        return self._index.knn_query(query, k=k, num_threads=1, filter=allowed.__contains__)

    def _knn_masked(
        self, query: np.ndarray, k: int, mask: np.ndarray, count: int | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest allowed by `mask` (`count` of them allowed, when known), from unfiltered searches
        for enough candidates to hold k allowed (thresholds.postfilter_candidates).

        hnswlib searches with ef = max(ef, asked), so each candidate list is as good as an unfiltered
        search for that many. A search that found too few allowed is widened (doubled: most misses are
        narrow ones); after a few (the allowed lie far from the query) the filter goes to hnswlib
        instead, which walks on until it has k allowed.
        """
        allowed = int(np.count_nonzero(mask)) if count is None else count
        if allowed < k:
            raise RuntimeError("fewer allowed vectors than asked for")
        share = allowed / max(self._count, 1)
        asked = min(self._count, postfilter_candidates(k, share))
        for _ in range(_POSTFILTER_WIDENINGS):
            labels, dist = self._index.knn_query(query, k=asked, num_threads=1)
            keep = np.flatnonzero(mask[labels[0]])
            if len(keep) >= k:
                keep = keep[:k]
                return labels[:, keep], dist[:, keep]
            if asked >= self._count:
                raise RuntimeError("fewer allowed vectors reachable than asked for")
            # Enough for the share seen in this search (the allowed may be rarer near the query than
            # overall): twice to four times as many.
            needed = postfilter_candidates(k, len(keep) / asked) if len(keep) else 4 * asked
            asked = min(max(2 * asked, min(needed, 4 * asked)), self._count)
        members = set(np.flatnonzero(mask).tolist())
        return self._index.knn_query(query, k=k, num_threads=1, filter=members.__contains__)

    def save(self, path: Path) -> None:
        self._index.save_index(str(path))

    @classmethod
    def load(
        cls,
        path: Path,
        metric: str,
        dim: int,
        *,
        count: int,
        ef_construction: int,
        m: int,
        ef: int,
        dynamic: tuple[int, int, int] = DYNAMIC_EF,
    ) -> HnswIndex:
        index = cls.__new__(cls)
        index.metric, index.dim, index.ef, index.dynamic = metric, dim, ef, dynamic
        index.ef_construction, index.m = ef_construction, m
        index._index = hnswlib.Index(space=SPACES[metric], dim=dim)
        # Checked first: hnswlib trusts the file; capacity = the checked count, never the header's.
        elements = check_hnsw_file(path, dim, m)
        index._index.load_index(str(path), max_elements=elements, allow_replace_deleted=True)
        index._count = count
        index._current_ef = -1
        index._ef_k = -1
        index._shape = (dim,)
        index._dot = metric == "dot"
        index._level0 = None
        if not 0 <= count <= index._index.get_current_count():
            raise ValueError(
                f"hnsw index holds {index._index.get_current_count()} elements, expected {count}"
            )
        return index
