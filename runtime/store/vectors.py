"""A collection's vectors: the exact store plus an HNSW graph (which one answers is the caller's choice)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import SearchError
from .flat import FlatIndex
from .held_vectors import GraphHeldIndex
from .hnsw import SPACES, Allowed, HnswIndex, dynamic_settings
from .thresholds import PAGE_ROWS, postfilter_wins


class VectorIndex:
    """Vectors by doc id: the exact store and the HNSW graph beside it; the caller says which one answers."""

    def __init__(self, config: dict, index_type: str = "hnsw", dim: int | None = None) -> None:
        self.metric = config["distance"]
        self.config = config
        self.flat = FlatIndex(self.metric, dim)
        self.use_hnsw = index_type == "hnsw" and self.metric in SPACES
        self.hnsw: HnswIndex | None = None
        # The last read-only `allow` a graph search took, with what it made of it (_graph_allowed)
        self._allowed_memo: tuple[np.ndarray, FlatIndex, int, int, Allowed] | None = None

    @property
    def dim(self) -> int | None:
        return self.flat.dim

    def __len__(self) -> int:
        return len(self.flat)

    def _ensure_hnsw(self, dim: int) -> HnswIndex:
        if self.hnsw is None:
            self.hnsw = HnswIndex(
                self.metric,
                dim,
                ef_construction=int(self.config.get("efConstruction", 128)),
                m=int(self.config.get("maxConnections", 32)),
                ef=int(self.config.get("ef", -1)),
                dynamic=dynamic_settings(self.config),
            )
        return self.hnsw

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add vectors under new doc ids; on failure neither index keeps any of them."""
        flat = self.flat
        held = isinstance(flat, GraphHeldIndex)
        if len(ids) and (held or self._fresh(vectors)):
            # Into the graph, then held there (the first vectors too: no exact matrix filled first).
            if held and vectors.shape[1] != flat.dim:
                raise ValueError(f"vectors have {vectors.shape[1]} dimensions, the index holds {flat.dim}")
            graph = flat.graph if isinstance(flat, GraphHeldIndex) else self._ensure_hnsw(vectors.shape[1])
            graph.add(ids, vectors)
            try:
                new = None if held else GraphHeldIndex.holding_new(self.metric, graph, ids, vectors)
                if new is not None:
                    self.flat = new
                else:
                    flat.add(ids, vectors)
            except BaseException:
                graph.remove(ids)
                raise
            return
        flat.add(ids, vectors)
        if not self.use_hnsw or len(ids) == 0:
            return
        try:
            self._ensure_hnsw(vectors.shape[1]).add(ids, vectors)
        except BaseException:
            flat.remove(ids)
            raise
        self.hold()

    def _fresh(self, vectors: np.ndarray) -> bool:
        """Whether `vectors` would be the exact store's first (so far, or since all were removed), to go to
        the graph and be held there from the start."""
        flat = self.flat
        return self.use_hnsw and len(flat) == 0 and flat.dim in (None, vectors.shape[1])

    def hold(self) -> None:
        """Keep the exact vectors in the graph's own records (held_vectors.py) where the graph holds
        every one of them and can be read in place; else (or when that fails: it is only a saving) the
        exact store keeps its own copy."""
        if self.hnsw is not None and type(self.flat) is FlatIndex and len(self.hnsw) == len(self.flat):
            try:
                held = GraphHeldIndex.holding(self.flat, self.hnsw)
            except Exception:
                return
            if held is not None:
                self.flat = held

    def publisher(self, staged: HnswIndex, ids: np.ndarray, vectors: np.ndarray) -> Callable[[], None]:
        """What takes `staged` (a copy of the graph with `vectors` added under `ids`) as the graph, its
        work done now, outside the writer's exclusive step: the callable returned only swaps it in."""
        flat = self.flat
        if isinstance(flat, GraphHeldIndex):
            rows = flat.prepare(ids, vectors, staged)

            def publish_held() -> None:
                flat.apply(rows, staged)
                self.hnsw = staged

            return publish_held
        held = GraphHeldIndex.holding_new(self.metric, staged, ids, vectors) if self._fresh(vectors) else None

        def publish() -> None:
            # Only assignments here (an exact store not held yet is held by a later in-place add).
            if held is not None:
                self.flat = held
            else:
                flat.add(ids, vectors)
            self.hnsw = staged

        return publish

    def remove(self, ids: np.ndarray) -> None:
        ids = np.asarray([i for i in np.asarray(ids, dtype=np.int64).tolist() if self.flat.has(i)], np.int64)
        if len(ids) == 0:
            return
        self.flat.remove(ids)
        if self.hnsw is not None:
            self.hnsw.remove(ids)

    def check_query(self, vector: Any, class_name: str) -> np.ndarray | None:
        """The query as a float32 vector of the stored size (None: nothing stored yet); SearchError else."""
        # Once per query: cheap checks first.
        if type(vector) is not np.ndarray or vector.dtype != np.float32:
            vector = np.asarray(vector, dtype=np.float32)
        shape = vector.shape
        dim = self.flat.dim
        if len(shape) != 1:
            raise SearchError(f"a query vector must be a flat list of numbers, got shape {shape}")
        if dim is None:
            return None  # no vector stored yet: nothing can match
        if shape[0] != dim:
            # Weaviate's distancer error (hnsw/distancer/errors.go): "<query> vs <stored>: vector lengths don't match"
            raise SearchError(
                f"vector search: distance between entrypoint and query node: {shape[0]} vs {dim}: "
                f"vector lengths don't match (class '{class_name}' holds vectors of {dim} dimensions)",
                hint="give a vector of the collection's size, or use nearText with the class vectorizer",
            )
        return vector

    def search(
        self, query: np.ndarray, k: int | None, allow: np.ndarray | None = None, *, exact: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """(doc ids, distances) sorted by distance; k=None means every candidate (exact). `exact` scans
        instead of walking the HNSW graph: the caller decides (the engine's lowering, flatSearchCutoff).

        The k nearest come with every candidate tied with the k-th (more than k then): the caller
        decides ties by uuid, which neither index knows.
        """
        if exact or k is None or self.hnsw is None:
            return self.flat.search(query, k, allow, ties=True)
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        allowed: Allowed | None = None
        count = None
        if allow is not None:
            count, allowed = self._graph_allowed(allow)
        try:
            return self.hnsw.search(query, k, allowed, count)
        except RuntimeError:
            # hnswlib could not gather k results (a sparse filter, many deletions): exact is always right.
            return self.flat.search(query, k, allow, ties=True)

    def _graph_allowed(self, allow: np.ndarray) -> tuple[int, Allowed]:
        """How many of the doc ids `allow` hold a vector, and those as a filtered graph search takes them:
        a mask over doc ids when they are a large share (post-filter), else a set (hnswlib's filter).

        Kept for a read-only `allow` (the collection's cached filter result) until a vector is added or
        removed: a query repeating a filter does not convert it again.
        """
        flat = self.flat
        memo = self._allowed_memo
        if memo is not None and memo[0] is allow and memo[1] is flat and memo[2] == flat.version:
            return memo[3], memo[4]
        version = flat.version
        candidates = flat.live_ids(allow)
        count = len(candidates)
        allowed: Allowed
        if postfilter_wins(count, len(flat)):
            # A mask over doc ids: the graph is searched unfiltered and the allowed kept.
            allowed = np.zeros(len(flat.live_mask), dtype=bool)
            allowed[candidates] = True
            allowed.flags.writeable = False  # kept and shared by the queries repeating the filter
        else:
            allowed = set(candidates.tolist())
        if type(allow) is np.ndarray and not allow.flags.writeable and allow.flags.owndata:
            self._allowed_memo = (allow, flat, version, count, allowed)
        return count, allowed


def has_ties(sorted_values: np.ndarray) -> bool:
    """Whether two neighbours are equal (so: any tie, the values being sorted)."""
    if len(sorted_values) <= PAGE_ROWS:  # a page: a Python set is cheaper than three numpy calls
        values = sorted_values.tolist()
        return len(set(values)) != len(values)
    return bool(np.logical_or.reduce(sorted_values[1:] == sorted_values[:-1]))
