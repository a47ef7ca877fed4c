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
from .references import parse_beacon

PREFIX = "invalid 'where' filter: "


def _error(message: str, hint: str | None = None) -> SearchError:
    return SearchError(PREFIX + message, hint=hint)


def reference_prop(ctx: Any, name: str) -> list[str] | None:
    """The target classes of property `name` of the context's class; None when it is no reference."""
    definition = ctx.collection._props.get(name)
    if definition is None or not definition["dataType"][0][:1].isupper():
        return None
    return list(definition["dataType"])


def path_leaf(ctx: Any, where: ast.Where, evaluate: Any) -> np.ndarray:
    """["inCity", "City", "name"]: objects whose references point at a City the inner leaf matches."""
    path = list(where.path or [])
    if len(path) % 2 != 1:
        raise _error("invalid usage: path must have an odd number of segments")
    name, target_name = path[0], path[1]
    targets = reference_prop(ctx, name)
    if targets is None:
        raise _error(
            f"property '{name}' of class '{ctx.schema.name}' is not a cross-reference",
            hint="a path through a reference reads [<reference property>, <Class>, <property>]",
        )
    collection = ctx.collection
    target = collection if target_name == collection.name else collection._peers(target_name)
    if target is None:
        raise _error(f'class "{target_name}" does not exist in schema')
    inner = where.model_copy(update={"path": path[2:]})
    matched = evaluate(inner, target)
    wanted = {target.uuid_of(int(doc)) for doc in matched.tolist()}
    column = collection.column(name)
    hits = [
        doc
        for doc in np.flatnonzero(ctx.live).tolist()
        if doc < len(column) and column[doc] and _points_at(column[doc], target_name, wanted)
    ]
    return ctx.mask(np.asarray(hits, np.int64))


def _points_at(beacons: list[str], cls: str, wanted: set[str]) -> bool:
    for text in beacons:
        beacon_class, ident = parse_beacon(text)
        if ident in wanted and (beacon_class is None or beacon_class == cls):
            return True
    return False


def count_leaf(ctx: Any, where: ast.Where, name: str) -> np.ndarray:
    """A reference property compared as the number of references an object holds (valueInt)."""
    if where.value_type != "valueInt":
        raise _error(
            f'Property "{name}" is a ref prop. Only "valueInt" can be used on a ref prop directly to count '
            "the number of refs",
            hint=f'filter through it with path: ["{name}", "<Class>", "<property>"]',
        )
    column = ctx.collection.column(name)
    counts = [len(column[d] or ()) if d < len(column) else 0 for d in range(ctx.size)]
    return ctx.element_leaf(where, Elements(counts, "int"), "int") & ctx.live
