"""Distance metrics as Weaviate reports them, computed exactly with numpy (spec section 7.2)."""

from __future__ import annotations

import numpy as np

METRICS = ("cosine", "dot", "l2-squared", "manhattan", "hamming")
# Rows per chunk for metrics that need an element-wise difference: bounds the temporary memory.
_CHUNK = 4096


def norms(matrix: np.ndarray) -> np.ndarray:
    """Row norms in float32 (kept beside the vectors so cosine needs no recomputation). A row of huge
    values has an infinite norm (its cosine distance is then 1), without numpy's overflow warning."""
    with np.errstate(over="ignore"):
        return np.linalg.norm(matrix, axis=1).astype(np.float32, copy=False)


def distances(
    metric: str, matrix: np.ndarray, query: np.ndarray, row_norms: np.ndarray | None = None
) -> np.ndarray:
    """Distance of `query` to each row of `matrix`, float32, lower is closer."""
    query = np.asarray(query, dtype=np.float32)
    if matrix.shape[0] == 0:
        return np.zeros(0, dtype=np.float32)
    if metric == "dot":
        # float32 overflows to infinity, as in Go (and infinity times zero is NaN, as there)
        with np.errstate(over="ignore", invalid="ignore"):
            return -(matrix @ query)
    if metric == "cosine":
        if row_norms is None:
            row_norms = norms(matrix)
        # A zero vector has no direction: Weaviate-style cosine treats it as orthogonal (distance 1). So
        # does a vector whose norm overflows float32: normalized (divided by an infinite norm) it is zero.
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            denominator = row_norms * np.float32(np.linalg.norm(query))
            dots = matrix @ query
            usable = (denominator > 0) & np.isfinite(denominator)
            cos = np.where(usable, dots / denominator, np.float32(0))
        # Rounding can push 1 - cos slightly below 0 for identical directions; Weaviate clamps it.
        return np.maximum(np.float32(1) - cos.astype(np.float32), np.float32(0))
    if metric not in ("l2-squared", "manhattan", "hamming"):
        raise ValueError(f"unknown metric {metric!r}")
    out = np.empty(matrix.shape[0], dtype=np.float32)
    for start in range(0, matrix.shape[0], _CHUNK):
        block = matrix[start : start + _CHUNK]
        if metric == "hamming":
            out[start : start + len(block)] = np.count_nonzero(block != query, axis=1)
            continue
        with np.errstate(over="ignore", invalid="ignore"):  # float32 overflows to infinity, as in Go
            diff = block - query
            if metric == "l2-squared":
                out[start : start + len(block)] = np.einsum("ij,ij->i", diff, diff)
            else:
                out[start : start + len(block)] = np.abs(diff).sum(axis=1)
    return out


def certainty(distance: float) -> float:
    """Weaviate's certainty for a cosine distance."""
    return 1.0 - distance / 2.0
