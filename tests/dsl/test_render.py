"""The error format of the architecture guide: code, location, a line of context each side, carets, hint."""

from __future__ import annotations

from rankql.dsl import Diagnostic, QueryError, parse, render_diagnostics
from rankql.dsl.source import Source, Span


def test_guide_example_renders_exactly() -> None:
    text = '{ Get { Article(hybird: {query: "fish"}) { title } } }'
    try:
        parse(text, name="<repl>")
    except QueryError as err:
        assert str(err) == (
            'error[Q201]: Unknown argument "hybird" on field "Article" of type "GetObjectsObj".\n'
            " --> <repl>:1:17\n"
            "  |\n"
            '1 | { Get { Article(hybird: {query: "fish"}) { title } } }\n'
            "  |                 ^^^^^^ did you mean 'hybrid'?"
        )
        assert err.code == "Q201"
        assert err.hint == "did you mean 'hybrid'?"
    else:
        raise AssertionError("no error")


def test_context_lines_and_a_wide_gutter() -> None:
    text = "\n".join(f"# line {i}" for i in range(1, 10)) + "\n{ Get { A(limit: x) { p } } }\n# after\n# more"
    source = Source(text, "q.graphql")
    start = text.index("x)")
    out = render_diagnostics([Diagnostic("Q202", "bad", Span(start, start + 1), "a number")], source)
    assert out == (
        "error[Q202]: bad\n"
        "  --> q.graphql:10:18\n"
        "   |\n"
        " 9 | # line 9\n"
        "10 | { Get { A(limit: x) { p } } }\n"
        "   |                  ^ a number\n"
        "11 | # after"
    )


def test_multiline_span_underlines_to_the_end_of_its_first_line() -> None:
    text = '{ Get {\n  A(where: {path: ["p"],\n  operator: Equal}) { p } } }'
    try:
        parse(text)
    except QueryError as err:
        first = err.diagnostics[0]
        assert (first.line, first.column) == (2, 12)
        assert "  |            ^^^^^^^^^^^^^\n" in str(err)


def test_several_diagnostics_are_separated_by_a_blank_line_and_to_graphql_lists_them() -> None:
    try:
        parse("{ Get { A(limt: 1, ofset: 2) { p } } }")
    except QueryError as err:
        assert len(err.diagnostics) == 2
        assert "\n\nerror[Q201]" in str(err)
        errors = err.to_graphql()
        assert errors[0] == {
            "message": 'Unknown argument "limt" on field "A" of type "GetObjectsObj".',
            "locations": [{"line": 1, "column": 11}],
            "path": None,
            "extensions": {"code": "Q201", "hint": "did you mean 'limit'?"},
        }
        assert errors[1]["extensions"]["hint"] == "did you mean 'offset'?"


def test_a_diagnostic_without_span_or_source() -> None:
    diag = Diagnostic("Q403", "variables must be a JSON object, got list", None, "pass a dict")
    assert diag.render() == "error[Q403]: variables must be a JSON object, got list\n  = hint: pass a dict"
    assert diag.line is None and diag.to_graphql()["locations"] == []


def test_zero_width_span_at_the_end_gets_one_caret() -> None:
    try:
        parse("{ Get { A { p }")
    except QueryError as err:
        assert str(err).splitlines()[-1] == "  |                ^ the '{' at line 1, column 7 is never closed"
