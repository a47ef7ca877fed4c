"""Aggregate against a direct computation (statistics, collections) on random data, and its refusals."""

from __future__ import annotations

import statistics
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rankql.runtime import Database

CLASS = {
    "class": "Row",
    "vectorizer": "none",
    "properties": [
        {"name": "n", "dataType": ["int"]},
        {"name": "x", "dataType": ["number"]},
        {"name": "b", "dataType": ["boolean"]},
        {"name": "word", "dataType": ["text"], "tokenization": "field"},
    ],
}
QUERY = """{ Aggregate { Row%s { meta { count } groupedBy { path value }
  n { count minimum maximum mean median mode sum } x { count mean median mode sum }
  b { count totalTrue totalFalse percentageTrue percentageFalse }
  word { count topOccurrences(limit: 3) { value occurs } } } } }"""

row = st.fixed_dictionaries(
    {},
    optional={
        "n": st.integers(-50, 50),
        "x": st.floats(-1e3, 1e3, allow_nan=False).map(lambda v: round(v, 3)),
        "b": st.booleans(),
        "word": st.sampled_from(["a", "b", "c", "d"]),
    },
)


def _db(rows: list[dict]) -> Database:
    db = Database()
    col = db.create_collection(CLASS)
    result = col.insert_many(
        [{"properties": r, "vector": [1.0, float(i)]} for i, r in enumerate(rows)], progress=False
    )
    assert not [r.error for r in result if r.error is not None]
    return db


def _mode(values: list):
    counts = Counter(values)
    return min(counts, key=lambda v: (-counts[v], v))


def _expected(rows: list[dict]) -> dict:
    ns = [r["n"] for r in rows if "n" in r]
    xs = [r["x"] for r in rows if "x" in r]
    bs = [r["b"] for r in rows if "b" in r]
    words = Counter(r["word"] for r in rows if "word" in r)
    top = sorted(words.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    return {
        "meta": {"count": len(rows)},
        "n": {
            "count": len(ns),
            "minimum": min(ns, default=None),
            "maximum": max(ns, default=None),
            "mean": statistics.fmean(ns) if ns else None,
            "median": float(statistics.median(ns)) if ns else None,
            "mode": _mode(ns) if ns else None,
            "sum": sum(ns),
        },
        "x": {
            "count": len(xs),
            "mean": statistics.fmean(xs) if xs else None,
            "median": float(statistics.median(xs)) if xs else None,
            "mode": _mode(xs) if xs else None,
            "sum": float(sum(xs)),
        },
        "b": {
            "count": len(bs),
            "totalTrue": sum(bs),
            "totalFalse": len(bs) - sum(bs),
            "percentageTrue": sum(bs) / len(bs) if bs else None,
            "percentageFalse": (len(bs) - sum(bs)) / len(bs) if bs else None,
        },
        "word": {"count": sum(words.values()), "topOccurrences": [{"value": v, "occurs": c} for v, c in top]},
    }


def _close(got: dict, want: dict) -> None:
    assert got.keys() == want.keys()
    for key, value in want.items():
        if isinstance(value, float):
            assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
        else:
            assert got[key] == value, key


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, min_size=1, max_size=30))
def test_aggregate_matches_a_direct_computation(rows: list[dict]) -> None:
    db = _db(rows)
    answer = db.query(QUERY.replace("groupedBy { path value }", "") % "")
    assert "errors" not in answer, answer
    (entry,) = answer["data"]["Aggregate"]["Row"]
    want = _expected(rows)
    for name in ("meta", "n", "x", "b", "word"):
        _close(entry[name], want[name])


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, min_size=1, max_size=30))
def test_group_by_aggregates_each_group(rows: list[dict]) -> None:
    db = _db(rows)
    answer = db.query(QUERY % '(groupBy: ["word"])')
    assert "errors" not in answer, answer
    groups = answer["data"]["Aggregate"]["Row"]
    members: dict[str, list[dict]] = {}
    for r in rows:
        if "word" in r:
            members.setdefault(r["word"], []).append(r)
    order = sorted(members, key=lambda w: (-len(members[w]), w))
    assert [g["groupedBy"] for g in groups] == [{"path": ["word"], "value": w} for w in order]
    for group, word in zip(groups, order, strict=True):
        want = _expected(members[word])
        for name in ("meta", "n", "x", "b"):
            _close(group[name], want[name])


def test_object_limit_bounds_the_vector_search() -> None:
    rows = [{"n": i} for i in range(10)]
    db = _db(rows)  # vectors [1, i]: the nearest to [1, 0] are the smallest i
    answer = db.query(
        "{ Aggregate { Row(nearVector: {vector: [1, 0]}, objectLimit: 4) { meta { count } n { sum maximum } } } }"
    )
    (entry,) = answer["data"]["Aggregate"]["Row"]
    assert entry["meta"]["count"] == 4
    assert entry["n"]["maximum"] == 3 and entry["n"]["sum"] == 0 + 1 + 2 + 3


def test_certainty_bounds_the_vector_search() -> None:
    db = _db([{"n": i} for i in range(10)])
    # cosine distance of [1, i] to [1, 0] is 1 - 1/sqrt(1 + i^2); certainty 0.9 keeps distance <= 0.2
    answer = db.query(
        "{ Aggregate { Row(nearVector: {vector: [1, 0], certainty: 0.9}) { meta { count } } } }"
    )
    want = sum(1 for i in range(10) if 1 - 1 / (1 + i * i) ** 0.5 <= 0.2)
    assert answer["data"]["Aggregate"]["Row"] == [{"meta": {"count": want}}]


@pytest.mark.parametrize(
    ("query", "code", "hint"),
    [
        ("{ Aggregate { Row { nn { sum } } } }", "Q602", "did you mean 'n'?"),
        ("{ Aggregate { Row { word { mean } } } }", "Q703", "text offers: count, type, topOccurrences"),
        ("{ Aggregate { Row { n { totalTrue } } } }", "Q703", None),
        ("{ Aggregate { Row(nearVector: {vector: [1, 0]}) { meta { count } } } }", "Q704", None),
        ('{ Aggregate { Row(groupBy: ["wrd"]) { meta { count } } } }', "Q612", "did you mean 'word'?"),
        ("{ Aggregate { Row(limit: 2) { meta { count } } } }", "Q701", None),
        ("{ Aggregate { Row(objectLimt: 2) { meta { count } } } }", "Q201", "did you mean 'objectLimit'?"),
        ("{ Aggregate { Rows { meta { count } } } }", "Q601", "did you mean 'Row'?"),
        (
            "{ Aggregate { Row { meta { count } } Row { n { sum } } } }",
            "Q107",
            "give one an alias: otherRow: Row(...)",
        ),
    ],
)
def test_refusals_say_what_to_do(query: str, code: str, hint: str | None) -> None:
    db = _db([{"n": 1}])
    errors = db.query(query)["errors"]
    assert errors[0]["extensions"]["code"] == code
    if hint is not None:
        assert errors[0]["extensions"]["hint"] == hint
    assert "data" not in db.query(query)


def test_get_and_aggregate_in_one_document() -> None:
    db = _db([{"n": 1}, {"n": 2}])
    answer = db.query("{ Get { Row { n } } Aggregate { Row { meta { count } } } }")
    assert answer["data"]["Aggregate"] == {"Row": [{"meta": {"count": 2}}]}
    assert sorted(r["n"] for r in answer["data"]["Get"]["Row"]) == [1, 2]
