"""Case files: settings before the query, expectations after it, and byte-exact rewriting."""

from __future__ import annotations

from rankql.dsl.casefile import parse_case_text

TEXT = """# a file comment

### seed
# dataset: tiny
{ Get { A(limit: 1) { x } } }
# expect-order: a > b
---- results
old

### second
{ Get { B { y } } }
"""


def test_settings_are_read_before_and_after_the_query():
    _, (seed, second) = parse_case_text(TEXT)
    assert seed.settings == [("dataset", "tiny"), ("expect-order", "a > b")]
    assert seed.setting("expect-order") == "a > b"
    # an expectation after the query is a GraphQL comment of the query text, kept as written
    assert seed.query == "{ Get { A(limit: 1) { x } } }\n# expect-order: a > b"
    assert seed.query_line == 5
    assert seed.sections == {"results": "old"}
    assert second.settings == [] and second.query == "{ Get { B { y } } }"
