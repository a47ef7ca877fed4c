"""The front end's public contract: parse, compile_query/bind, validate, print_query, QueryError, Diagnostic."""

from __future__ import annotations

import pytest
import rankql.dsl as dsl
from rankql.dsl import ast
from rankql.dsl.frontend import _cache

from .schemas import SCHEMAS

SEED = (
    '{ Get { JeopardyQuestion(nearText: {concepts: "flying"}, limit: 10) { answer question '
    '_additional { distance rerank(property: "answer", query: "floating") { score } } } } }'
)


def test_parse_gives_the_typed_ast_with_spans() -> None:
    query = dsl.parse(SEED)
    get = query.gets[0]
    assert isinstance(get, ast.GetQuery)
    assert get.class_name == "JeopardyQuestion" and get.limit == 10 and get.offset is None
    assert isinstance(get.search, ast.NearText) and get.search.concepts == ["flying"]
    assert get.search.kind == "nearText"
    assert get.property_names() == ["answer", "question"]
    assert get.additional_names() == ["distance"]
    assert get.rerank.args.property == "answer" and get.rerank.fields == ["score"]
    assert SEED[get.span.start : get.span.end].startswith("JeopardyQuestion(")
    assert SEED[get.search.span.start : get.search.span.end] == '{concepts: "flying"}'


def test_compile_once_bind_many_times() -> None:
    text = "query ($n: Int = 2) { Get { A(limit: $n) { p } } }"
    compiled = dsl.compile_query(text, name="q.graphql")
    assert compiled.variable_names == ["n"]
    assert compiled.bind().gets[0].limit == 2
    assert compiled.bind({"n": 5}).gets[0].limit == 5
    assert compiled.source.name == "q.graphql" and compiled.source.text == text
    assert dsl.compile_query(text).document is compiled.document  # cached by text
    assert dsl.compile_query(text, cache=False).document is not compiled.document
    assert text in _cache


def test_bind_rejects_variables_that_are_not_a_mapping() -> None:
    with pytest.raises(dsl.QueryError) as info:
        dsl.compile_query("{ Get { A { p } } }").bind(["x"])  # type: ignore[arg-type]
    assert info.value.code == "Q403"


def test_non_text_input_is_a_query_error() -> None:
    with pytest.raises(dsl.QueryError):
        dsl.parse(b"{ Get { A { p } } }")  # type: ignore[arg-type]


def test_validate_returns_diagnostics_and_never_raises() -> None:
    query = dsl.parse("{ Get { Nope { x } JeopardyQuestion { questio } } }")
    problems = dsl.validate(query, SCHEMAS["default"])
    assert [d.code for d in problems] == ["Q601", "Q602"]
    assert problems[1].path == ["Get", "JeopardyQuestion"]
    assert dsl.validate(dsl.parse(SEED), SCHEMAS["default"]) == []
    err = dsl.QueryError(
        problems, dsl.compile_query("{ Get { Nope { x } JeopardyQuestion { questio } } }").source
    )
    assert (err.diagnostics[1].line, err.diagnostics[1].column) == (1, 39)


def test_print_query_is_canonical() -> None:
    assert dsl.print_query(dsl.parse(SEED)) == dsl.print_query(dsl.parse(dsl.print_query(dsl.parse(SEED))))


def test_query_error_carries_the_first_diagnostic() -> None:
    with pytest.raises(dsl.QueryError) as info:
        dsl.parse('{ Get { A(hybrid: {query: "x", alpha: 2}) { p } } }')
    err = info.value
    assert err.code == "Q304" and "alpha should be between 0.0 and 1.0" in err.message
    assert isinstance(err.diagnostics[0], dsl.Diagnostic)
    assert err.diagnostics[0].path == ["Get", "A"]  # which class field, for tools
    assert err.to_graphql()[0]["path"] is None  # a validation error: Weaviate's path is null


def test_validation_errors_carry_a_null_graphql_path() -> None:
    query = dsl.parse("{ Get { Nope { x } JeopardyQuestion { questio } } }")
    err = dsl.QueryError(dsl.validate(query, SCHEMAS["default"]))
    assert [e["path"] for e in err.to_graphql()] == [None, None]


def test_ast_equality_ignores_spans() -> None:
    a = dsl.parse("{ Get { A(limit: 1) { p } } }")
    b = dsl.parse("{Get{A(limit:1){p}}}")
    assert a == b and a.gets[0].span != b.gets[0].span
