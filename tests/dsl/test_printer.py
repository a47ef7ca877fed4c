"""Canonical printing: the round-trip file prints back unchanged, and every golden AST survives printing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rankql.dsl import parse, print_query
from rankql.dsl.casefile import read_case_file

CASES = Path(__file__).parent / "cases"
ROUNDTRIP = read_case_file(CASES / "roundtrip.graphql")


@pytest.mark.parametrize("case", ROUNDTRIP.cases, ids=[c.title for c in ROUNDTRIP.cases])
def test_canonical_query_prints_back_unchanged(case) -> None:
    assert print_query(parse(case.query)) == case.query + "\n"


def _golden_asts():
    for path in sorted(CASES.glob("*.graphql")):
        for case in read_case_file(path).cases:
            if "ast" in case.sections:
                yield pytest.param(case, id=f"{path.stem}::{case.title}")


@pytest.mark.parametrize("case", list(_golden_asts()))
def test_printing_keeps_the_meaning(case) -> None:
    variables = dict(case.settings).get("variables")
    query = parse(case.query, variables=json.loads(variables) if variables else None)
    text = print_query(query)
    again = parse(text)
    assert again == query  # the AST, spans aside
    assert print_query(again) == text


def test_printer_leaves_defaults_out() -> None:
    text = print_query(
        parse(
            '{ Get { A(hybrid: {query: "x", alpha: 0.75, fusionType: relativeScoreFusion}) { p } '
            'B(nearText: {concepts: "x"}, sort: {path: ["p"], order: asc}) { p _additional { rerank(property: "p", '
            "onError: FAIL) { score } } } } }"
        )
    )
    assert "alpha" not in text and "fusionType" not in text and "order" not in text and "onError" not in text


def test_valuestring_prints_as_valuetext() -> None:
    text = print_query(parse('{ Get { A(where: {path: ["p"], operator: Equal, valueString: "x"}) { p } } }'))
    assert 'valueText: "x"' in text
