"""The binder: a syntax Document (plus variables) to the typed AST of dsl/ast.py, or diagnostics.

It walks the document and the Get class fields, and hands each argument and selection to the clause
functions (arguments.py, keyword_args.py, where_args.py, sort_group_args.py, rerank_args.py,
selection.py), which all share one BindContext; the rules between arguments (one search, cursor,
pagination) are checked here.
"""

from __future__ import annotations

import uuid
from typing import Any

from . import ast
from .aggregate_args import bind_aggregate
from .arguments import CONSISTENCY_LEVELS, near_object, near_text, near_vector
from .context import BindContext
from .diagnostics import Diagnostic, suggestion
from .keyword_args import bm25, hybrid
from .limits import (
    QUERY_DEFAULTS_LIMIT,
    QUERY_DEFAULTS_LIMIT_GRAPHQL,
    QUERY_MAXIMUM_RESULTS,
    max_results_exceeded,
)
from .selection import class_selection, directives_error, fields_of
from .sort_group_args import group_by, sort
from .syntax import Argument, Document, Field, FragmentDefinition, FragmentSpread, Operation
from .values import read_enum, read_int, read_string
from .variables import define_variables
from .where_args import where

SEARCHES = ast.SEARCH_KINDS
CLASS_ARGS = (
    *SEARCHES,
    "where",
    "limit",
    "offset",
    "autocut",
    "after",
    "sort",
    "groupBy",
    "consistencyLevel",
    "tenant",
)
UNSUPPORTED_CLASS_ARGS = {
    "group": "the legacy group argument is not supported; use groupBy",
    "nearImage": "rankql has no image vectorizer",
}
_CURSOR = "cursor api: invalid 'after' parameter: "
_ATTRS = {"groupBy": "group_by"}


class Binder:
    """Binds one document into its context, which collects every diagnostic; the caller raises them once."""

    def __init__(self, ctx: BindContext) -> None:
        self.ctx = ctx
        self.error = ctx.error  # short names for the two the binder calls most
        self.failed = ctx.failed

    def bind_document(self, doc: Document) -> ast.Query | None:
        operations = []
        for definition in doc.definitions:
            if isinstance(definition, FragmentDefinition):
                self.error(
                    "Q104",
                    "fragment definitions are not supported by rankql",
                    definition,
                    "write the fields out",
                )
            else:
                operations.append(definition)
        if len(operations) != 1:
            if operations:
                self.error(
                    "Q105",
                    f"the document has {len(operations)} operations; rankql runs one per query",
                    operations[1],
                    "send each operation as its own query",
                )
            return None
        return self.bind_operation(operations[0])

    def bind_operation(self, op: Operation) -> ast.Query | None:
        if op.kind is not None and op.kind.value != "query":
            word = op.kind.value
            if word in ("mutation", "subscription"):
                self.error(
                    "Q101", f"{word} operations are not supported: rankql answers Get queries", op.kind
                )
            else:
                hint = (
                    suggestion(word, ("query",)) or "write query, or leave the keyword out: { Get { ... } }"
                )
                self.error("Q101", f"unknown operation type '{word}'", op.kind, hint)
        for directive in op.directives:
            directives_error(self.ctx, directive)
        define_variables(self.ctx, op.variables)
        gets: list[ast.GetQuery] = []
        aggregates: list[ast.AggregateQuery] = []
        keys: set[str] = set()
        for sel in op.selections:
            if isinstance(sel, FragmentSpread):
                self.error("Q104", "fragments are not supported by rankql", sel, "write the fields out")
                continue
            name = sel.name.value
            if name == "Aggregate":
                aggregates.extend(bind_aggregate(self.ctx, sel))
                continue
            if name == "Explore":
                self.error(
                    "Q102",
                    f"{name} is not supported by rankql: it answers Get and Aggregate queries",
                    sel.name,
                    "rewrite it as { Get { Class(...) { ... } } }",
                )
                continue
            if name != "Get":
                hint = (
                    suggestion(name, ("Get", "Aggregate", "Explore"))
                    or "queries start with { Get { Class { ... } } }"
                )
                self.error("Q103", f'Cannot query field "{name}" on type "WeaviateObj".', sel.name, hint)
                continue
            for get in self.bind_get(sel):
                if get.key in keys:
                    self.error(
                        "Q107",
                        f'Fields "{get.key}" conflict: two class fields answer to the same key',
                        get.span,
                        f"give one an alias: other{get.key}: {get.class_name}(...)",
                    )
                keys.add(get.key)
                gets.append(get)
        # Best effort: with diagnostics this is what bound (the failed pieces left out), for validation.
        op_name = op.name.value if op.name else None
        return ast.Query(operation_name=op_name, gets=gets, aggregates=aggregates, span=op.span)

    def bind_get(self, field: Field) -> list[ast.GetQuery]:
        if field.arguments or field.alias is not None:
            node = field.arguments[0] if field.arguments else field.alias
            self.error("Q109", "Get takes no arguments or alias; they belong on the class", node)
        for directive in field.directives:
            directives_error(self.ctx, directive)
        if field.selections is None:
            self.error(
                "Q108",
                'Field "Get" of type "GetObjectsObj" must have a sub selection.',
                field,
                "{ Get { Article { title } } }",
            )
            return []
        gets = []
        for sel in fields_of(self.ctx, field.selections, "Get"):
            got = self.bind_class(sel)
            if got is not None:
                gets.append(got)
        return gets

    def bind_class(self, field: Field) -> ast.GetQuery | None:
        cls = field.name.value
        first = len(self.ctx.diagnostics)
        self.ctx.path = ["Get", field.key]
        for directive in field.directives:
            directives_error(self.ctx, directive)
        data: dict[str, Any] = {"class_name": cls, "span": field.span}
        if field.alias is not None:
            data["alias"] = field.alias.value
        args: dict[str, Argument] = {}
        dropped: set[str] = set()  # arguments that bound to nothing (a broken variable leaves no diagnostic)
        for arg in field.arguments:
            name = arg.name.value
            if name in args:
                self.error("Q204", f'There can be only one argument named "{name}".', arg)
                continue
            args[name] = arg
            if name in UNSUPPORTED_CLASS_ARGS:
                self.error(
                    "Q210",
                    f'argument "{name}" is not supported by rankql',
                    arg.name,
                    UNSUPPORTED_CLASS_ARGS[name],
                )
            elif name not in CLASS_ARGS:
                self.error(
                    "Q201",
                    f'Unknown argument "{name}" on field "{cls}" of type "GetObjectsObj".',
                    arg.name,
                    suggestion(name, CLASS_ARGS) or "arguments: " + ", ".join(CLASS_ARGS),
                )
            else:
                value = self.class_argument(name, arg)
                if value is None:
                    dropped.add(name)
                if name in SEARCHES:
                    # One search per class field: a second one is a conflict, reported by conflicts()
                    # at the later argument; the first bound one is kept.
                    if value is not None and "search" not in data:
                        data["search"] = value
                elif value is not None:
                    data[_ATTRS.get(name, name)] = value
        self.pagination(data, args)
        self.conflicts(data, args)
        if field.selections is None:
            self.error(
                "Q108",
                f'Field "{cls}" of type "[{cls}]" must have a sub selection.',
                field,
                f"select properties: {cls} {{ title _additional {{ id }} }}",
            )
        else:
            data["selection"] = class_selection(self.ctx, field)
            extra = next((i for i in data["selection"] if isinstance(i, ast.AdditionalSelection)), None)
            group = extra is not None and any(isinstance(i, ast.GroupField) for i in extra.items)
            if group and "group_by" not in data and "groupBy" not in args:
                self.error(
                    "Q505",
                    "_additional { group } needs a groupBy argument",
                    field.name,
                    'add groupBy: {path: ["p"], ...}',
                )
        self.ctx.path = None
        get = ast.GetQuery(**data)
        if dropped or len(self.ctx.diagnostics) > first:  # else none failed: the default, empty
            get._failed_arguments = failed_arguments(self.ctx.diagnostics[first:], args) | dropped
        return get

    def class_argument(self, name: str, arg: Argument) -> object:
        value = arg.value
        label = f'Argument "{name}"'
        if name == "nearText":
            return near_text(self.ctx, value)
        if name == "nearVector":
            return near_vector(self.ctx, value)
        if name == "nearObject":
            return near_object(self.ctx, value)
        if name == "bm25":
            return bm25(self.ctx, value)
        if name == "hybrid":
            return hybrid(self.ctx, value)
        if name == "where":
            return where(self.ctx, value)
        if name == "sort":
            return sort(self.ctx, value)
        if name == "groupBy":
            return group_by(self.ctx, value)
        if name == "consistencyLevel":
            read_enum(self.ctx, value, "ConsistencyLevel", CONSISTENCY_LEVELS, label)
            return None  # one node holds every object: each level is met by it
        if name == "tenant":
            return read_string(self.ctx, value, label)  # which tenants exist is known when it runs
        if name == "after":
            text = read_string(self.ctx, value, label)
            if text:  # "" starts from the beginning, as Weaviate's cursor does
                try:
                    uuid.UUID(text)
                except ValueError:
                    self.error(
                        "Q305",
                        _CURSOR + f'"{text}" is not a UUID',
                        value,
                        "after takes the id of the last object seen",
                    )
                    return None
            return text
        return read_int(self.ctx, value, label)

    def pagination(self, data: dict[str, Any], args: dict[str, Argument]) -> None:
        limit, offset = data.get("limit"), data.get("offset")
        # A refused limit, offset or autocut is reported where it stands; the page it would set is unknown.
        refused = (
            "limit" in args
            and "limit" not in data
            or "offset" in args
            and "offset" not in data
            or "autocut" in args
            and "autocut" not in data
        )
        if limit is not None and limit < 0:
            del data["limit"]  # Weaviate reads a negative limit as "not set"
            limit = None
        if limit == 0:
            self.error(
                "Q309",
                "invalid pagination params: invalid default limit: 0",
                args["limit"].value,
                "limit must be at least 1; leave it out for the default",
            )
        if offset is not None and offset < 0:
            self.error("Q207", f"offset must not be negative, got {offset}", args["offset"].value)
        if refused or "after" in data and (limit is None or offset is not None):
            return  # an unknown page is not checked; the cursor rules report these (a cursor's limit: below)
        effective = (
            limit
            if limit is not None
            else QUERY_DEFAULTS_LIMIT
            if offset is not None or "autocut" in data
            else QUERY_DEFAULTS_LIMIT_GRAPHQL
        )
        # hybrid's legs each fetch max(100, limit) from offset 0 and never meet the total check in Weaviate
        if (offset or 0) + effective > QUERY_MAXIMUM_RESULTS and "hybrid" not in args:
            node = args.get("offset") if limit is None else args["limit"]
            self.error(
                "Q306",
                max_results_exceeded(offset or 0, effective),
                node.value if node else None,
                f'offset + limit may be at most {QUERY_MAXIMUM_RESULTS}; page with after: "<uuid>" on a plain listing',
            )

    def conflicts(self, data: dict[str, Any], args: dict[str, Argument]) -> None:
        present = [name for name in SEARCHES if name in args]
        if len(present) > 1:
            self.search_conflict(present, args)
        if "sort" in args:
            for search in ("bm25", "hybrid"):
                if search in args:
                    self.error(
                        "Q303",
                        f"{search} search is not compatible with sort",
                        args["sort"],
                        f"remove sort: {search} results are ordered by score",
                    )
        if "groupBy" in args and not present:
            self.error(
                "Q308",
                "groupBy needs a search: nearText, nearVector, nearObject, bm25 or hybrid",
                args["groupBy"],
                "Weaviate silently ignores groupBy on a plain listing; add a search or remove groupBy",
            )
        if "after" in args:
            self.cursor_rules(args)

    def search_conflict(self, present: list[str], args: dict[str, Argument]) -> None:
        later = max((args[name] for name in present if name in args), key=lambda a: a.start)
        near = [name for name in present if name.startswith("near")]
        if "bm25" in present and near:
            message = "conflict: both near<Media> and keyword-based (bm25) arguments present, choose one"
        elif len(near) == 3:
            message = "found 'nearText' and 'nearVector' and 'nearObject' parameters which are conflicting, choose one instead"
        elif len(near) == 2:
            message = (
                f"found both '{near[0]}' and '{near[1]}' parameters which are conflicting, choose one instead"
            )
        else:
            other = next(name for name in present if name != "hybrid")
            message = (
                f"found both 'hybrid' and '{other}' parameters which are conflicting, choose one instead"
            )
        hint = "keep one search argument"
        if "hybrid" in present:
            hint += "; hybrid runs bm25 and a vector search itself (Weaviate would silently drop hybrid here)"
        self.error("Q301", message, later.name, hint)

    def cursor_rules(self, args: dict[str, Argument]) -> None:
        node = args["after"]
        if "limit" not in args:
            self.error("Q305", _CURSOR + "limit parameter must be set", node, "add limit: 100 beside after")
        for name in ("offset", "where", "sort"):
            if name in args:
                self.error(
                    "Q305", _CURSOR + f"{name} cannot be set with after and limit parameters", args[name]
                )
        others = [name for name in (*SEARCHES, "groupBy", "autocut") if name in args]
        if others:
            self.error(
                "Q305",
                _CURSOR + "other params cannot be set with after and limit parameters",
                args[others[0]],
                "after pages through all objects in id order; it takes only limit",
            )


def failed_arguments(diagnostics: list[Diagnostic], args: dict[str, Argument]) -> frozenset[str]:
    """The class arguments whose text holds a diagnostic's start: left out of (or unreliable in) the AST."""
    starts = [d.span.start for d in diagnostics if d.span is not None]
    return frozenset(name for name, arg in args.items() if any(arg.start <= s < arg.end for s in starts))


def bind(doc: Document, variables: dict[str, Any] | None = None) -> tuple[ast.Query | None, list[Diagnostic]]:
    """Bind a parsed document: the query (best effort when there are diagnostics) and the diagnostics;
    the query is None only when the document has no single operation to bind."""
    ctx = BindContext(variables)
    try:
        query = Binder(ctx).bind_document(doc)
    except RecursionError:  # the bracket limit makes this unreachable; kept as the last guard
        ctx.error("Q007", "the query nests too deeply", doc)
        query = None
    return query, ctx.diagnostics
