"""Checks of a bound query against a schema description: a tuple of small rules, each yielding diagnostics."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from . import ast
from .diagnostics import Diagnostic, suggestion
from .limits import default_limit, page, written_limit
from .references import reference_filters, reference_selections
from .schema import ClassSchema, Schema, base_type
from .source import Span
from .validate_aggregate import validate_aggregates
from .validate_nested import selection_shape
from .validate_targets import searched, target_vectors
from .validate_where import diag as _diag
from .validate_where import no_such_prop as _no_such_prop
from .validate_where import prop_hint as _prop_hint
from .validate_where import where_filter, where_leaf

_META_SORT = ("_id", "id", "_creationTimeUnix", "_lastUpdateTimeUnix")
# What the page size is computed from: when the binder refused one of these, the page is unknown.
_PAGE_ARGUMENTS = frozenset((*ast.SEARCH_KINDS, "limit", "offset", "autocut", "after", "groupBy"))

Rule = Callable[[ast.GetQuery, ClassSchema], Iterator[Diagnostic]]


def selected_properties(get: ast.GetQuery, cls: ClassSchema) -> Iterator[Diagnostic]:
    fields = [i for i in get.selection if isinstance(i, ast.PropertyField)]
    extra = get.additional
    for item in extra.items if extra else []:
        if isinstance(item, ast.GroupField) and item.hits is not None:
            fields += item.hits.properties
    for field in fields:
        prop = cls.property(field.name)
        if prop is None:
            message = f'Cannot query field "{field.name}" on type "{cls.name}".'
            yield _diag("Q602", message, field, _prop_hint(field.name, cls))
        else:
            yield from selection_shape(field, prop, cls.name)


def keyword_properties(get: ast.GetQuery, cls: ClassSchema) -> Iterator[Diagnostic]:
    search = get.search
    if not isinstance(search, ast.Bm25 | ast.Hybrid) or isinstance(search, ast.Hybrid) and search.alpha >= 1:
        return
    if search.properties is None:
        if not any(p.is_text and p.index_searchable for p in cls.properties):
            yield _diag("Q607", "No properties provided, and no indexed properties found in class", search)
        return
    for ref in search.properties:
        prop = cls.property(ref.name)
        if prop is None:
            yield _diag("Q602", _no_such_prop(ref.name, cls), ref, _prop_hint(ref.name, cls))
        elif not prop.is_text:
            yield _diag(
                "Q607",
                f"cannot handle datatype '{prop.data_type}' of property '{ref.name}'",
                ref,
                "search text properties",
            )
        elif not prop.index_searchable:
            yield _diag(
                "Q607",
                f"Searching by property '{ref.name}' requires inverted index. Is `indexSearchable` option of property "
                f"'{ref.name}' enabled? Set it to `true` or leave empty",
                ref,
            )


def sort_keys(get: ast.GetQuery, cls: ClassSchema) -> Iterator[Diagnostic]:
    for position, key in enumerate(get.sort or []):
        prefix = f"invalid 'sort' parameter: sort parameter at position {position}: "
        name = key.path[0]
        if name in _META_SORT:
            continue
        prop = cls.property(name)
        if prop is None:
            yield _diag("Q608", prefix + _no_such_prop(name, cls), key, _prop_hint(name, cls))
        elif base_type(prop.data_type) == "uuid":
            yield _diag("Q608", prefix + f"sorting by uuid property '{name}' is not supported", key)
        elif prop.is_reference:
            message = f'sorting by reference not supported, property "{name}" is a ref prop to the class "{prop.targets[0]}"'
            yield _diag("Q608", prefix + message, key)


def certainty_metric(get: ast.GetQuery, cls: ClassSchema) -> Iterator[Diagnostic]:
    distance = next((v.distance for v in searched(get, cls) if v.distance != "cosine"), "cosine")
    if distance == "cosine":
        return
    message = f"can't compute and return certainty when vector index is configured with {distance} distance"
    hint = "use distance instead of certainty: certainty exists for cosine only"
    search = get.search
    if isinstance(search, ast.NearText | ast.NearVector | ast.NearObject) and search.certainty is not None:
        yield _diag("Q604", message, search, hint)
    if (
        isinstance(search, ast.Hybrid)
        and search.searches is not None
        and search.searches.certainty is not None
    ):
        yield _diag("Q604", message, search.searches, hint)
    extra = get.additional
    for item in extra.items if extra else []:
        if isinstance(item, ast.AdditionalScalar) and item.name == "certainty":
            yield _diag("Q604", message, item, hint)


def vectorizer(get: ast.GetQuery, cls: ClassSchema) -> Iterator[Diagnostic]:
    if all(v.vectorizer != "none" for v in searched(get, cls)):
        return
    search = get.search
    if isinstance(search, ast.NearText):
        hint = "the class has no text vectorizer (vectorizer: none): search with nearVector, or configure a text2vec module"
        if cls.named_vectors:
            hint = "a target vector has no text vectorizer (vectorizer: none): search it with nearVector, or target a named vector with a text2vec module"
        yield _diag(
            "Q609",
            f'Unknown argument "nearText" on field "{cls.name}" of type "GetObjectsObj".',
            search,
            hint,
        )
    if (
        isinstance(search, ast.Hybrid)
        and search.vector is None
        and search.alpha > 0
        and not isinstance(search.searches, ast.NearVector)
    ):
        yield _diag(
            "Q609",
            f"hybrid cannot embed the query: class '{cls.name}' has no vectorizer",
            search,
            "give hybrid a vector: [...], set alpha: 0 for keyword only, or configure a vectorizer",
        )


def reranker(get: ast.GetQuery, cls: ClassSchema) -> Iterator[Diagnostic]:
    field = get.rerank
    if field is None:
        return
    if not cls.rerankers:
        yield _diag(
            "Q605",
            f'Cannot query field "rerank" on type "{cls.name}Additional".',
            field,
            f'configure a reranker for {cls.name}: moduleConfig {{"reranker-transformers": {{}}}} (or another reranker-*)',
        )
        return
    module = field.args.module
    if module is not None and module not in cls.rerankers:
        hint = suggestion(module, cls.rerankers) or "configured: " + ", ".join(cls.rerankers)
        yield _diag(
            "Q611", f"reranker module '{module}' is not configured for class '{cls.name}'", field.args, hint
        )
    elif module is None and len(cls.rerankers) > 1:
        yield _diag(
            "Q611",
            f"class '{cls.name}' has several rerankers ({', '.join(cls.rerankers)}): rerank needs module: to pick one",
            field.args,
            f'add module: "{cls.rerankers[0]}"',
        )
    for name in field.args.documents_from():
        if cls.property(name) is None:
            message = f"rerank property '{name}' does not exist in class '{cls.name}'"
            yield _diag("Q606", message, field.args, _prop_hint(name, cls))


def group_by(get: ast.GetQuery, cls: ClassSchema) -> Iterator[Diagnostic]:
    if get.group_by is not None and cls.property(get.group_by.path[0]) is None:
        name = get.group_by.path[0]
        yield _diag("Q612", f"groupBy: {_no_such_prop(name, cls)}", get.group_by, _prop_hint(name, cls))


def rerank_window(get: ast.GetQuery, cls: ClassSchema) -> Iterator[Diagnostic]:
    """The window holds the first-stage hits every page comes from: it must cover offset + limit."""
    field = get.rerank
    window = field.args.window if field is not None else None
    if field is None or window is None or get.failed_arguments & _PAGE_ARGUMENTS:
        return
    if get.group_by is not None:
        yield _diag(
            "Q313",
            "rerank window cannot be combined with groupBy",
            field.args,
            "drop window: with groupBy the group leaders are reranked",
        )
        return
    offset, limit = page(get, window)
    needed = offset + (limit or 0)
    if window >= needed:
        return
    shown = f"{offset} + {limit} = {needed}"
    if written_limit(get) is None:
        default = default_limit(get)
        where = "the window" if default is None or default > window else f"the default limit {default}"
        shown += f"; no limit is written, so the limit is {where}"
    room = (
        f"write a limit of at most {window - offset}" if window > offset else f"lower offset below {window}"
    )
    yield _diag(
        "Q310",
        f"rerank window {window} is smaller than offset + limit ({shown})",
        field.args,
        f"set window to at least {needed}, or {room}: every page comes from the reranked window",
    )


RULES: tuple[Rule, ...] = (
    selected_properties,
    where_filter,
    keyword_properties,
    sort_keys,
    target_vectors,
    certainty_metric,
    vectorizer,
    reranker,
    rerank_window,
    group_by,
)


def validate(query: ast.Query, schema: Schema) -> list[Diagnostic]:
    """Every problem of the query against the schema (empty when it fits); never raises."""
    out: list[Diagnostic] = []
    for get in query.gets:
        path: list[str | int] = ["Get", get.key]
        cls = schema.get(get.class_name)
        if cls is None:
            hint = suggestion(get.class_name, schema.class_names) or (
                "classes: " + ", ".join(schema.class_names)
                if schema.class_names
                else "the database has no classes yet"
            )
            first = get.span and Span(get.span.start, get.span.start + len(get.alias or get.class_name))
            out.append(
                Diagnostic(
                    "Q601",
                    f'Cannot query field "{get.class_name}" on type "GetObjectsObj".',
                    first,
                    hint,
                    path,
                )
            )
            continue
        for rule in RULES:
            for diag in rule(get, cls):
                diag.path = path
                out.append(diag)
        # cross-references reach other classes: these rules read the whole schema
        for diag in (
            *reference_selections(get.selection, cls, schema),
            *reference_filters(get, cls, schema, where_leaf),
        ):
            diag.path = path
            out.append(diag)
    out.extend(validate_aggregates(query, schema))
    return out
