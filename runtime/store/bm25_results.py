"""Shaping BM25 results: the top-k cut with complete ties, and explainScore text as Weaviate prints it."""

from __future__ import annotations

import math

import numpy as np


def format_go_float32(value: float) -> str:
    """Go's fmt %v of a float32: shortest digits, exponent form below 1e-4 or from 1e6 on."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "0"
    text = np.format_float_scientific(np.float32(value), unique=True, trim="-")
    mantissa, exp_text = text.split("e")
    sign = "-" if mantissa.startswith("-") else ""
    digits = mantissa.lstrip("-").replace(".", "")
    exp = int(exp_text)
    if exp < -4 or exp >= 6:
        frac = f".{digits[1:]}" if len(digits) > 1 else ""
        return f"{sign}{digits[0]}{frac}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if exp < 0:
        return f"{sign}0.{'0' * (-exp - 1)}{digits}"
    whole, frac = digits[: exp + 1], digits[exp + 1 :]
    whole = whole.ljust(exp + 1, "0")
    return f"{sign}{whole}.{frac}" if frac else f"{sign}{whole}"


def explain_strings(
    result_docs: np.ndarray,
    matched: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]],
    capacity: int,
) -> list[str]:
    """For each result doc: ', BM25F_<term>_frequency:<f>, BM25F_<term>_propLength:<l>' per matched term.

    `matched` holds, per query term, the docs containing it with their (boosted) frequency and
    summed property length. Weaviate prints its map in random order; this keeps query-term order.
    """
    parts: list[list[str]] = [[] for _ in range(len(result_docs))]
    if len(result_docs) == 0:
        return []
    where = np.full(capacity, -1, np.int64)
    for term, docs, freq, length in matched:
        where[docs] = np.arange(len(docs))
        positions = where[result_docs]
        for row in np.flatnonzero(positions >= 0).tolist():
            pos = positions[row]
            parts[row].append(
                f", BM25F_{term}_frequency:{format_go_float32(float(freq[pos]))}"
                f", BM25F_{term}_propLength:{format_go_float32(float(length[pos]))}"
            )
        where[docs] = -1
    return ["".join(p) for p in parts]


def candidates(scores: np.ndarray, k: int | None) -> np.ndarray:
    """Docs that may be in the top k (a superset that top() cuts exactly); every match when k is None."""
    n = len(scores)
    if k is not None:
        rows = 16 if n < 32768 else 64
        groups = n // rows
        if groups >= 4 * k:
            # The k largest group maxima are k distinct docs, so the k-th best score is at least the k-th
            # largest maximum: a cheap lower bound (a full partition of every score costs far more).
            maxima = scores[: rows * groups].reshape(rows, groups).max(axis=0)
            low = np.float32(np.partition(maxima, groups - k)[groups - k])
            below = float(np.nextafter(low, np.float32(-np.inf)))  # anything rounding to >= low is above
            return np.flatnonzero(scores > max(below, 0.0))
    return np.flatnonzero(scores > 0)


def top(cand: np.ndarray, scores: np.ndarray, k: int | None, matched, cap: int, ascending: bool = False):
    """Candidates best first (ties by doc id), cut after every doc tied with the k-th best float32 score.

    `ascending` says the candidates are sorted by doc id, so a stable sort by score keeps ties in order.
    """
    values = scores[cand].astype(np.float32)
    n = len(values)
    if k is not None and k < n:
        part = values.copy()  # ndarray methods: numpy's function wrappers cost more than the work here
        part.partition(n - k)
        keep = values >= part[n - k]  # exactly the docs tied with or above the k-th
        cand, values = cand[keep], values[keep]
    order = (-values).argsort(kind="stable") if ascending else np.lexsort((cand, -values))
    cand, values = cand[order], values[order]
    explains = explain_strings(cand, matched, cap) if matched is not None else None
    return cand, values, explains
