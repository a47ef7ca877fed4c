"""Hybrid fusion: rankedFusion and relativeScoreFusion with Weaviate's float32 sums, tie-breaks and explains.

The scores are computed with numpy over whole result sets (a hybrid query fuses two pools of 100 or more);
explain texts are built per hit only when explainScore is selected.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .formats import go_float32_v
from .formats import native as _native  # the C module (_native.c), None where it could not be built
from .hits import FusedHits, Hit, HitList

VECTOR_SET = "vector,hybridVector"
KEYWORD_SET = "keyword,bm25"
_F32 = np.float32
_FUSED = np.dtype([("doc", "<i8"), ("score", "<f4"), ("secondary", "<f4")])  # _native.c's fuse() records


@dataclass
class ResultSet:
    """One sub-search's ranked hits with their raw values (1 - distance, or the BM25 score)."""

    name: str
    weight: float
    hits: Sequence[Hit]
    values: Sequence[float]
    explains: list[str] = field(default_factory=list)  # the hit's own explainScore (bm25), if asked

    @property
    def ids(self) -> np.ndarray:
        ids = getattr(self.hits, "ids", None)
        return np.asarray(ids if ids is not None else [h.doc_id for h in self.hits], dtype=np.int64)


def relative_score_fusion(
    sets: list[ResultSet],
    uuid_of: Callable[[int], str],
    *,
    explain: bool = True,
    ranks: np.ndarray | None = None,
) -> HitList:
    """Min-max normalize each set, weight and sum (float32); sorted with the spec's tie-breaks.

    `ranks[doc_id]` is the doc's position in uuid order (the collection's); without it the uuids are sorted.
    """
    fused = None if explain else _fuse_natively(sets, True, ranks)
    if fused is not None:
        return fused
    parts = []
    for rs in sets:
        if not rs.hits:
            continue
        values = np.asarray(rs.values, dtype=np.float32)
        lo, hi = np.minimum.reduce(values), np.maximum.reduce(values)  # ufuncs: no Python wrapper
        weight = _F32(rs.weight)
        if hi == lo:
            contributions = np.full(len(values), weight, dtype=np.float32)
        else:
            # weight * ((values - lo) / (hi - lo)) in float32, in place after the first operation
            contributions = values - lo
            contributions /= hi - lo
            contributions *= weight
        parts.append((rs, values, contributions))
    if not parts:
        return HitList([])
    texts = _relative_explains(parts, uuid_of) if explain else None
    return _fuse(parts, uuid_of, ranks, texts)


def ranked_fusion(
    sets: list[ResultSet],
    uuid_of: Callable[[int], str],
    *,
    explain: bool = True,
    ranks: np.ndarray | None = None,
) -> HitList:
    """Reciprocal rank fusion: weight / (rank + 60) per set, summed in float32."""
    fused = None if explain else _fuse_natively(sets, False, ranks)
    if fused is not None:
        return fused
    parts = []
    for rs in sets:
        if not rs.hits:
            continue
        values = np.asarray(rs.values, dtype=np.float32)
        # weight / (rank + 60) in float64, then rounded to float32, as Weaviate's Go code does
        contributions = (rs.weight / np.arange(60, 60 + len(values), dtype=np.float64)).astype(np.float32)
        parts.append((rs, values, contributions))
    if not parts:
        return HitList([])
    texts = _ranked_explains(parts, uuid_of) if explain else None
    return _fuse(parts, uuid_of, ranks, texts)


def fuse_columns(relative: bool, columns: list[tuple[Any, Any, float]], ranks: Any) -> HitList | None:
    """The whole fusion in one call to the C module: (ids, values, weight) per non-empty result set in
    fusion order; contributions, merge, sort and tie runs with the numpy path's float32 arithmetic.

    None (the numpy path answers) when the module is not built, there is no rank array, there is no set
    or more than two, or a value is not finite.
    """
    if _native is None or ranks is None or not columns or len(columns) > 2:
        return None
    try:  # the engine's columns are contiguous int64 and float32 already: no conversion call
        found = _native.fuse(relative, columns, ranks)
    except (BufferError, TypeError, ValueError):
        found = _native.fuse(
            relative,
            [
                (np.ascontiguousarray(ids, dtype=np.int64), np.ascontiguousarray(values, dtype=np.float32), w)
                for ids, values, w in columns
            ],
            np.ascontiguousarray(ranks, dtype=np.int64),
        )
    return None if found is None else FusedHits(np.frombuffer(found, dtype=_FUSED))


def _fuse_natively(sets: list[ResultSet], relative: bool, ranks: np.ndarray | None) -> HitList | None:
    return fuse_columns(
        relative, [(rs.ids, rs.values, float(rs.weight)) for rs in sets if len(rs.values)], ranks
    )


def _fuse(parts: list, uuid_of, ranks: np.ndarray | None, texts: dict[int, str] | None):
    """Sum the contributions per doc (float32), keep the last set's raw value as the secondary key, sort.

    A hybrid query fuses pools of 100 or more on every run: this keeps to few numpy calls (each costs
    more than the arithmetic on a few hundred numbers).
    """
    if len(parts) == 1:
        rs, values, contributions = parts[0]
        ids = rs.ids
    else:
        ids = np.concatenate([rs.ids for rs, _, _ in parts])
        by_id = ids.argsort(kind="stable")
        ids = ids[by_id]
        values = np.concatenate([v for _, v, _ in parts])[by_id]
        contributions = np.concatenate([c for _, _, c in parts])[by_id]
        # A doc is at most once per set, so after a stable sort by id a doc of both sets sits at i (its
        # vector entry) and i + 1 (its keyword entry): add the first into the second, in float32, and
        # drop the first. The second keeps the keyword value as the secondary key, as Weaviate does.
        twin = (ids[1:] == ids[:-1]).nonzero()[0]
        if len(twin):
            contributions[twin + 1] += contributions[twin]
            keep = np.ones(len(ids), dtype=bool)
            keep[twin] = False
            ids, values, contributions = ids[keep], values[keep], contributions[keep]
    uuid_rank = ranks[ids] if ranks is not None else _uuid_ranks(ids, uuid_of)
    order = _tolerant(np.lexsort((uuid_rank, -values, -contributions)), contributions, values, uuid_rank)
    ids = ids[order]
    explains = [texts.get(d) or None for d in ids.tolist()] if texts is not None else None
    return HitList(ids, scores=contributions[order], explains=explains, secondary=values[order])


def _uuid_ranks(docs: np.ndarray, uuid_of) -> np.ndarray:
    """Positions in uuid order, from the uuids themselves (when the caller has no rank array)."""
    uuids = [uuid_of(d) for d in docs.tolist()]
    out = np.empty(len(uuids), dtype=np.int64)
    out[sorted(range(len(uuids)), key=uuids.__getitem__)] = np.arange(len(uuids))
    return out


def _tolerant(
    order: np.ndarray, score: np.ndarray, secondary: np.ndarray, uuid_rank: np.ndarray
) -> np.ndarray:
    """Both fusions compare scores with a 1e-7 tolerance (the sort in FusionRelativeScore, Weaviate's
    usecases/traverser/hybrid/hybrid_fusion.go): a run of scores within
    1e-7 of the run's first is ordered by the tie-breaks alone. Exact ties are already in that order."""
    s = score[order]
    gaps = s[:-1] - s[1:]  # float32; 2e-7 is a wide enough net for the exact float64 test below
    if gaps[gaps > 0].min(initial=1.0) >= 2e-7:
        return order
    values = s.tolist()
    out: list[int] = []
    begin = 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[begin] - values[i] >= 1e-7:
            run = order[begin:i].tolist()
            if len(run) > 1:
                run.sort(key=lambda j: (-float(secondary[j]), int(uuid_rank[j])))
            out.extend(run)
            begin = i
    return np.asarray(out, dtype=np.int64)


# --- explainScore texts (only when selected) -------------------------------------------------------


def _relative_explains(parts: list, uuid_of) -> dict[int, str]:
    texts: dict[int, str] = {}
    for rs, values, contributions in parts:
        own = rs.explains
        for i, doc_id in enumerate(rs.ids.tolist()):
            text = (
                f"Hybrid (Result Set {rs.name}) Document {uuid_of(doc_id)}: original score "
                f"{go_float32_v(values[i])}, normalized score: {go_float32_v(contributions[i])}"
            )
            previous = texts.get(doc_id)
            if previous is not None:
                text += " - " + previous
            texts[doc_id] = (own[i] if own else "") + "\n" + text
    return texts


def _ranked_explains(parts: list, uuid_of) -> dict[int, str]:
    texts: dict[int, str] = {}
    for rs, _, contributions in parts:
        own = rs.explains
        for i, doc_id in enumerate(rs.ids.tolist()):
            piece = (
                f"\nHybrid (Result Set {rs.name}) Document {uuid_of(doc_id)} "
                f"contributed {go_float32_v(contributions[i])} to the score"
            )
            previous = texts.get(doc_id)
            texts[doc_id] = (previous if previous is not None else (own[i] if own else "")) + piece
    return texts
