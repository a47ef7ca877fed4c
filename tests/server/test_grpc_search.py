"""gRPC Search through Weaviate's real v4 client: every query kind, each answer compared with db.query."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import weaviate
from rankql.runtime import serve
from weaviate.classes.query import (
    BM25Operator,
    Filter,
    GroupBy,
    HybridFusion,
    MetadataQuery,
    Rerank,
    Sort,
)
from weaviate.exceptions import WeaviateQueryError

from .grpc_support import article, article_db, gql, same_objects

QUERY_VECTOR = article(5)["vector"]
PROPS = "title body points price published tags category featured"


@pytest.fixture(scope="module")
def client() -> Iterator:
    with serve(article_db()) as server:
        client = weaviate.connect_to_local(port=server.port, grpc_port=server.grpc_port)
        client.rankql_server = server
        try:
            yield client
        finally:
            client.close()


@pytest.fixture
def served(client) -> tuple:
    return client.rankql_server.db, client.collections.use("Article")


def test_fetch_objects_default_limit_is_grpcs_ten(served) -> None:
    db, articles = served
    got = articles.query.fetch_objects()
    assert len(got.objects) == 10  # gRPC's default; GraphQL's would be 100
    same_objects(got.objects, gql(db, "limit: 10", f"{PROPS} _additional {{ id }}"))


def test_fetch_objects_with_filters_sort_and_offset(served) -> None:
    db, articles = served
    where = Filter.by_property("points").greater_than(10) & Filter.by_property("category").equal("a")
    got = articles.query.fetch_objects(
        filters=where, sort=Sort.by_property("points", ascending=False), limit=4, offset=1
    )
    expected = gql(
        db,
        'where: {operator: And, operands: [{path: ["points"], operator: GreaterThan, valueInt: 10}, '
        '{path: ["category"], operator: Equal, valueText: "a"}]}, sort: [{path: ["points"], order: desc}], '
        "limit: 4, offset: 1",
        f"{PROPS} _additional {{ id }}",
    )
    assert len(expected) == 4
    same_objects(got.objects, expected)


@pytest.mark.parametrize(
    ("client_filter", "graphql_where"),
    [
        (
            Filter.by_property("published").greater_than(dt.datetime(2020, 1, 20, tzinfo=dt.UTC)),
            '{path: ["published"], operator: GreaterThan, valueDate: "2020-01-20T00:00:00Z"}',
        ),
        (
            Filter.by_property("tags").contains_any(["fish", "odd"]),
            '{path: ["tags"], operator: ContainsAny, valueText: ["fish", "odd"]}',
        ),
        (Filter.by_property("title").like("riv*"), '{path: ["title"], operator: Like, valueText: "riv*"}'),
        (Filter.by_property("price").less_than(10), '{path: ["price"], operator: LessThan, valueNumber: 10}'),
        (
            Filter.by_property("featured").equal(True),
            '{path: ["featured"], operator: Equal, valueBoolean: true}',
        ),
        (
            Filter.by_id().equal(article(3)["id"]),
            f'{{path: ["id"], operator: Equal, valueText: "{article(3)["id"]}"}}',
        ),
        (
            Filter.not_(Filter.by_property("category").equal("b")) | Filter.by_property("points").equal(0),
            '{operator: Or, operands: [{operator: Not, operands: [{path: ["category"], operator: Equal, '
            'valueText: "b"}]}, {path: ["points"], operator: Equal, valueInt: 0}]}',
        ),
    ],
    ids=["date", "contains-any", "like", "int-on-number", "boolean", "id", "not-or"],
)
def test_filters_match_graphql_where(served, client_filter, graphql_where) -> None:
    db, articles = served
    got = articles.query.fetch_objects(filters=client_filter, limit=50)
    expected = gql(db, f"where: {graphql_where}, limit: 50", f"{PROPS} _additional {{ id }}")
    assert expected
    same_objects(got.objects, expected)


def test_near_vector_with_metadata_vector_and_filter(served) -> None:
    db, articles = served
    got = articles.query.near_vector(
        QUERY_VECTOR,
        limit=5,
        filters=Filter.by_property("points").less_than(40),
        return_metadata=MetadataQuery(distance=True, certainty=True),
        include_vector=True,
    )
    vector = ", ".join(map(repr, QUERY_VECTOR))
    expected = gql(
        db,
        f'nearVector: {{vector: [{vector}]}}, where: {{path: ["points"], operator: LessThan, valueInt: 40}}, '
        "limit: 5",
        f"{PROPS} _additional {{ id distance certainty vector }}",
    )
    same_objects(got.objects, expected, metadata=("distance", "certainty", "vector"))
    assert got.objects[0].metadata.distance < got.objects[-1].metadata.distance


def test_near_vector_distance_threshold_and_autocut(served) -> None:
    db, articles = served
    vector = ", ".join(map(repr, QUERY_VECTOR))
    got = articles.query.near_vector(QUERY_VECTOR, distance=0.9, return_metadata=MetadataQuery(distance=True))
    expected = gql(
        db,
        f"nearVector: {{vector: [{vector}], distance: 0.9}}, limit: 10",
        "title _additional { id distance }",
    )
    assert [str(o.uuid) for o in got.objects] == [e["_additional"]["id"] for e in expected]
    assert all(o.metadata.distance <= 0.9 for o in got.objects)
    cut = articles.query.near_vector(QUERY_VECTOR, auto_limit=1)
    expected = gql(db, f"nearVector: {{vector: [{vector}]}}, autocut: 1, limit: 10", "_additional { id }")
    assert [str(o.uuid) for o in cut.objects] == [e["_additional"]["id"] for e in expected]


def test_near_object(served) -> None:
    db, articles = served
    target = article(7)["id"]
    got = articles.query.near_object(target, limit=4, return_metadata=MetadataQuery(distance=True))
    expected = gql(db, f'nearObject: {{id: "{target}"}}, limit: 4', f"{PROPS} _additional {{ id distance }}")
    same_objects(got.objects, expected, metadata=("distance",))
    assert str(got.objects[0].uuid) == target


def test_bm25_with_boosted_properties_and_score(served) -> None:
    db, articles = served
    got = articles.query.bm25(
        "fish river", query_properties=["title^2", "body"], limit=6, return_metadata=MetadataQuery(score=True)
    )
    expected = gql(
        db,
        'bm25: {query: "fish river", properties: ["title^2", "body"]}, limit: 6',
        f"{PROPS} _additional {{ id score }}",
    )
    same_objects(got.objects, expected, metadata=("score",))


@pytest.mark.parametrize("fusion", [HybridFusion.RANKED, HybridFusion.RELATIVE_SCORE])
def test_hybrid_with_vector_alpha_and_fusion(served, fusion) -> None:
    db, articles = served
    got = articles.query.hybrid(
        "ocean boat",
        vector=QUERY_VECTOR,
        alpha=0.4,
        fusion_type=fusion,
        limit=7,
        return_metadata=MetadataQuery(score=True, explain_score=True),
    )
    vector = ", ".join(map(repr, QUERY_VECTOR))
    name = "rankedFusion" if fusion == HybridFusion.RANKED else "relativeScoreFusion"
    expected = gql(
        db,
        f'hybrid: {{query: "ocean boat", vector: [{vector}], alpha: 0.4, fusionType: {name}}}, limit: 7',
        f"{PROPS} _additional {{ id score explainScore }}",
    )
    same_objects(got.objects, expected, metadata=("score", "explain_score"))


def test_group_by_on_near_vector(served) -> None:
    db, articles = served
    got = articles.query.near_vector(
        QUERY_VECTOR, limit=12, group_by=GroupBy(prop="category", number_of_groups=2, objects_per_group=3)
    )
    vector = ", ".join(map(repr, QUERY_VECTOR))
    expected = gql(
        db,
        f'nearVector: {{vector: [{vector}]}}, limit: 12, groupBy: {{path: ["category"], groups: 2, objectsPerGroup: 3}}',
        "_additional { group { groupedBy { value } count minDistance maxDistance hits { title _additional { id distance } } } }",
    )
    assert list(got.groups) == [e["_additional"]["group"]["groupedBy"]["value"] for e in expected]
    for (name, group), exp in zip(got.groups.items(), expected, strict=True):
        exp = exp["_additional"]["group"]
        assert group.number_of_objects == exp["count"]
        assert group.min_distance == pytest.approx(exp["minDistance"], rel=1e-6)
        assert [str(o.uuid) for o in group.objects] == [h["_additional"]["id"] for h in exp["hits"]]
        assert [o.properties["title"] for o in group.objects] == [h["title"] for h in exp["hits"]]
        assert all(o.belongs_to_group == name for o in group.objects)


def test_rerank_with_reranker_dummy(served) -> None:
    db, articles = served
    got = articles.query.near_vector(
        QUERY_VECTOR,
        limit=6,
        rerank=Rerank(prop="title", query="boats"),
        return_metadata=MetadataQuery(distance=True),
    )
    vector = ", ".join(map(repr, QUERY_VECTOR))
    expected = gql(
        db,
        f"nearVector: {{vector: [{vector}]}}, limit: 6",
        f'{PROPS} _additional {{ id distance rerank(property: "title", query: "boats") {{ score }} }}',
    )
    same_objects(got.objects, expected, metadata=("distance", "rerank_score"))
    assert all(isinstance(o.metadata.rerank_score, float) for o in got.objects)


def test_return_properties_subset_and_fetch_by_id(served) -> None:
    db, articles = served
    got = articles.query.fetch_objects(limit=3, return_properties=["title", "points"])
    assert [set(o.properties) for o in got.objects] == [{"title", "points"}] * 3
    assert all(isinstance(o.properties["points"], int) for o in got.objects)
    one = articles.query.fetch_object_by_id(article(11)["id"])
    expected = gql(db, f'where: {{path: ["id"], operator: Equal, valueText: "{article(11)["id"]}"}}', PROPS)
    assert {k: v for k, v in one.properties.items() if k != "published"} == {
        k: v for k, v in expected[0].items() if k != "published"
    }
    assert one.properties["published"] == dt.datetime(2020, 1, 12, tzinfo=dt.UTC)
    assert articles.query.fetch_object_by_id("00000000-0000-0000-0000-000000000000") is None


def test_after_cursor_pages_through_everything(served) -> None:
    db, articles = served
    seen, after = [], None
    while True:
        page = articles.query.fetch_objects(limit=15, after=after)
        if not page.objects:
            break
        seen.extend(str(o.uuid) for o in page.objects)
        after = page.objects[-1].uuid
    assert seen == [e["_additional"]["id"] for e in gql(db, "limit: 100", "_additional { id }")]
    assert len(seen) == 40
    assert [str(o.uuid) for o in articles.iterator()] == seen


def test_query_errors_carry_rankqls_messages(served) -> None:
    _, articles = served
    with pytest.raises(WeaviateQueryError, match="no such prop with name 'nope'"):
        articles.query.fetch_objects(filters=Filter.by_property("nope").equal(1))
    with pytest.raises(WeaviateQueryError, match=r"alpha should be between 0\.0 and 1\.0"):
        articles.query.hybrid("fish", vector=QUERY_VECTOR, alpha=1.5)
    with pytest.raises(WeaviateQueryError, match='Unknown argument "nearText" on field "Article"'):
        articles.query.near_text("fish")
    with pytest.raises(WeaviateQueryError, match="rerank property 'nope' does not exist in class 'Article'"):
        articles.query.bm25("fish", rerank=Rerank(prop="nope"))


@pytest.mark.parametrize(
    ("operator", "graphql"),
    [
        (BM25Operator.and_(), "{operator: And}"),
        (BM25Operator.or_(minimum_match=2), "{operator: Or, minimumOrTokensMatch: 2}"),
    ],
)
def test_bm25_search_operator_as_graphql(served, operator, graphql) -> None:
    db, articles = served
    got = articles.query.bm25("fish boat river", operator=operator, limit=40)
    expected = gql(
        db, f'bm25: {{query: "fish boat river", searchOperator: {graphql}}}, limit: 40', "_additional { id }"
    )
    assert (
        0 < len(expected) < len(gql(db, 'bm25: {query: "fish boat river"}, limit: 40', "_additional { id }"))
    )
    assert [str(o.uuid) for o in got.objects] == [e["_additional"]["id"] for e in expected]
    fused = articles.query.hybrid(
        "fish boat river", vector=QUERY_VECTOR, alpha=0, bm25_operator=operator, limit=40
    )
    assert [str(o.uuid) for o in fused.objects] == [e["_additional"]["id"] for e in expected]


def test_consistency_level_and_is_consistent(client) -> None:
    from weaviate.classes.config import ConsistencyLevel

    articles = client.collections.use("Article").with_consistency_level(ConsistencyLevel.QUORUM)
    got = articles.query.fetch_objects(limit=2, return_metadata=MetadataQuery(is_consistent=True))
    assert [o.metadata.is_consistent for o in got.objects] == [True, True]


def test_unsupported_options_are_refused_not_ignored(served) -> None:
    _, articles = served
    with pytest.raises(WeaviateQueryError, match="rankql has no image vectorizer"):
        articles.query.near_image("aGVsbG8=")
    assert len(articles.query.bm25("fish boat", operator=BM25Operator.or_(minimum_match=1)).objects) == 10


def test_paging_errors_have_weaviates_messages(served) -> None:
    _, articles = served
    with pytest.raises(WeaviateQueryError, match="where cannot be set with after and limit parameters"):
        articles.query.fetch_objects(after=article(1)["id"], filters=Filter.by_property("points").equal(1))
    with pytest.raises(WeaviateQueryError, match="this may be an underflow error"):
        articles.query.fetch_objects(offset=9995, limit=10)
    # hybrid's legs fetch max(100, limit) from offset 0: past the 10,000 maximum is an empty page
    assert articles.query.hybrid("fish", vector=QUERY_VECTOR, offset=9995, limit=10).objects == []


def test_unknown_collection(client) -> None:
    with pytest.raises(WeaviateQueryError, match="could not find class Nothing in schema"):
        client.collections.use("Nothing").query.fetch_objects()


def _vector_text() -> str:
    return ", ".join(map(repr, QUERY_VECTOR))


SEARCHES = {
    "near_vector": (
        lambda q, **kw: q.near_vector(QUERY_VECTOR, **kw),
        lambda: f"nearVector: {{vector: [{_vector_text()}]}}",
    ),
    "near_object": (
        lambda q, **kw: q.near_object(article(2)["id"], **kw),
        lambda: f'nearObject: {{id: "{article(2)["id"]}"}}',
    ),
    "bm25": (lambda q, **kw: q.bm25("fish boat", **kw), lambda: 'bm25: {query: "fish boat"}'),
    "hybrid": (
        lambda q, **kw: q.hybrid("fish boat", vector=QUERY_VECTOR, alpha=0.6, **kw),
        lambda: f'hybrid: {{query: "fish boat", vector: [{_vector_text()}], alpha: 0.6}}',
    ),
}


@pytest.mark.parametrize("kind", list(SEARCHES))
def test_every_search_with_a_filter_and_a_rerank(served, kind) -> None:
    db, articles = served
    call, args = SEARCHES[kind]
    got = call(
        articles.query,
        limit=5,
        filters=Filter.by_property("category").not_equal("b"),
        rerank=Rerank(prop="body", query="river"),
        return_metadata=MetadataQuery(distance=True, score=True),
    )
    expected = gql(
        db,
        f'{args()}, where: {{path: ["category"], operator: NotEqual, valueText: "b"}}, limit: 5',
        f'{PROPS} _additional {{ id distance score rerank(property: "body", query: "river") {{ score }} }}',
    )
    assert len(expected) == 5
    same_objects(got.objects, expected, metadata=("rerank_score",))
    assert all(o.properties["category"] != "b" for o in got.objects)


@pytest.mark.parametrize("kind", ["bm25", "hybrid"])
def test_group_by_with_keyword_searches_and_a_rerank(served, kind) -> None:
    db, articles = served
    call, args = SEARCHES[kind]
    got = call(
        articles.query,
        limit=20,
        group_by=GroupBy(prop="category", number_of_groups=3, objects_per_group=2),
        rerank=Rerank(prop="title", query="story"),
    )
    expected = gql(
        db,
        f'{args()}, limit: 20, groupBy: {{path: ["category"], groups: 3, objectsPerGroup: 2}}',
        '_additional { group { groupedBy { value } count hits { _additional { id } } } rerank(property: "title", query: "story") { score } }',
    )
    assert list(got.groups) == [e["_additional"]["group"]["groupedBy"]["value"] for e in expected]
    for group, exp in zip(got.groups.values(), expected, strict=True):
        assert group.rerank_score == exp["_additional"]["rerank"][0]["score"]
        assert [str(o.uuid) for o in group.objects] == [
            h["_additional"]["id"] for h in exp["_additional"]["group"]["hits"]
        ]
