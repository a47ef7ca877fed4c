"""Resolving cross-references at projection time: beacons become the selected fields of the objects.

As Weaviate's refcache resolver (adapters/repos/db/refcache/resolver.go) does: fragments in selection
order, each taking the beacons that point at an object of its class, in stored order; a beacon whose
object is gone (deleted since) is dropped silently; a property with nothing resolved answers null.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rankql.dsl import ast

from ..store.references import split_stored
from ..store.values import to_json_value
from .formats import json_vector

Lookup = Callable[[str], Any]  # class name -> its collection, or None


def lookup_of(collection: Any) -> Lookup:
    """The collections a reference of `collection` may reach (its Database's, and itself)."""

    def lookup(name: str) -> Any:
        return collection if name == collection.name else collection._peers(name)

    return lookup


def reference_column(field: ast.ReferenceField, lookup: Lookup) -> Callable[[list, list[dict]], list]:
    """The projection column of a reference field: one resolved list (or None) per hit."""
    name = field.name
    return lambda hits, props: [resolve(field, p.get(name), lookup) for p in props]


def resolve(field: ast.ReferenceField, beacons: list[str] | None, lookup: Lookup) -> list[dict] | None:
    if not beacons:
        return None
    parsed = [split_stored(text) for text in beacons]
    out: list[dict] = []
    for fragment in field.fragments:
        target = lookup(fragment.class_name)
        if target is None:
            continue
        for cls, ident in parsed:
            if cls is not None and cls != fragment.class_name:
                continue
            doc = target.doc_id_of(ident)
            if doc is not None:
                out.append(_object(fragment.selection, target, doc, lookup))
    return out or None


def _object(selection: list[ast.SelectionItem], target: Any, doc: int, lookup: Lookup) -> dict:
    props = target.properties_of(doc)
    types = target._types
    row: dict[str, Any] = {}
    for item in selection:
        if isinstance(item, ast.PropertyField):
            value = props.get(item.name)
            row[item.key] = None if value is None else to_json_value(types[item.name], value)
        elif isinstance(item, ast.ReferenceField):
            row[item.key] = resolve(item, props.get(item.name), lookup)
        else:
            row[item.key] = {
                extra.key: _additional(extra.name, target, doc)
                for extra in item.items
                if isinstance(extra, ast.AdditionalScalar)
            }
    return row


def _additional(name: str, target: Any, doc: int) -> Any:
    if name == "id":
        return target.uuid_of(doc)
    if name == "vector":
        return json_vector(target.vector_of(doc))
    if name == "creationTimeUnix":
        return str(target.created_ms(doc))
    if name == "lastUpdateTimeUnix":
        return str(target.updated_ms(doc))
    return None  # validation allows only the fields above (ast.REFERENCE_ADDITIONAL)
