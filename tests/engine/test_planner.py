"""The planner on typed ASTs: defaults, path shapes, conflicts and limits (pure: no store, no models)."""

from __future__ import annotations

import pytest
from rankql.dsl import ast, parse, validate
from rankql.dsl.diagnostics import QueryError
from rankql.dsl.plan import Bm25Retrieve, Cut, Fuse, Rerank, VectorRetrieve
from rankql.dsl.planner import plan_get
from rankql.dsl.schema import ClassSchema, PropertySchema, Schema

SCHEMA = ClassSchema(
    name="Article",
    properties=[
        PropertySchema(name="title", data_type="text"),
        PropertySchema(name="wordCount", data_type="int"),
        PropertySchema(name="category", data_type="text"),
    ],
    vectorizer="text2vec-transformers",
    rerankers=["reranker-dummy"],
)
DOT = SCHEMA.model_copy(update={"distance": "dot"})
TITLE = [ast.PropertyField(name="title")]


def get(**kw) -> ast.GetQuery:
    kw.setdefault("selection", TITLE)
    return ast.GetQuery(class_name="Article", **kw)


def text(q: ast.GetQuery, schema: ClassSchema = SCHEMA, **kw) -> str:
    return plan_get(q, schema, **kw).render()


def cut_of(q: ast.GetQuery) -> Cut:
    return next(n for n in plan_get(q, SCHEMA).nodes() if isinstance(n, Cut))


@pytest.mark.parametrize(
    ("kw", "limit"),
    [({}, 100), ({"offset": 2}, 10), ({"autocut": 1, "search": ast.Bm25(query="x")}, 10), ({"limit": 7}, 7),
     ({"limit": -1}, 100), ({"limit": -1, "offset": 3}, 10)],
)  # fmt: skip
def test_default_limits(kw, limit):
    assert cut_of(get(**kw)).limit == limit


def test_search_by_distance_has_no_limit():
    q = get(search=ast.NearVector(vector=[1.0, 0.0], distance=0.3))
    retrieve = plan_get(q, SCHEMA).nodes()[-1]
    assert isinstance(retrieve, VectorRetrieve) and retrieve.k is None and retrieve.max_distance == 0.3
    assert cut_of(q).limit is None


def test_certainty_becomes_distance_bound():
    q = get(search=ast.NearVector(vector=[1.0], certainty=0.9), limit=5)
    retrieve = plan_get(q, SCHEMA).nodes()[-1]
    assert retrieve.max_distance == pytest.approx(0.2) and retrieve.min_certainty == 0.9 and retrieve.k == 5


def test_vector_plan_shape_and_autocut_position():
    q = get(search=ast.NearText(concepts=["fish", "boat"]), limit=5, offset=2, autocut=1)
    assert text(q) == (
        "Project: Article, fields=[title]\n"
        "  Cut: offset=2, limit=5, autocut=1 (distance, on the page)\n"
        '    VectorRetrieve: nearText="fish boat", k=7'
    )


def test_hybrid_plan_pools_and_weights():
    q = get(search=ast.Hybrid(query="fish", alpha=0.5), limit=150, autocut=2)
    assert text(q) == (
        "Project: Article, fields=[title]\n"
        "  Cut: offset=0, limit=150, autocut=2 (score, before offset)\n"
        "    Fuse: relativeScoreFusion, vector=0.5, keyword=0.5\n"
        '      VectorRetrieve: nearText="fish", k=150\n'
        '      Bm25Retrieve: query="fish", properties=*, k=150'
    )


@pytest.mark.parametrize(
    ("alpha", "kinds"),
    [(0.0, [Bm25Retrieve]), (1.0, [VectorRetrieve]), (0.3, [VectorRetrieve, Bm25Retrieve])],
)
def test_hybrid_alpha_extremes_run_one_side(alpha, kinds):
    q = get(search=ast.Hybrid(query="fish", alpha=alpha))
    fuse = next(n for n in plan_get(q, SCHEMA).nodes() if isinstance(n, Fuse))
    assert [type(c) for c in fuse.children] == kinds
    assert all(c.k == 100 for c in fuse.children)


def test_listing_with_where_and_sort():
    where = ast.Where(operator="GreaterThan", path=["wordCount"], value_type="valueInt", value=100)
    q = get(where=where, sort=[ast.SortKey(path=["wordCount"], order="desc")], limit=3, offset=1)
    assert text(q).splitlines()[-1] == "    ListRetrieve: order=wordCount desc, k=4, where=wordCount > 100"


def test_rerank_fallback_and_window():
    rr = ast.RerankField(args=ast.Rerank(property="title", window=20), fields=["score"])
    q = get(search=ast.Bm25(query="fish"), limit=5, offset=5, selection=[ast.AdditionalSelection(items=[rr])])
    lines = text(q).splitlines()
    assert lines[1] == "  Cut: offset=5, limit=5"
    assert (
        lines[2]
        == '    Rerank: reranker=reranker-dummy, property=title, query="fish" (search query), window=20'
    )
    assert lines[3] == "      Cut: offset=0, limit=20"
    assert lines[4].endswith("k=20")
    assert 'query=""' in text(q, rerank_query_fallback=False)


def test_rerank_window_too_small():
    rr = ast.RerankField(args=ast.Rerank(property="title", window=5), fields=["score"])
    q = get(search=ast.Bm25(query="fish"), limit=5, offset=5, selection=[ast.AdditionalSelection(items=[rr])])
    (problem,) = validate(ast.Query(gets=[q]), Schema(classes=[SCHEMA]))
    assert problem.code == "Q310" and "smaller than offset + limit" in problem.message
    assert "at least 10" in (problem.hint or "")


def test_group_then_rerank_on_leaders():
    rr = ast.RerankField(args=ast.Rerank(property="title"), fields=["score"])
    q = get(
        search=ast.NearVector(vector=[1.0]),
        group_by=ast.GroupBy(path=["category"], groups=2, objects_per_group=3),
        selection=[ast.AdditionalSelection(items=[rr])],
    )
    nodes = plan_get(q, SCHEMA).nodes()
    assert [n.name for n in nodes] == ["Project", "Rerank", "Group", "Cut", "VectorRetrieve"]
    assert isinstance(nodes[1], Rerank) and nodes[1].on_groups


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ('bm25: {query: "x"}, nearVector: {vector: [1, 0]}',
         "conflict: both near<Media> and keyword-based (bm25) arguments present, choose one"),
        ('nearText: {concepts: "x"}, nearVector: {vector: [1, 0]}',
         "found both 'nearText' and 'nearVector' parameters which are conflicting, choose one instead"),
        ('nearText: {concepts: "x"}, nearVector: {vector: [1, 0]}, nearObject: {id: "00000000-0000-0000-0000-000000000001"}',
         "found 'nearText' and 'nearVector' and 'nearObject' parameters which are conflicting, choose one instead"),
        ("nearVector: {vector: [1, 0], certainty: 0.8, distance: 0.2}",
         "found 'certainty' and 'distance' set in nearVector which are conflicting, choose one instead"),
        ('nearText: {concepts: "x", certainty: 0.8, distance: 0.2}',
         "nearText cannot provide both distance and certainty"),
        ('nearText: {concepts: "x", moveTo: {force: 0.5}}',
         "'nearText.moveTo' parameter needs to have defined either 'concepts' or 'objects' fields"),
        ('nearText: {concepts: "x", moveTo: {concepts: "y", force: 1.5}}',
         "movement: force must be between 0 and 1: got 1.5"),
        ('bm25: {query: ""}', "keyword search (bm25) must have query set"),
        ('hybrid: {query: "x", alpha: 1.5}', "alpha should be between 0.0 and 1.0"),
        ('bm25: {query: "x"}, sort: {path: "title"}', "bm25 search is not compatible with sort"),
        ('hybrid: {query: "x"}, sort: {path: "title"}', "hybrid search is not compatible with sort"),
        ("limit: 9000, offset: 2000", "query maximum results exceeded: the total limit calculated from the "
         "provided offset '2000' and limit '9000' exceeds the configured value for QUERY_MAXIMUM_RESULTS '10000'"),
        ('after: "00000000-0000-0000-0000-000000000000", limit: 20000', "query maximum results exceeded"),
        ('after: "00000000-0000-0000-0000-000000000000"',
         "cursor api: invalid 'after' parameter: limit parameter must be set"),
        ('after: "", limit: 2, offset: 1',
         "cursor api: invalid 'after' parameter: offset cannot be set with after and limit parameters"),
        ('after: "", limit: 2, where: {path: "title", operator: Equal, valueText: "x"}',
         "cursor api: invalid 'after' parameter: where cannot be set with after and limit parameters"),
        ('after: "", limit: 2, bm25: {query: "x"}',
         "cursor api: invalid 'after' parameter: other params cannot be set with after and limit parameters"),
        ('groupBy: {path: "category", groups: 1, objectsPerGroup: 1}', "groupBy needs a search"),
        ('hybrid: {query: "x"}, nearVector: {vector: [1, 0]}',
         "found both 'hybrid' and 'nearVector' parameters which are conflicting, choose one instead"),
    ],
)  # fmt: skip
def test_the_front_end_refuses_what_the_planner_never_sees(args, message):
    # every check lives in the binder or a validation rule: the planner only lowers
    with pytest.raises(QueryError) as err:
        query = parse(f"{{ Get {{ Article({args}) {{ title }} }} }}")
        problems = validate(query, Schema(classes=[SCHEMA]))
        if problems:
            raise QueryError(problems)
    assert any(message in d.message for d in err.value.diagnostics), err.value.diagnostics


def test_certainty_needs_cosine():
    q = get(selection=[ast.AdditionalSelection(items=[ast.AdditionalScalar(name="certainty")])])
    (problem,) = validate(ast.Query(gets=[q]), Schema(classes=[DOT]))
    assert (
        problem.message
        == "can't compute and return certainty when vector index is configured with dot distance"
    )
    assert validate(ast.Query(gets=[q]), Schema(classes=[SCHEMA])) == []  # fine on cosine


def test_describe_is_deterministic_and_one_line():
    where = ast.Where(
        operator="And",
        operands=[
            ast.Where(operator="Equal", path=["title"], value_type="valueText", value='say "hi"\nnow'),
            ast.Where(operator="ContainsAny", path=["category"], value_type="valueText", value=["a", "b"]),
        ],
    )
    q = get(search=ast.Bm25(query="x", properties=[ast.PropertyRef(name="title", boost=2.0)]), where=where)
    first = text(q)
    assert first == text(q)
    assert all("\n" not in node.describe() for node in plan_get(q, SCHEMA).nodes())
    assert "properties=title^2" in first
    assert 'where=And(title = "say \\"hi\\"\\nnow", category ContainsAny ["a", "b"])' in first
