"""Binding sort and groupBy, with Weaviate's messages."""

from __future__ import annotations

from typing import cast

from . import ast
from .arguments import GROUP_BY_FIELDS, SORT_FIELDS
from .context import BindContext
from .syntax import Value
from .values import read_enum, read_int, read_list, read_object, read_strings


def sort(ctx: BindContext, value: Value) -> list[ast.SortKey] | None:
    items = read_list(ctx, value, "SortInpObj", 'Argument "sort"')
    if items is None:
        return None
    keys = []
    for position, item in enumerate(items):
        prefix = f"invalid 'sort' parameter: sort parameter at position {position}: "
        fields = read_object(ctx, item, "SortInpObj", SORT_FIELDS, 'Argument "sort"')
        if fields is None:
            return None
        path = (
            read_strings(ctx, fields["path"].value, 'Argument "sort" field "path"')
            if "path" in fields
            else []
        )
        if path is None:
            return None
        if not path:
            ctx.error("Q209", prefix + "path parameter cannot be empty", item, 'add path: ["property"]')
            return None
        if len(path) > 1:
            ctx.error(
                "Q209",
                prefix + "sorting by reference not supported, path must have exactly one argument",
                fields["path"],
            )
            return None
        order: ast.SortOrder = "asc"
        if "order" in fields:
            got = read_enum(
                ctx, fields["order"].value, "SortOrderEnum", ("asc", "desc"), 'Argument "sort" field "order"'
            )
            if got is None:
                return None
            order = cast("ast.SortOrder", got)
        keys.append(ast.SortKey(path=path, order=order, span=item.span))
    if not keys:
        ctx.error(
            "Q209",
            "invalid 'sort' parameter: give at least one sort key",
            value,
            'sort: {path: ["title"]}',
        )
        return None
    return keys


def group_by(ctx: BindContext, value: Value) -> ast.GroupBy | None:
    where = 'Argument "groupBy"'
    fields = read_object(ctx, value, "GroupByInpObj", GROUP_BY_FIELDS, where)
    if fields is None:
        return None
    missing = [name for name in GROUP_BY_FIELDS if name not in fields]
    if missing:
        ctx.error(
            "Q203",
            f'{where}: field "{missing[0]}" is required',
            value,
            'write groupBy: {path: ["property"], groups: 2, objectsPerGroup: 3}',
        )
        return None
    path = read_strings(ctx, fields["path"].value, f'{where} field "path"')
    groups = read_int(ctx, fields["groups"].value, f'{where} field "groups"')
    per_group = read_int(ctx, fields["objectsPerGroup"].value, f'{where} field "objectsPerGroup"')
    if path is None or groups is None or per_group is None:
        return None
    if len(path) != 1:
        ctx.error("Q207", "groupBy path must name exactly one property", fields["path"].value)
        return None
    for name, number in (("groups", groups), ("objectsPerGroup", per_group)):
        if number < 1:
            ctx.error("Q207", f"groupBy {name} must be at least 1, got {number}", fields[name].value)
            return None
    return ast.GroupBy(path=path, groups=groups, objects_per_group=per_group, span=value.span)
