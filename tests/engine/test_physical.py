"""The physical plan: which scan and fusion the lowering picks, the run-time choice explain analyze shows,
and that every path gives the same answer."""

from __future__ import annotations

import pytest
from rankql.runtime import Database
from rankql.runtime.engine.physical import (
    ExactScan,
    FilteredScan,
    FuseNative,
    FuseNumpy,
    HnswScan,
    ListScan,
    PhysicalNode,
    SortOp,
)
from rankql.runtime.store.thresholds import FLAT_SEARCH_CUTOFF

from .dataset import ARTICLE_CLASS, ARTICLES, article_uuid
from .test_golden import mask

FOOD = '{path: ["category"], operator: Equal, valueText: "food"}'


def _db(**index: object) -> Database:
    db = Database()
    definition = {**ARTICLE_CLASS, **index.pop("top", {})}  # type: ignore[dict-item]
    definition["vectorIndexConfig"] = {**ARTICLE_CLASS.get("vectorIndexConfig", {}), **index}
    articles = db.create_collection(definition)
    fields = ("title", "body", "wordCount", "rating", "published", "tags", "category", "inStock")
    articles.insert_many(
        [
            {
                "id": article_uuid(i),
                "properties": {k: v for k, v in zip(fields, row[:-1], strict=True) if v is not None},
                "vector": row[-1],
            }
            for i, row in enumerate(ARTICLES)
        ],
        progress=False,
    )
    return db


def _scan(db: Database, args: str, fields: str = "title") -> list[PhysicalNode]:
    """The physical plan the engine keeps for the query, after one run."""
    prepared = db.engine.prepare(f"{{ Get {{ Article({args}) {{ {fields} }} }} }}")
    answer = prepared.run()
    assert "errors" not in answer, answer
    (compiled,) = prepared.plans.values()
    assert compiled.physical is not None
    return compiled.physical.nodes()


@pytest.fixture(scope="module")
def default_db() -> Database:
    return _db()


def test_the_lowering_picks_the_scan_from_the_plan_and_the_index_settings(default_db):
    nodes = _scan(default_db, "nearVector: {vector: [1, 0, 0, 0]}, limit: 3")
    assert isinstance(nodes[-1], HnswScan) and nodes[-1].lists and nodes[-1].ef == 100
    nodes = _scan(default_db, "nearVector: {vector: [1, 0, 0, 0], distance: 0.5}")
    assert isinstance(nodes[-1], ExactScan) and nodes[-1].k is None
    nodes = _scan(default_db, f"nearVector: {{vector: [1, 0, 0, 0]}}, where: {FOOD}, limit: 3")
    assert isinstance(nodes[-1], FilteredScan) and nodes[-1].cutoff == FLAT_SEARCH_CUTOFF
    nodes = _scan(default_db, "nearVector: {vector: [1, 0, 0, 0], certainty: 0.5}, limit: 3")
    assert not nodes[-1].lists  # certainty is checked on arrays
    nodes = _scan(default_db, 'sort: {path: ["wordCount"]}, limit: 3')
    assert [type(n) for n in nodes[-2:]] == [SortOp, ListScan]


def test_the_lowering_picks_the_fusion(default_db):
    hybrid = 'hybrid: {query: "fish", vector: [1, 0, 0, 0]}'
    assert any(isinstance(n, FuseNative) for n in _scan(default_db, hybrid))
    assert any(isinstance(n, FuseNumpy) for n in _scan(default_db, hybrid, "_additional { explainScore }"))
    distance = 'hybrid: {query: "fish", vector: [1, 0, 0, 0], maxVectorDistance: 0.5}'
    assert any(isinstance(n, FuseNumpy) for n in _scan(default_db, distance))


def test_a_flat_index_always_scans_exactly():
    db = _db(top={"vectorIndexType": "flat"})
    (scan,) = [
        n for n in _scan(db, "nearVector: {vector: [1, 0, 0, 0]}, limit: 3") if isinstance(n, ExactScan)
    ]
    assert scan.reason == "vectorIndexType is flat"


@pytest.mark.parametrize(
    ("cutoff", "choice"),
    [(FLAT_SEARCH_CUTOFF, "exact: 4 allowed <= 40000"), (2, "hnsw post-filtered: 4 allowed > 2")],
)
def test_explain_analyze_shows_the_filtered_scan_choice_and_both_paths_agree(cutoff, choice, default_db):
    db = _db(flatSearchCutoff=cutoff)
    text = (
        f"{{ Get {{ Article(nearVector: {{vector: [1, 0, 0, 0]}}, where: {FOOD}, limit: 3) {{ title }} }} }}"
    )
    analyzed = mask(db.explain(text, analyze=True))
    scan_line = next(line for line in analyzed.splitlines() if "FilteredScan" in line)
    assert scan_line.endswith(f"[rows 3, _ ms, {choice}]")
    assert db.query(text) == default_db.query(text)
    plain = db.explain(text)
    assert plain.splitlines()[0] == "logical plan" and "physical plan" in plain.splitlines()
