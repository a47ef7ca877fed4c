"""Typos in query cases fail instead of passing silently; plain comments with a colon stay comments."""

from __future__ import annotations

import pytest
from rankql.dsl.casefile import parse_case_text
from rankql.runtime.faces.casetests import case_problems

QUERY = "{ Get { Book { docId } } }\n"


def problems(head: str, sections: str = "") -> list[str]:
    (case,) = parse_case_text(f"### a case\n{head}{QUERY}{sections}")[1]
    return case_problems(case)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("# expct-order: b01 > b02\n", "unknown setting 'expct-order' — did you mean 'expect-order'?"),
        ("# datset: books.jsonl\n", "unknown setting 'datset' — did you mean 'dataset'?"),
        ("# Schema: schema.json\n", "unknown setting 'Schema' — did you mean 'schema'?"),
        ("# variable: {}\n", "unknown setting 'variable' — did you mean 'variables'?"),
        ("# query_id: q1\n", "unknown setting 'query_id' — did you mean 'query-id'?"),
    ],
)
def test_a_close_unknown_key_fails_with_a_suggestion(line: str, message: str) -> None:
    assert problems("# dataset: books.jsonl\n" + line) == [message]


def test_settings_after_the_query_are_checked_too() -> None:
    (case,) = parse_case_text(f"### c\n# dataset: d\n{QUERY}# expect-cont: 3\n")[1]
    assert case_problems(case) == ["unknown setting 'expect-cont' — did you mean 'expect-count'?"]


def test_an_expect_key_far_from_any_setting_still_fails() -> None:
    (message,) = problems("# expect-magic: yes\n")
    assert message.startswith("unknown setting 'expect-magic' (expectations: expect-count, ")


def test_plain_comments_with_a_colon_stay_comments() -> None:
    head = "# Hybrid: bm25 and MiniLM fused\n# note: slow on purpose\n# query: fish books\n# TODO: more\n"
    assert problems(head + "# dataset: books.jsonl\n# expect-count: 3\n# expect-ndcg@10 >= 0.5\n") == []


def test_a_misspelt_metric_fails_with_or_without_a_colon() -> None:
    assert problems("# expect-ndgc@10 >= 0.5\n") == [
        "unknown metric 'ndgc' in '# expect-ndgc@10 >= 0.5' — did you mean 'ndcg'?"
    ]
    (message,) = problems("# expect-mpa@5: >= 0.5\n")
    assert message.startswith("unknown metric 'mpa'")


def test_an_unknown_section_fails_with_a_suggestion() -> None:
    assert problems("# dataset: d\n", "---- result\n{}\n") == [
        "unknown section '---- result' — did you mean '---- results'?"
    ]
    assert problems("# dataset: d\n", "---- results\n{}\n") == []
