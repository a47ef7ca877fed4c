"""Autocut: where a ranked list's scores or distances jump, as Weaviate's entities/autocut computes it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def autocut(values: Sequence[float], cut: int) -> int:
    """How many leading results to keep: the index of the cut-th local peak of the curve minus diagonal.

    `values` are distances (ascending) or scores (descending) in result order; `cut <= 0` keeps all.
    Arithmetic is float32 as in Go, including the NaN/Inf a flat curve (first == last) produces.
    """
    n = len(values)
    if cut <= 0 or n <= 1:
        return n
    y = np.asarray(values, dtype=np.float32)
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.float32(1.0) / (np.float32(n) - np.float32(1.0))
        x = np.arange(n, dtype=np.float32) * step
        diff = (y - y[0]) / (y[-1] - y[0]) - x
    extrema = 0
    for i in range(1, n):
        if i == n - 1:
            # Go evaluates diff[i-2] only when the first test passes, which n == 2 never allows.
            is_peak = diff[i] > diff[i - 1] and (i < 2 or diff[i] > diff[i - 2])
        else:
            is_peak = diff[i] > diff[i - 1] and diff[i] > diff[i + 1]
        if is_peak:
            extrema += 1
            if extrema >= cut:
                return i
    return n
