"""Canonical query text from the typed AST: parse -> bind -> print is stable on its own output."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from . import ast

_INDENT = "  "


def print_query(query: ast.Query) -> str:
    """Canonical GraphQL text: two-space indents, arguments in a fixed order, defaults left out."""
    head = f"query {query.operation_name} {{" if query.operation_name else "{"
    lines = [head]
    if query.gets or not query.aggregates:
        lines.append(f"{_INDENT}Get {{")
        for get in query.gets:
            _get(get, 2, lines)
        lines.append(f"{_INDENT}}}")
    if query.aggregates:
        lines.append(f"{_INDENT}Aggregate {{")
        for agg in query.aggregates:
            _aggregate(agg, 2, lines)
        lines.append(f"{_INDENT}}}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _aggregate(agg: ast.AggregateQuery, depth: int, lines: list[str]) -> None:
    args = []
    for name, value in (
        (agg.search.kind if agg.search else "", agg.search and _search(agg.search)),
        ("where", agg.where and _where(agg.where)),
        ("objectLimit", _opt(agg.object_limit)),
        ("groupBy", agg.group_by and _strings(agg.group_by)),
        ("limit", _opt(agg.limit)),
        ("tenant", None if agg.tenant is None else _str(agg.tenant)),
    ):
        if value:
            args.append(f"{name}: {value}")
    head = _alias(agg.alias) + agg.class_name + (f"({', '.join(args)})" if args else "")

    def fields(d: int) -> None:
        for item in agg.selection:
            _block(_alias(item.alias) + item.name, d, lines, partial(_aggregations, item, lines))

    _block(head, depth, lines, fields)


def _aggregations(item: ast.AggregateField, lines: list[str], depth: int) -> None:
    for name in item.fields:
        if name != "topOccurrences":
            lines.append(_INDENT * depth + name)
            continue
        limit = "" if item.top_limit == ast.TOP_OCCURRENCES_LIMIT else f"(limit: {item.top_limit})"
        _block(f"topOccurrences{limit}", depth, lines, lambda d: _names(item.top_fields, d, lines))


def _get(get: ast.GetQuery, depth: int, lines: list[str]) -> None:
    args = []
    for name, value in (
        (get.search.kind if get.search else "", get.search and _search(get.search)),
        ("where", get.where and _where(get.where)),
        ("sort", get.sort and _list([_sort(k) for k in get.sort])),
        ("groupBy", get.group_by and _group_by(get.group_by)),
        ("limit", _opt(get.limit)),
        ("offset", _opt(get.offset)),
        ("autocut", _opt(get.autocut)),
        ("after", None if get.after is None else _str(get.after)),
        ("tenant", None if get.tenant is None else _str(get.tenant)),
    ):
        if value:
            args.append(f"{name}: {value}")
    head = _alias(get.alias) + get.class_name + (f"({', '.join(args)})" if args else "")
    _block(head, depth, lines, lambda d: _selection(get.selection, d, lines))


def _selection(items: Sequence[ast.SelectionItem], depth: int, lines: list[str]) -> None:
    pad = _INDENT * depth
    for item in items:
        if isinstance(item, ast.PropertyField) and item.fields is not None:
            _block(
                _alias(item.alias) + item.name, depth, lines, partial(_selection, item.fields, lines=lines)
            )
        elif isinstance(item, ast.PropertyField):
            lines.append(pad + _alias(item.alias) + item.name)
        elif isinstance(item, ast.ReferenceField):
            _block(_alias(item.alias) + item.name, depth, lines, partial(_fragments, item, lines=lines))
        else:
            _block(_alias(item.alias) + "_additional", depth, lines, partial(_additional, item, lines=lines))


def _fragments(ref: ast.ReferenceField, depth: int, lines: list[str]) -> None:
    lines.extend(_INDENT * depth + plain.name for plain in ref.plain_fields)  # kept for the diagnostic
    for fragment in ref.fragments:
        _block(
            f"... on {fragment.class_name}",
            depth,
            lines,
            partial(_selection, fragment.selection, lines=lines),
        )


def _additional(extra: ast.AdditionalSelection, depth: int, lines: list[str]) -> None:
    pad = _INDENT * depth
    for item in extra.items:
        if isinstance(item, ast.AdditionalScalar):
            lines.append(pad + _alias(item.alias) + item.name)
        elif isinstance(item, ast.RerankField):
            head = _alias(item.alias) + f"rerank({_rerank_args(item.args)})"
            _block(head, depth, lines, partial(_names, item.fields, lines=lines))
        elif isinstance(item, ast.VectorsField):
            _block(_alias(item.alias) + "vectors", depth, lines, partial(_names, item.names, lines=lines))
        else:
            _block(_alias(item.alias) + "group", depth, lines, partial(_group, item, lines=lines))


def _group(group: ast.GroupField, depth: int, lines: list[str]) -> None:
    pad = _INDENT * depth
    for name in group.fields:
        if name == "groupedBy":
            _block(
                "groupedBy",
                depth,
                lines,
                lambda d: lines.extend(_INDENT * d + n for n in group.grouped_by_fields),
            )
        elif name == "hits" and group.hits is not None:
            _block("hits", depth, lines, partial(_hits, group.hits, lines=lines))
        else:
            lines.append(pad + name)


def _names(names: list[str], depth: int, lines: list[str]) -> None:
    lines.extend(_INDENT * depth + name for name in names)


def _hits(hits: ast.GroupHitsSelection, depth: int, lines: list[str]) -> None:
    _selection(hits.properties, depth, lines)
    if hits.additional:
        _block("_additional", depth, lines, lambda d: lines.extend(_INDENT * d + n for n in hits.additional))


def _block(head: str, depth: int, lines: list[str], body: Callable[[int], None]) -> None:
    pad = _INDENT * depth
    lines.append(f"{pad}{head} {{")
    body(depth + 1)
    lines.append(f"{pad}}}")


def _alias(alias: str | None) -> str:
    return f"{alias}: " if alias else ""


# --- values ----------------------------------------------------------------------------------------


def _str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def _num(number: float | int) -> str:
    if isinstance(number, bool):
        return "true" if number else "false"
    if isinstance(number, int):
        return str(number)
    return repr(float(number))


def _opt(number: int | None) -> str | None:
    return None if number is None else str(number)


def _scalar(value: str | float | list[Any]) -> str:
    if isinstance(value, str):
        return _str(value)
    if isinstance(value, list):
        return _list([_scalar(v) for v in value])
    return _num(value)


def _list(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


def _obj(fields: list[tuple[str, str | None]]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in fields if v is not None) + "}"


def _strings(items: list[str]) -> str:
    return _list([_str(s) for s in items])


def _props(refs: list[ast.PropertyRef] | None) -> str | None:
    if refs is None:
        return None
    return _list([_str(r.name if r.boost == 1.0 else f"{r.name}^{_boost(r.boost)}") for r in refs])


def _boost(boost: float) -> str:
    return str(int(boost)) if boost.is_integer() else repr(boost)


def _threshold(node: ast.NearSearch) -> list[tuple[str, str | None]]:
    return [
        ("certainty", None if node.certainty is None else _num(node.certainty)),
        ("distance", None if node.distance is None else _num(node.distance)),
    ]


def _move(move: ast.Move | None) -> str | None:
    if move is None:
        return None
    objects = [
        _obj([("id", o.id and _str(o.id)), ("beacon", o.beacon and _str(o.beacon))]) for o in move.objects
    ]
    return _obj(
        [
            ("concepts", _strings(move.concepts) if move.concepts else None),
            ("objects", _list(objects) if objects else None),
            ("force", _num(move.force)),
        ]
    )


def _search(search: ast.Search) -> str:
    if isinstance(search, ast.NearText):
        return _near_text(search)
    if isinstance(search, ast.NearVector):
        return _near_vector(search)
    if isinstance(search, ast.NearObject):
        return _near_object(search)
    if isinstance(search, ast.Bm25):
        return _bm25(search)
    return _hybrid(search)


def _near_text(near_text: ast.NearText) -> str:
    fields = [("concepts", _strings(near_text.concepts)), *_threshold(near_text)]
    fields += [("moveTo", _move(near_text.move_to)), ("moveAwayFrom", _move(near_text.move_away_from))]
    return _obj(fields + _targets(near_text.targets))


def _targets(targets: ast.Targets | None) -> list[tuple[str, str | None]]:
    """`targetVectors: [...]` for minimum without weights (the short form), else `targets: {...}`."""
    if targets is None:
        return []
    names = _strings(targets.vectors)
    if targets.combination == "minimum" and targets.weights is None:
        return [("targetVectors", names)]
    weights = None
    if targets.weights is not None:
        weights = _obj([(n, _num(w)) for n, w in zip(targets.vectors, targets.weights, strict=True)])
    body = [("targetVectors", names), ("combinationMethod", targets.combination), ("weights", weights)]
    return [("targets", _obj(body))]


def _near_vector(near_vector: ast.NearVector) -> str:
    vector = _list([_num(x) for x in near_vector.vector]) if near_vector.vector else None
    per_target = None
    if near_vector.vector_per_target:
        per_target = _obj(
            [(n, _list([_num(x) for x in v])) for n, v in near_vector.vector_per_target.items()]
        )
    return _obj(
        [("vector", vector), ("vectorPerTarget", per_target), *_threshold(near_vector)]
        + _targets(near_vector.targets)
    )


def _near_object(near_object: ast.NearObject) -> str:
    return _obj(
        [
            ("id", near_object.id and _str(near_object.id)),
            ("beacon", near_object.beacon and _str(near_object.beacon)),
            *_threshold(near_object),
            *_targets(near_object.targets),
        ]
    )


def _bm25(bm25: ast.Bm25) -> str:
    return _obj(
        [
            ("query", _str(bm25.query)),
            ("properties", _props(bm25.properties)),
            ("searchOperator", _search_operator(bm25.search_operator)),
        ]
    )


def _search_operator(op: ast.SearchOperator | None) -> str | None:
    if op is None:
        return None
    minimum = op.minimum_or_tokens_match
    return _obj(
        [("operator", op.operator), ("minimumOrTokensMatch", None if minimum is None else str(minimum))]
    )


def _hybrid(hybrid: ast.Hybrid) -> str:
    return _obj(
        [
            ("query", _str(hybrid.query)),
            ("alpha", None if hybrid.alpha == 0.75 else _num(hybrid.alpha)),
            ("vector", None if hybrid.vector is None else _list([_num(x) for x in hybrid.vector])),
            ("properties", _props(hybrid.properties)),
            ("fusionType", None if hybrid.fusion_type == "relativeScoreFusion" else hybrid.fusion_type),
            (
                "maxVectorDistance",
                None if hybrid.max_vector_distance is None else _num(hybrid.max_vector_distance),
            ),
            ("bm25SearchOperator", _search_operator(hybrid.bm25_search_operator)),
            *_targets(hybrid.targets),
            ("searches", _searches(hybrid.searches)),
        ]
    )


def _searches(sub: ast.NearText | ast.NearVector | None) -> str | None:
    if sub is None:
        return None
    if isinstance(sub, ast.NearText):
        return _obj([("nearText", _near_text(sub))])
    return _obj([("nearVector", _near_vector(sub))])


def _where(w: ast.Where) -> str:
    if w.operator in ast.LOGICAL_OPERATORS:
        return _obj([("operator", w.operator), ("operands", _list([_where(o) for o in w.operands]))])
    return _obj(
        [
            ("path", _strings(w.path or [])),
            ("operator", w.operator),
            (
                w.value_type or "valueText",
                _geo(w.value) if isinstance(w.value, ast.GeoRange) else _scalar(w.value),
            ),
        ]
    )


def _geo(geo: ast.GeoRange) -> str:
    point = _obj([("latitude", _num(geo.latitude)), ("longitude", _num(geo.longitude))])
    return _obj([("geoCoordinates", point), ("distance", _obj([("max", _num(geo.max_distance))]))])


def _sort(key: ast.SortKey) -> str:
    return _obj([("path", _strings(key.path)), ("order", None if key.order == "asc" else key.order)])


def _group_by(g: ast.GroupBy) -> str:
    return _obj(
        [("path", _strings(g.path)), ("groups", str(g.groups)), ("objectsPerGroup", str(g.objects_per_group))]
    )


def _rerank_args(r: ast.Rerank) -> str:
    fields = [
        ("property", r.property and _str(r.property)),
        ("properties", r.properties and _strings(r.properties)),
        ("query", None if r.query is None else _str(r.query)),
        ("module", r.module and _str(r.module)),
        ("window", _opt(r.window)),
        ("minScore", None if r.min_score is None else _num(r.min_score)),
        ("autocut", _opt(r.autocut)),
        ("blend", None if r.blend is None else _num(r.blend)),
        ("onError", None if r.on_error == "FAIL" else r.on_error),
    ]
    return ", ".join(f"{k}: {v}" for k, v in fields if v is not None)
