"""Binding of Aggregate: its class fields, their arguments (the search and where clause functions of Get)
and their selections (`meta`, `groupedBy`, properties with their aggregations)."""

from __future__ import annotations

from typing import Any

from . import ast
from .arguments import near_object, near_text, near_vector
from .context import BindContext
from .diagnostics import suggestion
from .keyword_args import hybrid
from .selection import directives_error, fields_of, leaf
from .syntax import Argument, Field
from .values import read_int, read_string, read_strings
from .where_args import where

AGGREGATE_SEARCHES = ("nearText", "nearVector", "nearObject", "hybrid")
AGGREGATE_ARGS = (*AGGREGATE_SEARCHES, "where", "objectLimit", "groupBy", "limit", "tenant")
_UNSUPPORTED = {
    "nearImage": "rankql has no image vectorizer",
    "bm25": "Aggregate searches with nearText, nearVector, nearObject or hybrid",
}
META_FIELDS = ("count",)
GROUPED_BY_FIELDS = ("path", "value")
# Every aggregation of any data type: the binder accepts these; validation checks them per type.
PROPERTY_FIELDS = tuple(dict.fromkeys(f for names in ast.AGGREGATIONS.values() for f in names))


def bind_aggregate(ctx: BindContext, field: Field) -> list[ast.AggregateQuery]:
    """The class fields of one `Aggregate { ... }` root field."""
    if field.arguments or field.alias is not None:
        node = field.arguments[0] if field.arguments else field.alias
        ctx.error("Q109", "Aggregate takes no arguments or alias; they belong on the class", node)
    for directive in field.directives:
        directives_error(ctx, directive)
    if field.selections is None:
        ctx.error(
            "Q108",
            'Field "Aggregate" of type "AggregateObjectsObj" must have a sub selection.',
            field,
            "{ Aggregate { Article { meta { count } } } }",
        )
        return []
    out = []
    keys: set[str] = set()
    for sel in fields_of(ctx, field.selections, "Aggregate"):
        got = _bind_class(ctx, sel)
        if got is None:
            continue
        if got.key in keys:
            ctx.error(
                "Q107",
                f'Fields "{got.key}" conflict: two class fields answer to the same key',
                got.span,
                f"give one an alias: other{got.key}: {got.class_name}(...)",
                ["Aggregate", got.key],
            )
        keys.add(got.key)
        out.append(got)
    return out


def _bind_class(ctx: BindContext, field: Field) -> ast.AggregateQuery | None:
    cls = field.name.value
    mark = ctx.failures
    ctx.path = ["Aggregate", field.key]
    for directive in field.directives:
        directives_error(ctx, directive)
    data: dict[str, Any] = {"class_name": cls, "span": field.span}
    if field.alias is not None:
        data["alias"] = field.alias.value
    args: dict[str, Argument] = {}
    for arg in field.arguments:
        name = arg.name.value
        if name in args:
            ctx.error("Q204", f'There can be only one argument named "{name}".', arg)
            continue
        args[name] = arg
        if name in _UNSUPPORTED:
            ctx.error(
                "Q210", f'argument "{name}" is not supported on Aggregate', arg.name, _UNSUPPORTED[name]
            )
        elif name not in AGGREGATE_ARGS:
            ctx.error(
                "Q201",
                f'Unknown argument "{name}" on field "{cls}" of type "AggregateObjectsObj".',
                arg.name,
                suggestion(name, AGGREGATE_ARGS) or "arguments: " + ", ".join(AGGREGATE_ARGS),
            )
        else:
            _argument(ctx, data, name, arg)
    searches = [name for name in AGGREGATE_SEARCHES if name in args]
    if len(searches) > 1:
        later = max((args[n] for n in searches), key=lambda a: a.start)
        ctx.error(
            "Q301",
            f"found both '{searches[0]}' and '{searches[1]}' parameters which are conflicting, choose one instead",
            later.name,
            "keep one search argument",
        )
    if "limit" in args and "groupBy" not in args:
        ctx.error(
            "Q701",
            "limit on Aggregate limits the groups: it needs groupBy",
            args["limit"].name,
            'add groupBy: ["property"]; to bound a search use objectLimit',
        )
    if field.selections is None:
        ctx.error(
            "Q108",
            f'Field "{cls}" of type "[Aggregate{cls}]" must have a sub selection.',
            field,
            f"select aggregations: {cls} {{ meta {{ count }} }}",
        )
    else:
        data["selection"] = _selection(ctx, field, cls)
    ctx.path = None
    if ctx.failed(mark):
        return None
    return ast.AggregateQuery(**data)


def _argument(ctx: BindContext, data: dict[str, Any], name: str, arg: Argument) -> None:
    value = arg.value
    bound: object
    if name == "nearText":
        bound = near_text(ctx, value)
    elif name == "nearVector":
        bound = near_vector(ctx, value)
    elif name == "nearObject":
        bound = near_object(ctx, value)
    elif name == "hybrid":
        bound = hybrid(ctx, value)
    elif name == "where":
        bound = where(ctx, value)
    elif name == "groupBy":
        bound = read_strings(ctx, value, 'Argument "groupBy"')
        if bound is not None and len(bound) != 1:
            ctx.error("Q702", 'groupBy takes the path of one property, e.g. groupBy: ["category"]', value)
            return
    elif name == "tenant":
        bound = read_string(ctx, value, 'Argument "tenant"')
    else:
        bound = read_int(ctx, value, f'Argument "{name}"')
        if isinstance(bound, int) and bound < 1:
            ctx.error("Q207", f"{name} must be at least 1, got {bound}", value)
            return
    if bound is None:
        return
    if name in AGGREGATE_SEARCHES:
        data.setdefault("search", bound)
    else:
        data[{"objectLimit": "object_limit", "groupBy": "group_by"}.get(name, name)] = bound


def _selection(ctx: BindContext, field: Field, cls: str) -> list[ast.AggregateField]:
    out: list[ast.AggregateField] = []
    keys: set[str] = set()
    for sel in fields_of(ctx, field.selections or [], f"Aggregate{cls}"):
        item = _field(ctx, sel, cls)
        if item is None:
            continue
        if item.key in keys:
            ctx.error("Q107", f'Fields "{item.key}" conflict: selected twice', sel, "select it once")
            continue
        keys.add(item.key)
        out.append(item)
    if not out and not ctx.diagnostics:
        ctx.error("Q503", f'Field "{cls}" selects nothing', field, "select meta { count }")
    return out


def _field(ctx: BindContext, sel: Field, cls: str) -> ast.AggregateField | None:
    name = sel.name.value
    owner = f"Aggregate{cls}{name[:1].upper()}{name[1:]}Obj"
    if sel.arguments:
        ctx.error("Q210", f'field "{name}" takes no arguments', sel.arguments[0])
        return None
    allowed = META_FIELDS if name == "meta" else GROUPED_BY_FIELDS if name == "groupedBy" else PROPERTY_FIELDS
    if sel.selections is None:
        ctx.error(
            "Q503", f'Field "{name}" must have a sub selection.', sel, "select: " + " ".join(allowed[:3])
        )
        return None
    fields: list[str] = []
    top_fields: list[str] = []
    top_limit = ast.TOP_OCCURRENCES_LIMIT
    for sub in fields_of(ctx, sel.selections, owner):
        sub_name = sub.name.value
        if sub_name not in allowed:
            hint = suggestion(sub_name, allowed) or "fields: " + ", ".join(allowed)
            ctx.error("Q501", f'Cannot query field "{sub_name}" on type "{owner}".', sub.name, hint)
            continue
        if sub_name == "topOccurrences":
            top_limit, top_fields = _top_occurrences(ctx, sub, owner)
        elif not leaf(ctx, sub, owner, alias_ok=False):
            continue
        if sub_name not in fields:
            fields.append(sub_name)
    alias = sel.alias.value if sel.alias is not None else None
    return ast.AggregateField(
        name=name, fields=fields, top_fields=top_fields, top_limit=top_limit, alias=alias, span=sel.span
    )


def _top_occurrences(ctx: BindContext, sub: Field, owner: str) -> tuple[int, list[str]]:
    limit = ast.TOP_OCCURRENCES_LIMIT
    for arg in sub.arguments:
        if arg.name.value != "limit":
            ctx.error(
                "Q201", f'Unknown argument "{arg.name.value}" on field "topOccurrences"', arg.name, "limit"
            )
            continue
        value = read_int(ctx, arg.value, 'Argument "limit"')
        if value is not None:
            if value < 1:
                ctx.error("Q207", f"topOccurrences limit must be at least 1, got {value}", arg.value)
            limit = value
    if sub.selections is None:
        ctx.error("Q503", 'Field "topOccurrences" must have a sub selection.', sub, "select: value occurs")
        return limit, []
    names: list[str] = []
    for item in fields_of(ctx, sub.selections, f"{owner}TopOccurrencesObj"):
        name = item.name.value
        if name not in ast.TOP_OCCURRENCES_FIELDS:
            hint = suggestion(name, ast.TOP_OCCURRENCES_FIELDS) or "fields: value, occurs"
            ctx.error("Q501", f'Cannot query field "{name}" on type "TopOccurrences".', item.name, hint)
        elif leaf(ctx, item, "TopOccurrences", alias_ok=False) and name not in names:
            names.append(name)
    return limit, names
