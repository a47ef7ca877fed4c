"""Where leaves through cross-references: a path into the referenced class, and reference counts.

As Weaviate's refFilterExtractor (adapters/repos/db/inverted/searcher_ref_filter.go) does: the rest of the
path filters the referenced class, and an object matches when any of its beacons points at a match (in
the form with the class or the legacy one without). A leaf on the reference property itself with valueInt
compares the number of references the object holds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from rankql.dsl import ast

from ..errors import SearchError
from .filter_columns import Elements
from .references import split_stored

PREFIX = "invalid 'where' filter: "


def _error(message: str, hint: str | None = None) -> SearchError:
    return SearchError(PREFIX + message, hint=hint)


def path_leaf(ctx: Any, where: ast.Where, evaluate: Any) -> np.ndarray:
    """["inCity", "City", "name"]: objects whose references point at a City the inner leaf matches."""
    path = list(where.path or [])
    if len(path) % 2 != 1:
        raise _error("invalid usage: path must have an odd number of segments")
    name, target_name = path[0], path[1]
    prop = ctx.schema.property(name)
    if prop is None or not prop.is_reference:
        what = (
            f"no such prop with name '{name}' found in class '{ctx.schema.name}' in the schema"
            if prop is None
            else f"property '{name}' of class '{ctx.schema.name}' is not a cross-reference"
        )
        raise _error(
            what, hint="a path through a reference reads [<reference property>, <Class>, <property>]"
        )
    collection = ctx.collection
    peers = getattr(collection, "_peers", None)
    target = collection if target_name == collection.name else peers(target_name) if peers else None
    if target is None:
        raise _error(f'class "{target_name}" does not exist in schema')
    inner = where.model_copy(update={"path": path[2:]})
    matched = evaluate(inner, target)
    wanted = [target.uuid_of(int(doc)) for doc in matched.tolist()]
    index = ctx.cache.view(collection.column(name), (name, "beacons"), BeaconIndex)
    pointing = np.isin(index.idents, wanted) & ((index.classes == target_name) | (index.classes == ""))
    return ctx.mask(index.docs[pointing]) & ctx.live


class BeaconIndex:
    """One row per stored beacon of a reference column (doc, class or "", uuid), parsed once per version
    of the column (filter_columns.ColumnCache keeps it until a write)."""

    def __init__(self, column: list) -> None:
        docs, classes, idents = [], [], []
        for doc, beacons in enumerate(column):
            for text in beacons or ():
                cls, ident = split_stored(text)
                docs.append(doc)
                classes.append(cls or "")
                idents.append(ident)
        self.docs = np.asarray(docs, np.int64)
        self.classes = np.asarray(classes, dtype=object)
        self.idents = np.asarray(idents, dtype=object)


def count_leaf(ctx: Any, where: ast.Where, name: str) -> np.ndarray:
    """A reference property compared as the number of references an object holds (valueInt)."""
    if where.value_type != "valueInt":
        raise _error(
            f'Property "{name}" is a ref prop. Only "valueInt" can be used on a ref prop directly to count '
            "the number of refs",
            hint=f'filter through it with path: ["{name}", "<Class>", "<property>"]',
        )
    index = ctx.cache.view(ctx.collection.column(name), (name, "beacons"), BeaconIndex)
    counts = np.bincount(index.docs, minlength=ctx.size)[: ctx.size].tolist()
    return ctx.element_leaf(where, Elements(counts, "int"), "int") & ctx.live
