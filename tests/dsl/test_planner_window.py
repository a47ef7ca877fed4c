"""The rerank window in the planner: with no limit written the page is the default capped at the window."""

from __future__ import annotations

import pytest
from rankql.dsl import ast, parse
from rankql.dsl.plan import Cut, PlanError, Rerank
from rankql.dsl.planner import plan_get
from rankql.dsl.schema import ClassSchema, PropertySchema

SCHEMA = ClassSchema(
    name="A", properties=[PropertySchema(name="body", data_type="text")], rerankers=["reranker-dummy"]
)


def query(args: str, window: int = 50) -> ast.GetQuery:
    args = f"({args})" if args else ""
    text = f'{{ Get {{ A{args} {{ _additional {{ rerank(property: "body", window: {window}) {{ score }} }} }} }} }}'
    return parse(text).gets[0]


def pages(args: str, window: int = 50) -> tuple[tuple[int, int | None], tuple[int, int | None]]:
    """(offset, limit) of the first-stage cut and of the page cut after the rerank."""
    nodes = plan_get(query(args, window), SCHEMA).nodes()
    at = next(i for i, n in enumerate(nodes) if isinstance(n, Rerank))
    page, first = nodes[at - 1], nodes[at + 1]
    assert isinstance(page, Cut) and isinstance(first, Cut)
    return (first.offset, first.limit), (page.offset, page.limit)


@pytest.mark.parametrize(
    ("args", "first", "page"),
    [
        ("nearVector: {vector: [1, 0], distance: 0.5}", (0, 50), (0, 50)),  # every hit within: the window
        ("nearVector: {vector: [1, 0], certainty: 0.7}", (0, 50), (0, 50)),
        ("nearVector: {vector: [1, 0]}", (0, 50), (0, 50)),  # default 100 capped at the window
        ('bm25: {query: "x"}, offset: 5', (0, 50), (5, 10)),  # offset given: default 10
        ("", (0, 50), (0, 50)),  # a plain listing
        ("nearVector: {vector: [1, 0]}, limit: 20, offset: 30", (0, 50), (30, 20)),
    ],
)
def test_window_without_a_written_limit_reranks_the_window_and_pages_it(args, first, page):
    assert pages(args) == (first, page)


def test_the_default_limit_is_named_when_it_makes_the_page_run_past_the_window():
    with pytest.raises(PlanError) as err:
        plan_get(query('bm25: {query: "x"}, offset: 45'), SCHEMA)
    message = err.value.message
    assert message.startswith("rerank window 50 is smaller than offset + limit (45 + 10 = 55")
    assert "no limit is written, so the limit is the default limit 10" in message
    assert err.value.code == "Q310"
    assert "at least 55" in err.value.hint and "limit of at most 5" in err.value.hint


def test_a_search_by_distance_with_offset_names_the_window_as_its_limit():
    with pytest.raises(PlanError) as err:
        plan_get(query("nearVector: {vector: [1, 0], distance: 0.5}, offset: 3"), SCHEMA)
    assert "(3 + 50 = 53; no limit is written, so the limit is the window)" in err.value.message


def test_a_written_limit_past_the_window_is_an_error_without_a_default_note():
    with pytest.raises(PlanError) as err:
        plan_get(query('bm25: {query: "x"}, limit: 10, offset: 20', window=25), SCHEMA)
    assert err.value.message == "rerank window 25 is smaller than offset + limit (20 + 10 = 30)"
    assert err.value.hint.startswith("set window to at least 30, or write a limit of at most 5")


def test_the_front_end_leaves_the_window_check_to_the_planner():
    # one check in one place: binding succeeds, planning refuses
    assert query('bm25: {query: "x"}, limit: 10, offset: 20', window=25).rerank.args.window == 25
