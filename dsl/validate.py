"""Checks of a bound query against a schema description: a tuple of small rules, each yielding diagnostics."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from . import ast
from .diagnostics import Diagnostic, suggestion
from .schema import VALUE_FIELD_FOR_TYPE, ClassSchema, Schema, base_type
from .source import Span

_WHERE = "invalid 'where' filter: "
_META_WHERE = ("id", "_id", "_creationTimeUnix", "_lastUpdateTimeUnix")
_META_SORT = ("_id", "id", "_creationTimeUnix", "_lastUpdateTimeUnix")
_LENGTH_OPERATORS = ("Equal", "NotEqual", "GreaterThan", "GreaterThanEqual", "LessThan", "LessThanEqual")

Rule = Callable[[ast.GetQuery, ClassSchema], Iterator[Diagnostic]]


def _diag(code: str, message: str, node, hint: str | None = None) -> Diagnostic:
    return Diagnostic(code, message, getattr(node, "span", None), hint)


def _no_such_prop(name: str, cls: ClassSchema) -> str:
    return (
        f"no such prop with name '{name}' found in class '{cls.name}' in the schema. "
        "Check your schema files for which properties in this class are available"
    )


def _prop_hint(name: str, cls: ClassSchema) -> str:
    return suggestion(name, cls.property_names) or "properties: " + (
        ", ".join(cls.property_names) or "(none)"
    )


def selected_properties(get: ast.GetQuery, cls: ClassSchema) -> Iterator[Diagnostic]:
    fields = [i for i in get.selection if isinstance(i, ast.PropertyField)]
    extra = get.additional
    for item in extra.items if extra else []:
        if isinstance(item, ast.GroupField) and item.hits is not None:
            fields += item.hits.properties
    for field in fields:
        if cls.property(field.name) is None:
            message = f'Cannot query field "{field.name}" on type "{cls.name}".'
            yield _diag("Q602", message, field, _prop_hint(field.name, cls))


def where_filter(get: ast.GetQuery, cls: ClassSchema) -> Iterator[Diagnostic]:
    stack = [get.where] if get.where is not None else []
    while stack:
        node = stack.pop()
        if node.operator in ast.LOGICAL_OPERATORS:
            stack.extend(reversed(node.operands))
        else:
            yield from _where_leaf(node, cls)


def _where_leaf(node: ast.Where, cls: ClassSchema) -> Iterator[Diagnostic]:
    path = node.path or []
    if len(path) == 3:
        yield _diag(
            "Q208",
            _WHERE + "filtering by cross-reference is not supported",
            node,
            "filter on this class's properties",
        )
        return
    if len(path) != 1:
        yield _diag("Q208", _WHERE + f"path {path} must name one property", node, 'path: ["property"]')
        return
    name = path[0]
    if name in _META_WHERE:
        if name.endswith("TimeUnix") and not cls.index_timestamps:
            yield _diag(
                "Q610",
                _WHERE + f"filtering by '{name}' needs indexTimestamps",
                node,
                "set invertedIndexConfig.indexTimestamps: true",
            )
        elif node.value_type not in ("valueText", "valueDate") and node.operator != "IsNull":
            yield _diag(
                "Q603",
                _WHERE
                + f'data type filter cannot use "{node.value_type}" on "{name}", use "valueText" instead',
                node,
            )
        return
    if name.startswith("len(") and name.endswith(")"):
        yield from _length_leaf(node, name[4:-1], cls)
        return
    prop = cls.property(name)
    if prop is None:
        yield _diag("Q602", _WHERE + _no_such_prop(name, cls), node, _prop_hint(name, cls))
        return
    if node.operator == "IsNull":
        if not cls.index_null_state:
            yield _diag(
                "Q610",
                _WHERE
                + "Nullstate must be indexed to be filterable! Add `indexNullState: true` to the invertedIndexConfig",
                node,
                "set invertedIndexConfig.indexNullState: true in the class definition",
            )
        return
    if not prop.index_filterable:
        yield _diag(
            "Q610",
            _WHERE
            + f"Filtering by property '{name}' requires inverted index. Is `indexFilterable` option of property "
            f"'{name}' enabled? Set it to `true` or leave empty",
            node,
        )
    want = VALUE_FIELD_FOR_TYPE.get(base_type(prop.data_type))
    if want is not None and node.value_type != want:
        yield _diag(
            "Q603",
            _WHERE
            + f'data type filter cannot use "{node.value_type}" on type "{base_type(prop.data_type)}", use "{want}" instead',
            node,
            f"write {want}: ...",
        )
    elif node.operator == "Like" and not prop.is_text:
        yield _diag(
            "Q603", _WHERE + f"operator Like works on text properties, '{name}' is {prop.data_type}", node
        )


def _length_leaf(node: ast.Where, name: str, cls: ClassSchema) -> Iterator[Diagnostic]:
    if cls.property(name) is None:
        yield _diag("Q602", _WHERE + _no_such_prop(name, cls), node, _prop_hint(name, cls))
    elif not cls.index_property_length:
        yield _diag(
            "Q610",
            _WHERE + f"filtering by len({name}) needs indexPropertyLength",
            node,
            "set invertedIndexConfig.indexPropertyLength: true",
        )
    elif node.value_type != "valueInt" or node.operator not in _LENGTH_OPERATORS:
        yield _diag(
            "Q603",
            _WHERE
            + f"len({name}) compares with valueInt and Equal, NotEqual, GreaterThan(Equal) or LessThan(Equal)",
            node,
        )
    elif isinstance(node.value, int) and node.value < 0:
        yield _diag("Q603", _WHERE + f"len({name}) cannot be compared with a negative length", node)


def keyword_properties(get: ast.GetQuery, cls: ClassSchema) -> Iterator[Diagnostic]:
    search = get.bm25 or (get.hybrid if get.hybrid is not None and get.hybrid.alpha < 1 else None)
    if search is None:
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


def certainty_metric(get: ast.GetQuery, cls: ClassSchema) -> Iterator[Diagnostic]:
    if cls.distance == "cosine":
        return
    message = (
        f"can't compute and return certainty when vector index is configured with {cls.distance} distance"
    )
    hint = "use distance instead of certainty: certainty exists for cosine only"
    for search in (get.near_text, get.near_vector, get.near_object):
        if search is not None and search.certainty is not None:
            yield _diag("Q604", message, search, hint)
    extra = get.additional
    for item in extra.items if extra else []:
        if isinstance(item, ast.AdditionalScalar) and item.name == "certainty":
            yield _diag("Q604", message, item, hint)


def vectorizer(get: ast.GetQuery, cls: ClassSchema) -> Iterator[Diagnostic]:
    if cls.has_text_vectorizer:
        return
    if get.near_text is not None:
        yield _diag(
            "Q609",
            f'Unknown argument "nearText" on field "{cls.name}" of type "GetObjectsObj".',
            get.near_text,
            "the class has no text vectorizer (vectorizer: none): search with nearVector, or configure a text2vec module",
        )
    hybrid = get.hybrid
    if hybrid is not None and hybrid.vector is None and hybrid.alpha > 0:
        yield _diag(
            "Q609",
            f"hybrid cannot embed the query: class '{cls.name}' has no vectorizer",
            hybrid,
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


RULES: tuple[Rule, ...] = (
    selected_properties,
    where_filter,
    keyword_properties,
    sort_keys,
    certainty_metric,
    vectorizer,
    reranker,
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
    return out
