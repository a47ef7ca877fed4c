"""The vectorized fusion against a plain per-hit reference: same scores, order, secondary values and explains."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rankql.runtime.engine import fusion as fusion_module
from rankql.runtime.engine.formats import go_float32_v
from rankql.runtime.engine.fusion import ResultSet, ranked_fusion, relative_score_fusion
from rankql.runtime.engine.hits import Hit, HitList

F32 = np.float32


def _uuid(doc_id: int) -> str:
    # not in doc id order, so that uuid tie-breaks are really exercised
    return f"{(doc_id * 7919) % 1000:04d}-{doc_id}"


def reference(sets: list[ResultSet], *, ranked: bool) -> list[tuple]:
    """Per hit, in Python: float32 sums, last set's raw value as secondary, spec order and explains."""
    fused: dict[int, list] = {}
    for rs in sets:
        if not rs.hits:
            continue
        values = [F32(v) for v in rs.values]
        if ranked:
            contributions = [F32(rs.weight / float(i + 60)) for i in range(len(values))]
        else:
            lo, hi, weight = min(values), max(values), F32(rs.weight)
            contributions = [weight if hi == lo else weight * ((v - lo) / (hi - lo)) for v in values]
        for i, hit in enumerate(rs.hits):
            score, previous = contributions[i], fused.get(hit.doc_id)
            own = rs.explains[i] if rs.explains else ""
            if ranked:
                piece = (
                    f"\nHybrid (Result Set {rs.name}) Document {_uuid(hit.doc_id)} "
                    f"contributed {go_float32_v(score)} to the score"
                )
                text = (previous[3] if previous is not None else own) + piece
            else:
                text = (
                    f"Hybrid (Result Set {rs.name}) Document {_uuid(hit.doc_id)}: original score "
                    f"{go_float32_v(values[i])}, normalized score: {go_float32_v(score)}"
                )
                if previous is not None:
                    text += " - " + previous[3]
                text = own + "\n" + text
            if previous is not None:
                score = F32(score + previous[1])
            fused[hit.doc_id] = [hit.doc_id, score, values[i], text]
    rows = sorted(fused.values(), key=lambda r: (-float(r[1]), -float(r[2]), _uuid(r[0])))
    if len(rows) > 1:  # both fusions (hybrid_fusion.go): scores within 1e-7 of a run's first are equal
        out, start = [], 0
        for i in range(1, len(rows) + 1):
            if i == len(rows) or float(rows[start][1]) - float(rows[i][1]) >= 1e-7:
                out.extend(sorted(rows[start:i], key=lambda r: (-float(r[2]), _uuid(r[0]))))
                start = i
        rows = out
    return [(r[0], float(r[1]), float(r[2]), r[3]) for r in rows]


def _got(hits) -> list[tuple]:
    return [(h.doc_id, h.score, h.secondary, h.explain) for h in hits]


# Few distinct values, so that exact ties and near ties (one float32 step apart) are common.
value = st.sampled_from([0.0, 0.25, 0.5, 0.5000001, 0.50000006, 1.0, 1.0000001, 2.0, 3.5])
pool = st.dictionaries(st.integers(0, 30), value, max_size=25)


def _set(name: str, weight: float, pairs: dict[int, float], *, columns: bool, explained: bool) -> ResultSet:
    ids = list(pairs)
    values = [pairs[d] for d in ids]
    hits = (
        HitList(ids, scores=values)
        if columns
        else [Hit(d, score=v) for d, v in zip(ids, values, strict=True)]
    )
    explains = [f"own {d}" for d in ids] if explained else []
    return ResultSet(name, weight, hits, values, explains)


@settings(max_examples=300, deadline=None)
@given(
    pool,
    pool,
    st.sampled_from([0.0, 0.25, 0.5, 0.75, 1.0]),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_fusion_matches_the_reference(vector, keyword, alpha, ranked, columns, explained):
    sets = [
        _set("vector,hybridVector", alpha, vector, columns=columns, explained=False),
        _set("keyword,bm25", 1.0 - alpha, keyword, columns=columns, explained=explained),
    ]
    fusion = ranked_fusion if ranked else relative_score_fusion
    want = reference(sets, ranked=ranked)
    got = _got(fusion(sets, _uuid, explain=True))
    assert got == want
    # with the collection's uuid ranks instead of uuid strings, and without explains
    ids = sorted(set(vector) | set(keyword))
    ranks = np.full(31, -1, dtype=np.int64)
    ranks[sorted(ids, key=_uuid)] = np.arange(len(ids))
    plain = _got(fusion(sets, _uuid, explain=False, ranks=ranks))  # the C fusion, when built
    assert plain == [(d, s, x, None) for d, s, x, _ in want]
    assert _got(_numpy_only(fusion, sets, ranks)) == plain


def _numpy_only(fusion, sets, ranks):
    """The fusion with the C module out of the way: the numpy path."""
    native, fusion_module._native = fusion_module._native, None
    try:
        return fusion(sets, _uuid, explain=False, ranks=ranks)
    finally:
        fusion_module._native = native


def test_the_c_module_is_built() -> None:
    """make builds runtime/engine/_native.c (a C compiler is there: hnswlib needs one); without it numpy
    and Python answer, slower, and this test says so."""
    assert fusion_module._native is not None, "reinstall rankql with a C compiler at hand: make"


@pytest.mark.parametrize("ranked", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_c_fusion_equals_numpy_on_big_pools_with_long_ties(ranked: bool, seed: int) -> None:
    """Pools of 3,000 with many docs in both and runs of equal values longer than the C insertion sort."""
    rng = np.random.default_rng(seed)
    n_docs = 5000
    ranks = rng.permutation(n_docs).astype(np.int64)
    vector_ids = rng.choice(n_docs, 3000, replace=False)
    keyword_ids = np.concatenate([vector_ids[:1500], rng.choice(n_docs, 1500, replace=False)])
    keyword_ids = np.unique(keyword_ids)[:3000]
    rng.shuffle(keyword_ids)
    values = np.round(rng.random(3000), 2).astype(np.float32)  # 101 distinct values: long tie runs
    scores = np.sort(rng.choice([0.5, 1.25, 3.0], len(keyword_ids))).astype(np.float32)[::-1]
    sets = [
        ResultSet("vector,hybridVector", 0.75, HitList(vector_ids, scores=values), values),
        ResultSet("keyword,bm25", 0.25, HitList(keyword_ids, scores=scores), scores),
    ]
    fusion = ranked_fusion if ranked else relative_score_fusion
    got = _got(fusion(sets, _uuid, explain=False, ranks=ranks))
    assert got == _got(_numpy_only(fusion, sets, ranks))
    assert len(got) == len(set(vector_ids.tolist()) | set(keyword_ids.tolist()))


@pytest.mark.filterwarnings("ignore:invalid value encountered", "ignore:overflow encountered")
def test_c_fusion_leaves_non_finite_values_to_numpy() -> None:
    """The C module declines (None) what it would order differently from numpy; the fusion still answers."""
    ids = np.array([1, 2], dtype=np.int64)
    ranks = np.arange(3, dtype=np.int64)
    huge = np.array([-3e38, 3e38], dtype=np.float32)  # finite, but max - min overflows float32
    for values in ([1.0, np.inf], [1.0, np.nan], huge):
        values = np.asarray(values, dtype=np.float32)
        assert fusion_module._native.fuse(True, [(ids, values, 1.0)], ranks) is None
        # rankedFusion's contributions come from ranks alone: only a non-finite value is declined
        declined = fusion_module._native.fuse(False, [(ids, values, 1.0)], ranks) is None
        assert declined == (not np.isfinite(values).all())
        sets = [ResultSet("keyword,bm25", 1.0, HitList(ids, scores=values), values)]
        for fusion in (relative_score_fusion, ranked_fusion):
            got = fusion(sets, _uuid, explain=False, ranks=ranks)
            assert sorted(h.doc_id for h in got) == [1, 2]


def test_hit_list_reads_like_a_list_of_hits():
    hits = HitList([4, 2, 9], distances=[0.1, 0.2, 0.3])
    assert len(hits) == 3 and hits[1] == Hit(2, distance=0.2) and hits[-1].doc_id == 9
    assert hits[1:] == [Hit(2, distance=0.2), Hit(9, distance=0.3)]
    assert [h.doc_id for h in hits] == [4, 2, 9]
    assert hits == [Hit(4, distance=0.1), Hit(2, distance=0.2), Hit(9, distance=0.3)]
    assert HitList([]) == [] and not HitList([])


def test_hit_list_from_numpy_columns_gives_python_values():
    hits = HitList(np.array([7, 3], dtype=np.int64), scores=np.array([0.5, 0.25], dtype=np.float32))
    first = hits[0]
    assert type(first.doc_id) is int and type(first.score) is float and first.distance is None
    assert [(h.doc_id, h.score) for h in hits] == [(7, 0.5), (3, 0.25)]
    assert hits[-1:] == [Hit(3, score=0.25)]
