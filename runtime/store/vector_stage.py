"""A write's vectors, staged so that queries do not wait for a big HNSW insertion.

hnswlib documents add_items as unsafe beside knn_query, and resize_index reallocates the graph: neither
may run while a query reads the index. A small batch is inserted during the writer's exclusive step (a
few milliseconds). A big one is inserted into a private copy of the graph (hnswlib's copy constructor:
about 0.6 s for 50k vectors of 384 dimensions against about 100 s to insert 10k of them, on a loaded
machine) while queries keep reading the live graph; the exclusive step then only swaps the copy in.
The copy costs a second graph's memory for the duration of the write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

STAGE_MIN = 256  # below this many vectors a batch is inserted in place
STAGE_SHARE = 50  # ... and also while it is under 1/50 of the graph (copying would cost more than it saves)


def stage_vectors(vectors: Any, ids: np.ndarray, matrix: np.ndarray) -> Callable[[], None]:
    """Do what can be done before the exclusive step; the callable returned finishes inside it.

    On failure here nothing visible changed; the callable, like VectorIndex.add, keeps all or nothing.
    """
    n = len(ids)
    hnsw = vectors.hnsw
    big = n >= STAGE_MIN and n * STAGE_SHARE >= (len(hnsw) if hnsw is not None else 0)
    if not (vectors.use_hnsw and big) or (vectors.dim is not None and matrix.shape[1] != vectors.dim):
        return lambda: vectors.add(ids, matrix)  # in place (and a wrong size fails there, as before)
    if hnsw is None:
        staged = type(vectors)(vectors.config, "hnsw")._ensure_hnsw(matrix.shape[1])  # same settings
    else:
        staged = hnsw.copy()
    staged.add(ids, matrix)

    return vectors.publisher(staged, ids, matrix)
