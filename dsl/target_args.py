"""Binding the named-vector arguments of the vector searches: targetVectors, targets and vectorPerTarget.

As Weaviate reads them (adapters/handlers/graphql/local/common_filters/extract_targets.go): `targets`
wins over `targetVectors`; plain `targetVectors` combine by minimum; sum and average weigh each target
1 and 1/n; manualWeights and relativeScore need a weight for every target.
"""

from __future__ import annotations

from . import ast
from .context import BindContext
from .syntax import ObjectField, Value
from .values import read_enum, read_float, read_floats, read_object, read_strings
from .variables import deref

TARGETS_FIELDS = ("targetVectors", "combinationMethod", "weights")


def read_targets(
    ctx: BindContext, fields: dict[str, ObjectField], where: str, prefix: str
) -> ast.Targets | None:
    """The targets of a search from its `targets` or `targetVectors` field; None when neither is given
    (or a diagnostic was recorded)."""
    if "targets" in fields:
        return _targets_object(ctx, fields["targets"].value, f'{where} field "targets"', prefix)
    if "targetVectors" in fields:
        names = _names(ctx, fields["targetVectors"].value, f'{where} field "targetVectors"')
        return ast.Targets(vectors=names, span=fields["targetVectors"].span) if names else None
    return None


def _names(ctx: BindContext, value: Value, where: str) -> list[str] | None:
    names = read_strings(ctx, value, where)
    if not names:
        return None
    seen: set[str] = set()
    for name in names:
        if name in seen:
            ctx.error(
                "Q207",
                f'{where}: target vector "{name}" is named twice',
                value,
                "name each target once: rankql searches a target with one query vector",
            )
            return None
        seen.add(name)
    return names


def _targets_object(ctx: BindContext, value: Value, where: str, prefix: str) -> ast.Targets | None:
    fields = read_object(ctx, value, f"{prefix}TargetInpObj", TARGETS_FIELDS, where)
    if fields is None:
        return None
    if "targetVectors" not in fields:
        ctx.error("Q203", f"{where}: targetVectors is required field", value, 'add targetVectors: ["name"]')
        return None
    mark = ctx.failures
    names = _names(ctx, fields["targetVectors"].value, f'{where} field "targetVectors"')
    combination = "minimum"
    if "combinationMethod" in fields:
        combination = (
            read_enum(
                ctx,
                fields["combinationMethod"].value,
                "targetCombinationEnum",
                ast.TARGET_COMBINATIONS,
                f'{where} field "combinationMethod"',
            )
            or "minimum"
        )
    weights = None
    if names and combination in ast.WEIGHTED_COMBINATIONS:
        given = fields.get("weights")
        weights = _weights(ctx, given.value if given else None, names, value, where)
    if ctx.failed(mark) or not names:
        return None
    return ast.Targets(vectors=names, combination=combination, weights=weights, span=value.span)  # type: ignore[arg-type]


def _weights(
    ctx: BindContext, value: Value | None, names: list[str], owner: Value, where: str
) -> list[float] | None:
    """One weight per target from the Weights object {name: number}."""
    given: dict[str, Value] = {}
    v = deref(ctx, value, "Weights") if value is not None else None
    if v is not None:
        if v.kind != "object":
            ctx.error(
                "Q202", f"{where}: weights must be an object {{target: weight}}", v, "write weights: {a: 0.5}"
            )
            return None
        given = {field.name.value: field.value for field in v.value}
    out = []
    for name in names:
        if name not in given:
            ctx.error(
                "Q203",
                f"weight for target {name} is not provided",
                value or owner,
                f"add weights: {{{name}: 0.5, ...}}: manualWeights and relativeScore weigh every target",
            )
            return None
        weight = read_float(ctx, given[name], f'{where} weight of "{name}"')
        if weight is None:
            return None
        out.append(weight)
    return out


def read_vector_per_target(ctx: BindContext, value: Value, where: str) -> dict[str, list[float]] | None:
    """nearVector's vectorPerTarget {name: [numbers]}: one query vector per target."""
    v = deref(ctx, value, "VectorPerTarget")
    if v is None:
        return None
    if v.kind != "object":
        ctx.error(
            "Q202", f"{where} must be an object {{target: [numbers]}}", v, "write vectorPerTarget: {a: [0.1]}"
        )
        return None
    out: dict[str, list[float]] = {}
    for field in v.value:
        item = field.value
        if item.kind == "list" and item.value and item.value[0].kind == "list":
            ctx.error(
                "Q210",
                f'{where}: several query vectors for target "{field.name.value}" are not supported by rankql',
                item,
                "give one vector per target",
            )
            return None
        vector = read_floats(ctx, item, f'{where} of "{field.name.value}"')
        if vector is None:
            return None
        if not vector:
            ctx.error("Q207", f'{where}: the vector of "{field.name.value}" is empty', item)
            return None
        out[field.name.value] = vector
    if not out:
        ctx.error("Q207", f"{where} names no target", v, "write vectorPerTarget: {a: [0.1, ...]}")
        return None
    return out
