"""Where filters as REST bodies send them (batch delete) -> rankql's typed where nodes."""

from __future__ import annotations

from typing import Any

from rankql.dsl import ast

from .rest import WireError

# REST value fields -> the AST's value type; list forms (valueTextArray, ...) carry a list.
_VALUE_FIELDS = {
    "valueText": "valueText",
    "valueString": "valueText",
    "valueInt": "valueInt",
    "valueNumber": "valueNumber",
    "valueBoolean": "valueBoolean",
    "valueDate": "valueDate",
}


def where_from_json(raw: Any, depth: int = 0) -> ast.Where:
    """The where node of a JSON filter such as {"path": ["year"], "operator": "Equal", "valueInt": 2001}."""
    if depth > 64:
        raise WireError("the where filter is nested more than 64 levels deep")
    if not isinstance(raw, dict):
        raise WireError(
            "a where filter must be a JSON object with operator, and path and a value or operands"
        )
    operator = raw.get("operator")
    if operator not in ast.LOGICAL_OPERATORS + ast.COMPARE_OPERATORS:
        raise WireError(
            f"where filter: unknown operator {operator!r}; use one of "
            + ", ".join(ast.LOGICAL_OPERATORS + ast.COMPARE_OPERATORS)
        )
    if operator in ast.LOGICAL_OPERATORS:
        operands = raw.get("operands")
        if not isinstance(operands, list) or not operands:
            raise WireError(f"where filter: operator {operator} needs a non-empty list of operands")
        return ast.Where(operator=operator, operands=[where_from_json(o, depth + 1) for o in operands])
    path = raw.get("path")
    if isinstance(path, str):
        path = [path]
    if not isinstance(path, list) or not path or not all(isinstance(p, str) for p in path):
        raise WireError(f'where filter: operator {operator} needs a path, e.g. ["title"]')
    values = []
    for field, value in raw.items():
        base = field[: -len("Array")] if field.endswith("Array") else field
        if base in _VALUE_FIELDS:
            values.append((_VALUE_FIELDS[base], value))
    if len(values) != 1:
        raise WireError(f"where filter on {path}: give exactly one value field (valueText, valueInt, ...)")
    value_type, value = values[0]
    return ast.Where(operator=operator, path=path, value_type=value_type, value=value)
