"""Multi-target vector search: the per-target result sets combined as Weaviate combines them.

As adapters/repos/db/shard_combine_multi_target.go: every target is searched for k; minimum keeps each
object's smallest distance among the targets that found it; sum, average and manualWeights add the
weighted distances, looking up the distance of an object a target did not find (and dropping an object
that lacks that vector); relativeScore scales each target's distances (those looked up included) to
0..1 by its minimum and maximum (the weight itself where all are equal), weighs and adds them, ascending.
The combined distance is what `distance` shows; a distance bound applies to it (not to relativeScore).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..store.distances import distances
from .hits import HitList


def weights_for(combination: str, count: int, given: list[float] | None) -> np.ndarray | None:
    """The weight of each target: 1 for sum, 1/n for average, as given for manualWeights and
    relativeScore; None for minimum (Weaviate's extract_targets.go)."""
    if combination == "minimum":
        return None
    if combination == "sum":
        return np.ones(count, dtype=np.float32)
    if combination == "average":
        return np.full(count, np.float32(1) / np.float32(count), dtype=np.float32)
    return np.asarray(given or [], dtype=np.float32)


def _looked_up(col: Any, target: str, query: np.ndarray, doc_ids: list[int]) -> dict[int, float]:
    """Exact distances of objects to a target's query vector; objects without that vector are left out."""
    index = col.vector_index(target)
    have = [d for d in doc_ids if index.flat.has(d)]
    if not have:
        return {}
    matrix = np.stack([index.flat.vector(d) for d in have]).astype(np.float32)
    found = distances(index.metric, matrix, query)
    return dict(zip(have, found.tolist(), strict=True))


def combine(
    combination: str,
    targets: list[str],
    weights: list[float] | None,
    results: Sequence[HitList],
    queries: list[np.ndarray],
    col: Any,
    k: int | None,
    max_distance: float | None,
) -> HitList:
    """One result list from the result list of each target (same order as `targets`)."""
    sets = [dict(zip(_ints(r.ids), _floats(r.distances), strict=True)) for r in results]
    everyone: dict[int, None] = {}
    for found in sets:
        everyone.update(dict.fromkeys(found))
    if not everyone:
        return HitList(np.zeros(0, dtype=np.int64), distances=np.zeros(0, dtype=np.float32))
    w = weights_for(combination, len(targets), weights)
    if w is not None:  # every target needs a distance for every object: look up the missing ones
        dropped: set[int] = set()
        for i, found in enumerate(sets):
            missing = [d for d in everyone if d not in found]
            extra = _looked_up(col, targets[i], queries[i], missing)
            dropped.update(d for d in missing if d not in extra)
            found.update(extra)
        ids = [d for d in everyone if d not in dropped]
    else:
        ids = list(everyone)
    matrix = np.full((len(sets), len(ids)), np.inf, dtype=np.float32)
    for i, found in enumerate(sets):
        matrix[i] = [found.get(d, np.inf) for d in ids]
    if w is None:
        combined = matrix.min(axis=0)
    elif combination == "relativeScore":
        combined = np.zeros(len(ids), dtype=np.float32)
        for i in range(len(sets)):
            low, high = matrix[i].min(), matrix[i].max()
            share = (matrix[i] - low) / (high - low) if high != low else np.ones(len(ids), np.float32)
            combined += w[i] * share.astype(np.float32)
        max_distance = None  # Weaviate returns the relative scores before its distance bound
    else:
        combined = (w[:, None] * matrix).sum(axis=0, dtype=np.float32)
    id_array = np.asarray(ids, dtype=np.int64)
    ranks = col.uuid_ranks()[id_array]
    order = np.lexsort((ranks, combined))  # ascending, ties by uuid
    id_array, combined = id_array[order], combined[order]
    if max_distance is not None and max_distance > 0:  # 0: no bound, as Weaviate's targetDist
        keep = combined <= np.float32(max_distance)
        id_array, combined = id_array[keep], combined[keep]
    if k is not None:
        id_array, combined = id_array[:k], combined[:k]
    return HitList(id_array.tolist(), distances=combined.tolist())


def _ints(values: Any) -> list[int]:
    return values.tolist() if isinstance(values, np.ndarray) else [int(v) for v in values]


def _floats(values: Any) -> list[float]:
    return values.tolist() if isinstance(values, np.ndarray) else [float(v) for v in values]
