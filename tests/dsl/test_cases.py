"""Golden case files: each query's AST dump or rendered error, rewritten with --update-goldens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rankql.dsl import QueryError, parse
from rankql.dsl.casefile import read_case_file
from rankql.dsl.dump import dump_ast

from .schemas import SCHEMAS

CASES = Path(__file__).parent / "cases"
FILES = sorted(p for p in CASES.glob("*.graphql") if p.name != "roundtrip.graphql")


def run_case(query: str, settings: dict[str, str]) -> dict[str, str]:
    """What the front end says about a case: its AST dump, or its rendered diagnostics."""
    variables = json.loads(settings["variables"]) if "variables" in settings else None
    try:
        parsed = parse(query, variables=variables, schema=SCHEMAS.get(settings.get("schema", "")))
        return {"ast": dump_ast(parsed)}
    except QueryError as err:
        return {"error": str(err)}


def error_source(query: str):
    from rankql.dsl.source import Source

    return Source(query, "<query>")


def _params():
    for path in FILES:
        for index, case in enumerate(read_case_file(path).cases):
            yield pytest.param(path, index, id=f"{path.stem}::{case.title}")


@pytest.mark.parametrize(("path", "index"), list(_params()))
def test_case(path: Path, index: int, update_goldens: bool) -> None:
    casefile = read_case_file(path)
    case = casefile.cases[index]
    actual = run_case(case.query, dict(case.settings))
    if update_goldens:
        if case.sections != actual:
            case.sections = actual
            casefile.write()
        return
    assert case.sections, (
        f"{path.name}: case '{case.title}' has no expected section; run with --update-goldens"
    )
    assert list(case.sections) == list(actual), f"expected sections {list(case.sections)}, got:\n{actual}"
    for name, expected in case.sections.items():
        assert actual[name].rstrip("\n") == expected.rstrip("\n"), f"section '{name}' differs"


def test_every_file_has_cases() -> None:
    assert FILES
    for path in FILES:
        assert read_case_file(path).cases, path
