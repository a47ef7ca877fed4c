"""The rerank window: with no limit written the page is the default capped at the window (the planner), and a
window smaller than offset + limit is refused by validation (rule rerank_window, code Q310)."""

from __future__ import annotations

import pytest
from rankql.dsl import ast, parse, validate
from rankql.dsl.diagnostics import Diagnostic
from rankql.dsl.plan import Cut, Rerank
from rankql.dsl.planner import plan_get
from rankql.dsl.schema import ClassSchema, PropertySchema, Schema

SCHEMA = ClassSchema(
    name="A", properties=[PropertySchema(name="body", data_type="text")], rerankers=["reranker-dummy"]
)


def query(args: str, window: int = 50) -> ast.GetQuery:
    args = f"({args})" if args else ""
    text = f'{{ Get {{ A{args} {{ _additional {{ rerank(property: "body", window: {window}) {{ score }} }} }} }} }}'
    return parse(text).gets[0]


def problem(get: ast.GetQuery) -> Diagnostic:
    (found,) = validate(ast.Query(gets=[get]), Schema(classes=[SCHEMA]))
    return found


def pages(args: str, window: int = 50) -> tuple[tuple[int, int | None], tuple[int, int | None]]:
    """(offset, limit) of the first-stage cut and of the page cut after the rerank."""
    get = query(args, window)
    assert validate(ast.Query(gets=[get]), Schema(classes=[SCHEMA])) == []
    nodes = plan_get(get, SCHEMA).nodes()
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
    found = problem(query('bm25: {query: "x"}, offset: 45'))
    assert found.message.startswith("rerank window 50 is smaller than offset + limit (45 + 10 = 55")
    assert "no limit is written, so the limit is the default limit 10" in found.message
    assert found.code == "Q310"
    assert "at least 55" in found.hint and "limit of at most 5" in found.hint


def test_a_search_by_distance_with_offset_names_the_window_as_its_limit():
    found = problem(query("nearVector: {vector: [1, 0], distance: 0.5}, offset: 3"))
    assert "(3 + 50 = 53; no limit is written, so the limit is the window)" in found.message


def test_a_written_limit_past_the_window_is_an_error_without_a_default_note():
    found = problem(query('bm25: {query: "x"}, limit: 10, offset: 20', window=25))
    assert found.message == "rerank window 25 is smaller than offset + limit (20 + 10 = 30)"
    assert found.hint.startswith("set window to at least 30, or write a limit of at most 5")


def test_a_window_with_group_by_is_refused():
    found = problem(query('bm25: {query: "x"}, groupBy: {path: "body", groups: 2, objectsPerGroup: 1}'))
    assert found.code == "Q313" and found.message == "rerank window cannot be combined with groupBy"


def test_binding_alone_accepts_the_window():
    # the check is a validation rule: binding succeeds, validation refuses
    assert query('bm25: {query: "x"}, limit: 10, offset: 20', window=25).rerank.args.window == 25
