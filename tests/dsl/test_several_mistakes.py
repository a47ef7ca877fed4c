"""Independent mistakes combined in one query: the answer carries at least each mistake's own code."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rankql.dsl import QueryError, parse

from .schemas import SCHEMAS

SCHEMA = SCHEMAS["default"]


@dataclass(frozen=True)
class Mistake:
    """One mistake as the clauses it adds to a JeopardyQuestion field: arguments, properties, _additional."""

    code: str
    args: tuple[str, ...] = ()
    fields: tuple[str, ...] = ()
    additional: tuple[str, ...] = ()


# Each names arguments no other one names, so that any subset combines without a new conflict.
MISTAKES = (
    Mistake("Q303", args=('bm25: {query: "potato"}', 'sort: {path: ["points"]}')),
    Mistake("Q311", additional=('rerank(query: "fries") { score }',)),
    Mistake("Q602", fields=("colour",)),
    Mistake("Q603", args=('where: {path: ["points"], operator: Equal, valueText: "3"}',)),
    Mistake("Q202", args=('limit: "ten"',)),
    Mistake("Q207", args=("offset: -1",)),
    Mistake("Q210", args=("group: {type: merge, force: 0.5}",)),
    Mistake("Q201", args=("autcut: 1",)),
    Mistake("Q506", fields=("__typename",)),
    Mistake("Q501", additional=("certainity",)),
    Mistake("Q106", fields=("answer @skip(if: true)",)),
    Mistake("Q204", args=("autocut: 1", "autocut: 2")),
    Mistake("Q504", fields=("round { x }",)),
    Mistake("Q506", fields=("__schema",)),
)


def query_of(mistakes: list[Mistake], order: list[int]) -> str:
    """The JeopardyQuestion field with every clause of these mistakes, arguments in the given order."""
    args = [arg for m in mistakes for arg in m.args]
    args = [args[i] for i in order if i < len(args)] + args[len(order) :]
    fields = ["question", *(f for m in mistakes for f in m.fields)]
    extra = [a for m in mistakes for a in m.additional]
    if extra:
        fields.append("_additional { " + " ".join(extra) + " }")
    arguments = f"({', '.join(args)})" if args else ""
    return "{ Get { JeopardyQuestion" + arguments + " { " + " ".join(fields) + " } } }"


def codes(text: str) -> list[str]:
    try:
        parse(text, schema=SCHEMA)
    except QueryError as err:
        return [d.code for d in err.diagnostics]
    return []


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda m: m.code)
def test_each_mistake_alone_reports_its_code(mistake: Mistake) -> None:
    assert mistake.code in codes(query_of([mistake], []))


def test_the_correct_query_has_no_diagnostic() -> None:
    assert codes(query_of([], [])) == []


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chosen=st.lists(st.sampled_from(range(len(MISTAKES))), min_size=2, max_size=len(MISTAKES), unique=True),
    order=st.permutations(range(12)),
)
def test_combined_mistakes_report_every_code(chosen: list[int], order: list[int]) -> None:
    mistakes = [MISTAKES[i] for i in chosen]
    found = codes(query_of(mistakes, list(order)))
    for mistake in mistakes:
        assert mistake.code in found, (mistake, found)
    assert len(found) >= len(mistakes)  # one diagnostic per mistake at least: none hid another
