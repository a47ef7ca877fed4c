"""Hybrid fusion: rankedFusion and relativeScoreFusion with Weaviate's float32 sums, tie-breaks and explains."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .formats import go_float32_v
from .hits import Hit

VECTOR_SET = "vector,hybridVector"
KEYWORD_SET = "keyword,bm25"
_F32 = np.float32


@dataclass
class ResultSet:
    """One sub-search's ranked hits with their raw values (1 - distance, or the BM25 score)."""

    name: str
    weight: float
    hits: list[Hit]
    values: list[float]
    explains: list[str] = field(default_factory=list)  # the hit's own explainScore (bm25), if asked


@dataclass
class _Fused:
    doc_id: int
    score: np.float32
    secondary: np.float32
    explain: str


def relative_score_fusion(
    sets: list[ResultSet], uuid_of: Callable[[int], str], *, explain: bool = True
) -> list[Hit]:
    """Min-max normalize each set, weight and sum (float32); sorted with the spec's tie-breaks."""
    if all(not s.hits for s in sets):
        return []
    fused: dict[int, _Fused] = {}
    for rs in sets:
        if not rs.hits:
            continue
        values = np.asarray(rs.values, dtype=np.float32)
        lo, hi = values.min(), values.max()
        weight = _F32(rs.weight)
        if hi == lo:
            contributions = np.full(len(values), weight, dtype=np.float32)
        else:
            contributions = weight * ((values - lo) / (hi - lo))
        for i, hit in enumerate(rs.hits):
            score = contributions[i]
            previous = fused.get(hit.doc_id)
            text = ""
            if explain:
                text = (
                    f"Hybrid (Result Set {rs.name}) Document {uuid_of(hit.doc_id)}: original score "
                    f"{go_float32_v(values[i])}, normalized score: {go_float32_v(score)}"
                )
                if previous is not None:
                    text += " - " + previous.explain
                text = (rs.explains[i] if rs.explains else "") + "\n" + text
            if previous is not None:
                score = _F32(score + previous.score)
            fused[hit.doc_id] = _Fused(hit.doc_id, score, values[i], text)
    return _sorted(fused.values(), uuid_of, tolerance=True)


def ranked_fusion(sets: list[ResultSet], uuid_of: Callable[[int], str], *, explain: bool = True) -> list[Hit]:
    """Reciprocal rank fusion: weight / (rank + 60) per set, summed in float32."""
    fused: dict[int, _Fused] = {}
    for rs in sets:
        values = np.asarray(rs.values, dtype=np.float32)
        for i, hit in enumerate(rs.hits):
            score = _F32(rs.weight / float(i + 60))
            previous = fused.get(hit.doc_id)
            text = ""
            if explain:
                piece = (
                    f"\nHybrid (Result Set {rs.name}) Document {uuid_of(hit.doc_id)} "
                    f"contributed {go_float32_v(score)} to the score"
                )
                own = rs.explains[i] if rs.explains else ""
                text = (previous.explain if previous is not None else own) + piece
            if previous is not None:
                score = _F32(score + previous.score)
            fused[hit.doc_id] = _Fused(hit.doc_id, score, values[i], text)
    return _sorted(fused.values(), uuid_of, tolerance=False)


def _sorted(items, uuid_of: Callable[[int], str], *, tolerance: bool) -> list[Hit]:
    """Score desc, then secondary desc, then uuid asc. Scores closer than 1e-7 count as equal for
    relativeScoreFusion (as Weaviate compares them): such runs are re-sorted by the tie-breaks alone."""
    # Python floats hold float32 values exactly and sort much faster than numpy scalars.
    rows = [(float(f.score), float(f.secondary), uuid_of(f.doc_id), f) for f in items]
    rows.sort(key=lambda r: (-r[0], -r[1], r[2]))
    if tolerance and len(rows) > 1:
        out, start = [], 0
        for i in range(1, len(rows) + 1):
            if i == len(rows) or rows[start][0] - rows[i][0] >= 1e-7:
                run = rows[start:i]
                if len(run) > 1:
                    run.sort(key=lambda r: (-r[1], r[2]))
                out.extend(run)
                start = i
        rows = out
    return [Hit(f.doc_id, score=score, explain=f.explain or None, secondary=sec) for score, sec, _, f in rows]
