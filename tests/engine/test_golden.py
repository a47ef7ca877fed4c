"""Golden cases: each tests/engine/cases/*.graphql case runs on its dataset; plan and answer are compared.

Sections: `plan` (explain), `analyze` (explain analyze, times masked) and `results` (the JSON answer).
Settings: `# dataset: articles|minilm`, `# variables: {json}`, `# fallback: false` (rerank_query_fallback).
`pytest --update-goldens tests/engine` rewrites the sections; review them with git diff.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rankql.dsl.casefile import read_case_file

CASES = Path(__file__).parent / "cases"
_TIME = re.compile(r"\d+\.\d+ ms")


def _collect() -> list:
    params = []
    for path in sorted(CASES.glob("*.graphql")):
        for index, case in enumerate(read_case_file(path).cases):
            params.append(pytest.param(path, index, id=f"{path.stem}: {case.title}"))
    return params


def mask(text: str) -> str:
    """Analyze output without its timings, so goldens stay stable."""
    return _TIME.sub("_ ms", text)


def produce(db, case, section: str) -> str:
    variables = json.loads(case.setting("variables") or "null")
    previous = db.rerank_query_fallback
    db.rerank_query_fallback = (case.setting("fallback") or "true").lower() != "false"
    db.rerank.cache.clear()  # cache hits in analyze must not depend on which cases ran before
    try:
        if section == "plan":
            return db.explain(case.query, variables)
        if section == "analyze":
            return mask(db.explain(case.query, variables, analyze=True))
        if section == "results":
            return json.dumps(db.query(case.query, variables), indent=2, ensure_ascii=False)
    finally:
        db.rerank_query_fallback = previous
    raise AssertionError(f"unknown section '{section}' (use plan, analyze or results)")


@pytest.mark.parametrize(("path", "index"), _collect())
def test_case(path: Path, index: int, request: pytest.FixtureRequest, update_goldens: bool) -> None:
    casefile = read_case_file(path)
    case = casefile.cases[index]
    dataset = case.setting("dataset", "articles")
    db = request.getfixturevalue(f"{dataset}_db")
    assert case.sections, f"{path.name}: case '{case.title}' has no sections"
    produced = {name: produce(db, case, name) for name in case.sections}
    if update_goldens:
        for name, text in produced.items():
            case.sections[name] = text
        casefile.write()
        return
    for name, text in produced.items():
        assert text.rstrip("\n") == case.sections[name].rstrip("\n"), f"section '{name}' differs"
