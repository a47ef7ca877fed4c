"""Binding the selection of a class: properties, and _additional with rerank(...) and group."""

from __future__ import annotations

from . import ast
from .context import BindContext
from .diagnostics import suggestion
from .nested_selection import nested_field
from .references import reference_field
from .rerank_args import rerank_args
from .source import Span
from .syntax import Directive, Field, FragmentSpread, Selection

ADDITIONAL_FIELDS = (*ast.ADDITIONAL_SCALARS, "vectors", "rerank", "group")
GROUP_FIELDS = ("id", "groupedBy", "count", "minDistance", "maxDistance", "hits")
GROUPED_BY_FIELDS = ("path", "value")
HIT_ADDITIONAL = ("id", "distance", "vector")


def leaf(ctx: BindContext, field: Field, owner: str, alias_ok: bool = True) -> bool:
    """A field that must have no arguments, directives or selection; False (diagnosed) otherwise."""
    if field.alias is not None and not alias_ok:
        ctx.error(
            "Q506", f'aliases are not supported on fields of "{owner}"', field.alias, "remove the alias"
        )
        return False
    if field.arguments:
        ctx.error("Q210", f'field "{field.name.value}" on "{owner}" takes no arguments', field.arguments[0])
        return False
    if field.directives:
        directives_error(ctx, field.directives[0])
        return False
    if field.selections is not None:
        ctx.error(
            "Q504",
            f'Field "{field.name.value}" must not have a selection since type "{owner}" field has no subfields.',
            field,
            "remove the { ... } after it",
        )
        return False
    return True


def directives_error(ctx: BindContext, directive: Directive) -> None:
    ctx.error("Q106", f'directive "@{directive.name.value}" is not supported by rankql', directive)


def fields_of(ctx: BindContext, selections: list[Selection], owner: str) -> list[Field]:
    """The plain fields of a selection set; fragments are diagnosed and skipped."""
    out: list[Field] = []
    for sel in selections:
        if isinstance(sel, FragmentSpread):
            ctx.error(
                "Q104",
                f"fragments are not supported in the selection of {owner}",
                sel,
                "write the fields out (a cross-reference property selects: prop { ... on Class { name } })",
            )
        else:
            out.append(sel)
    return out


def class_selection(ctx: BindContext, field: Field) -> list[ast.SelectionItem]:
    return selection_items(ctx, field.selections or [], field.name.value)


def selection_items(ctx: BindContext, selections: list[Selection], cls: str) -> list[ast.SelectionItem]:
    """The selection of a class, or of one class inside a cross-reference (`... on City { ... }`)."""
    items: list[ast.SelectionItem] = []
    keys: dict[str, str] = {}
    merged: ast.AdditionalSelection | None = None
    for sel in fields_of(ctx, selections, cls):
        name = sel.name.value
        key = sel.key
        if key in keys:
            if keys[key] != name:
                ctx.error(
                    "Q107",
                    f'Fields "{key}" conflict because they select different fields.',
                    sel,
                    "give one an alias",
                )
                continue
            if name != "_additional":
                continue  # the same property twice answers once, as GraphQL merges it
        keys[key] = name
        if name == "_additional":
            if sel.directives:
                directives_error(ctx, sel.directives[0])
            got = additional(ctx, sel, cls)
            if got is None:
                continue
            if merged is None:
                merged = got
                items.append(got)
            else:
                merged.items.extend(i for i in got.items if i not in merged.items)
            continue
        if name.startswith("__"):
            ctx.error(
                "Q506", f'"{name}" is not supported by rankql', sel, "select properties and _additional"
            )
            continue
        if sel.selections is not None:
            # `... on City { }` inside makes it a cross-reference; otherwise the fields of an object-valued
            # property (geoCoordinates, phoneNumber, object): the validation rules check the data type.
            if any(isinstance(s, FragmentSpread) for s in sel.selections):
                if sel.directives:
                    directives_error(ctx, sel.directives[0])
                shaped: ast.SelectionItem | None = reference_field(ctx, sel, cls, selection_items)
            else:
                shaped = nested_field(ctx, sel, cls)
            if shaped is not None:
                items.append(shaped)
            continue
        if leaf(ctx, sel, cls):
            items.append(ast.PropertyField(name=name, alias=_alias(sel), span=sel.span))
    return items


def additional(ctx: BindContext, field: Field, cls: str) -> ast.AdditionalSelection | None:
    owner = f"{cls}Additional"
    if field.arguments:
        ctx.error("Q210", "_additional takes no arguments", field.arguments[0])
    if field.selections is None:
        ctx.error(
            "Q503",
            f'Field "_additional" of type "{owner}" must have a sub selection.',
            field,
            "select some: _additional { id distance }",
        )
        return None
    items: list[ast.AdditionalItem] = []
    seen: set[str] = set()
    for sel in fields_of(ctx, field.selections, owner):
        name = sel.name.value
        if name not in ADDITIONAL_FIELDS:
            ctx.error(
                "Q501",
                f'Cannot query field "{name}" on type "{owner}".',
                sel.name,
                suggestion(name, ADDITIONAL_FIELDS) or "_additional fields: " + ", ".join(ADDITIONAL_FIELDS),
            )
            continue
        if sel.key in seen:
            continue
        seen.add(sel.key)
        got: ast.AdditionalItem | None
        if name == "rerank":
            got = rerank_field(ctx, sel, cls)
        elif name == "group":
            got = group_field(ctx, sel, owner)
        elif name == "vectors":
            got = vectors_field(ctx, sel, owner)
        else:
            got = (
                ast.AdditionalScalar(name=name, alias=_alias(sel), span=sel.span)
                if leaf(ctx, sel, owner)
                else None
            )
        if got is not None:
            items.append(got)
    return ast.AdditionalSelection(items=items, alias=_alias(field), span=field.span)


def rerank_field(ctx: BindContext, field: Field, cls: str) -> ast.RerankField | None:
    """rerank(...) { score ... }; its window is checked by the validation rule rerank_window."""
    owner = f"{cls}AdditionalReranker"
    span = Span(field.start, field.args_span[1]) if field.args_span else field.name.span
    if field.directives:
        directives_error(ctx, field.directives[0])
    args = rerank_args(ctx, field.arguments, span)
    if field.selections is None:
        ctx.error(
            "Q503",
            f'Field "rerank" of type "[{owner}]" must have a sub selection.',
            field,
            'select the score: rerank(property: "...", query: "...") { score }',
        )
        return None
    names: list[str] = []
    for sel in fields_of(ctx, field.selections, owner):
        name = sel.name.value
        if name not in ast.RERANK_FIELDS:
            ctx.error(
                "Q502",
                f'Cannot query field "{name}" on type "{owner}".',
                sel.name,
                suggestion(name, ast.RERANK_FIELDS) or "rerank fields: " + ", ".join(ast.RERANK_FIELDS),
            )
        elif leaf(ctx, sel, owner, alias_ok=False) and name not in names:
            names.append(name)
    if args is None or not names:
        return None
    return ast.RerankField(args=args, fields=names, alias=_alias(field), span=field.span)


def group_field(ctx: BindContext, field: Field, owner: str) -> ast.GroupField | None:
    if field.selections is None:
        ctx.error(
            "Q503",
            'Field "group" must have a sub selection.',
            field,
            "select some: group { id count hits { ... } }",
        )
        return None
    fields: list[str] = []
    grouped_by: list[str] = []
    hits = None
    for sel in fields_of(ctx, field.selections, f"{owner}Group"):
        name = sel.name.value
        if name not in GROUP_FIELDS:
            hint = suggestion(name, GROUP_FIELDS) or "group fields: " + ", ".join(GROUP_FIELDS)
            ctx.error("Q501", f'Cannot query field "{name}" on type "{owner}Group".', sel.name, hint)
            continue
        if name in ("groupedBy", "hits") and sel.alias is not None:
            ctx.error(
                "Q506",
                f'aliases are not supported on fields of "{owner}Group"',
                sel.alias,
                "remove the alias",
            )
            continue
        if name == "groupedBy":
            grouped_by = names_in(ctx, sel, GROUPED_BY_FIELDS, f"{owner}GroupGroupedBy")
        elif name == "hits":
            hits = group_hits(ctx, sel, owner)
        elif not leaf(ctx, sel, f"{owner}Group", alias_ok=False):
            continue
        if name not in fields:
            fields.append(name)
    return ast.GroupField(
        fields=fields, grouped_by_fields=grouped_by, hits=hits, alias=_alias(field), span=field.span
    )


def vectors_field(ctx: BindContext, field: Field, owner: str) -> ast.VectorsField | None:
    """_additional.vectors { a b }: the names are checked against the class's named vectors later."""
    if field.selections is None:
        ctx.error(
            "Q503",
            'Field "vectors" must have a sub selection.',
            field,
            "select the named vectors to return: vectors { name }",
        )
        return None
    names: list[str] = []
    for sel in fields_of(ctx, field.selections, f"{owner}Vectors"):
        if leaf(ctx, sel, f"{owner}Vectors", alias_ok=False) and sel.name.value not in names:
            names.append(sel.name.value)
    return ast.VectorsField(names=names, alias=_alias(field), span=field.span)


def names_in(ctx: BindContext, field: Field, allowed: tuple[str, ...], owner: str) -> list[str]:
    if field.selections is None:
        ctx.error(
            "Q503",
            f'Field "{field.name.value}" must have a sub selection.',
            field,
            "select: " + " ".join(allowed),
        )
        return []
    names = []
    for sel in fields_of(ctx, field.selections, owner):
        name = sel.name.value
        if name not in allowed:
            hint = suggestion(name, allowed) or "fields: " + ", ".join(allowed)
            ctx.error("Q501", f'Cannot query field "{name}" on type "{owner}".', sel.name, hint)
        elif leaf(ctx, sel, owner, alias_ok=False) and name not in names:
            names.append(name)
    return names


def group_hits(ctx: BindContext, field: Field, owner: str) -> ast.GroupHitsSelection | None:
    if field.selections is None:
        ctx.error(
            "Q503", 'Field "hits" must have a sub selection.', field, "select properties: hits { title }"
        )
        return None
    props: list[ast.PropertyField] = []
    extra: list[str] = []
    for sel in fields_of(ctx, field.selections, f"{owner}GroupHits"):
        if sel.name.value == "_additional":
            extra = names_in(ctx, sel, HIT_ADDITIONAL, f"{owner}GroupHitsAdditional")
        elif sel.selections is not None and any(isinstance(s, FragmentSpread) for s in sel.selections):
            ctx.error(  # gRPC says the same (runtime/server/grpc_search.py)
                "Q104",
                f'rankql does not return references of grouped objects ("{sel.name.value}" in hits)',
                sel,
                "select the reference in a Get without groupBy",
            )
        elif sel.selections is not None:  # location { latitude }: checked against the schema later
            nested = nested_field(ctx, sel, f"{owner}GroupHits")
            if nested is not None:
                props.append(nested)
        elif leaf(ctx, sel, f"{owner}GroupHits"):
            props.append(ast.PropertyField(name=sel.name.value, alias=_alias(sel), span=sel.span))
    return ast.GroupHitsSelection(properties=props, additional=extra, span=field.span)


def _alias(field: Field) -> str | None:
    return field.alias.value if field.alias is not None else None
