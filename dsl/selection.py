"""Binding the selection of a class: properties, and _additional with rerank(...) and group."""

from __future__ import annotations

from . import ast
from .diagnostics import suggestion
from .rerank_args import RerankReader
from .source import Span
from .syntax import Field, FragmentSpread, SyntaxNode

ADDITIONAL_FIELDS = (*ast.ADDITIONAL_SCALARS, "rerank", "group")
GROUP_FIELDS = ("id", "groupedBy", "count", "minDistance", "maxDistance", "hits")
GROUPED_BY_FIELDS = ("path", "value")
HIT_ADDITIONAL = ("id", "distance", "vector")


class SelectionReader(RerankReader):
    """Selections of a class field (the rerank window is checked by the validation rule rerank_window)."""

    def leaf(self, field: Field, owner: str, alias_ok: bool = True) -> bool:
        """A field that must have no arguments, directives or selection; False (diagnosed) otherwise."""
        if field.alias is not None and not alias_ok:
            self.error(
                "Q506", f'aliases are not supported on fields of "{owner}"', field.alias, "remove the alias"
            )
            return False
        if field.arguments:
            self.error(
                "Q210", f'field "{field.name.value}" on "{owner}" takes no arguments', field.arguments[0]
            )
            return False
        if field.directives:
            self.directives_error(field.directives[0])
            return False
        if field.selections is not None:
            self.error(
                "Q504",
                f'Field "{field.name.value}" must not have a selection since type "{owner}" field has no subfields.',
                field,
                "remove the { ... } after it",
            )
            return False
        return True

    def directives_error(self, directive) -> None:
        self.error("Q106", f'directive "@{directive.name.value}" is not supported by rankql', directive)

    def fields_of(self, selections: list[SyntaxNode], owner: str) -> list[Field]:
        """The plain fields of a selection set; fragments are diagnosed and skipped."""
        out = []
        for sel in selections:
            if isinstance(sel, FragmentSpread):
                self.error(
                    "Q104",
                    f"fragments are not supported in the selection of {owner}",
                    sel,
                    "write the fields out; cross-references (... on Class) are not supported either",
                )
            else:
                out.append(sel)
        return out

    def class_selection(self, field: Field) -> list[ast.SelectionItem]:
        cls = field.name.value
        items: list[ast.SelectionItem] = []
        keys: dict[str, str] = {}
        additional: ast.AdditionalSelection | None = None
        for sel in self.fields_of(field.selections or [], cls):
            name = sel.name.value
            key = sel.key
            if key in keys:
                if keys[key] != name:
                    self.error(
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
                    self.directives_error(sel.directives[0])
                got = self.additional(sel, cls)
                if got is None:
                    continue
                if additional is None:
                    additional = got
                    items.append(got)
                else:
                    additional.items.extend(i for i in got.items if i not in additional.items)
                continue
            if name.startswith("__"):
                self.error(
                    "Q506", f'"{name}" is not supported by rankql', sel, "select properties and _additional"
                )
                continue
            if sel.selections is not None:
                self.error(
                    "Q506",
                    f'"{name}" has a selection: cross-references and nested objects are not supported',
                    sel,
                    "select plain properties only",
                )
                continue
            if self.leaf(sel, cls):
                items.append(ast.PropertyField(name=name, alias=_alias(sel), span=sel.span))
        return items

    def additional(self, field: Field, cls: str) -> ast.AdditionalSelection | None:
        owner = f"{cls}Additional"
        if field.arguments:
            self.error("Q210", "_additional takes no arguments", field.arguments[0])
        if field.selections is None:
            self.error(
                "Q503",
                f'Field "_additional" of type "{owner}" must have a sub selection.',
                field,
                "select some: _additional { id distance }",
            )
            return None
        items: list[ast.AdditionalItem] = []
        seen: set[str] = set()
        for sel in self.fields_of(field.selections, owner):
            name = sel.name.value
            if name not in ADDITIONAL_FIELDS:
                self.error(
                    "Q501",
                    f'Cannot query field "{name}" on type "{owner}".',
                    sel.name,
                    suggestion(name, ADDITIONAL_FIELDS)
                    or "_additional fields: " + ", ".join(ADDITIONAL_FIELDS),
                )
                continue
            if sel.key in seen:
                continue
            seen.add(sel.key)
            if name == "rerank":
                got = self.rerank_field(sel, cls)
            elif name == "group":
                got = self.group_field(sel, owner)
            else:
                got = (
                    ast.AdditionalScalar(name=name, alias=_alias(sel), span=sel.span)
                    if self.leaf(sel, owner)
                    else None
                )
            if got is not None:
                items.append(got)
        return ast.AdditionalSelection(items=items, alias=_alias(field), span=field.span)

    def rerank_field(self, field: Field, cls: str) -> ast.RerankField | None:
        owner = f"{cls}AdditionalReranker"
        span = Span(field.start, field.args_span[1]) if field.args_span else field.name.span
        if field.directives:
            self.directives_error(field.directives[0])
        args = self.rerank_args(field.arguments, span)
        if field.selections is None:
            self.error(
                "Q503",
                f'Field "rerank" of type "[{owner}]" must have a sub selection.',
                field,
                'select the score: rerank(property: "...", query: "...") { score }',
            )
            return None
        names: list[str] = []
        for sel in self.fields_of(field.selections, owner):
            name = sel.name.value
            if name not in ast.RERANK_FIELDS:
                self.error(
                    "Q502",
                    f'Cannot query field "{name}" on type "{owner}".',
                    sel.name,
                    suggestion(name, ast.RERANK_FIELDS) or "rerank fields: " + ", ".join(ast.RERANK_FIELDS),
                )
            elif self.leaf(sel, owner, alias_ok=False) and name not in names:
                names.append(name)
        if args is None or not names:
            return None
        return ast.RerankField(args=args, fields=names, alias=_alias(field), span=field.span)

    def group_field(self, field: Field, owner: str) -> ast.GroupField | None:
        if field.selections is None:
            self.error(
                "Q503",
                'Field "group" must have a sub selection.',
                field,
                "select some: group { id count hits { ... } }",
            )
            return None
        fields: list[str] = []
        grouped_by: list[str] = []
        hits = None
        for sel in self.fields_of(field.selections, f"{owner}Group"):
            name = sel.name.value
            if name not in GROUP_FIELDS:
                hint = suggestion(name, GROUP_FIELDS) or "group fields: " + ", ".join(GROUP_FIELDS)
                self.error("Q501", f'Cannot query field "{name}" on type "{owner}Group".', sel.name, hint)
                continue
            if name in ("groupedBy", "hits") and sel.alias is not None:
                self.error(
                    "Q506",
                    f'aliases are not supported on fields of "{owner}Group"',
                    sel.alias,
                    "remove the alias",
                )
                continue
            if name == "groupedBy":
                grouped_by = self.names_in(sel, GROUPED_BY_FIELDS, f"{owner}GroupGroupedBy")
            elif name == "hits":
                hits = self.group_hits(sel, owner)
            elif not self.leaf(sel, f"{owner}Group", alias_ok=False):
                continue
            if name not in fields:
                fields.append(name)
        return ast.GroupField(
            fields=fields, grouped_by_fields=grouped_by, hits=hits, alias=_alias(field), span=field.span
        )

    def names_in(self, field: Field, allowed: tuple[str, ...], owner: str) -> list[str]:
        if field.selections is None:
            self.error(
                "Q503",
                f'Field "{field.name.value}" must have a sub selection.',
                field,
                "select: " + " ".join(allowed),
            )
            return []
        names = []
        for sel in self.fields_of(field.selections, owner):
            name = sel.name.value
            if name not in allowed:
                hint = suggestion(name, allowed) or "fields: " + ", ".join(allowed)
                self.error("Q501", f'Cannot query field "{name}" on type "{owner}".', sel.name, hint)
            elif self.leaf(sel, owner, alias_ok=False) and name not in names:
                names.append(name)
        return names

    def group_hits(self, field: Field, owner: str) -> ast.GroupHitsSelection | None:
        if field.selections is None:
            self.error(
                "Q503", 'Field "hits" must have a sub selection.', field, "select properties: hits { title }"
            )
            return None
        props: list[ast.PropertyField] = []
        extra: list[str] = []
        for sel in self.fields_of(field.selections, f"{owner}GroupHits"):
            if sel.name.value == "_additional":
                extra = self.names_in(sel, HIT_ADDITIONAL, f"{owner}GroupHitsAdditional")
            elif self.leaf(sel, f"{owner}GroupHits"):
                props.append(ast.PropertyField(name=sel.name.value, alias=_alias(sel), span=sel.span))
        return ast.GroupHitsSelection(properties=props, additional=extra, span=field.span)


def _alias(field: Field) -> str | None:
    return field.alias.value if field.alias is not None else None
