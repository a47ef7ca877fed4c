"""A prepared query bound again for a new vector: the last bound query with the vector put in its place.

A vector variable (`$v` of `nearVector: {vector: $v}` or hybrid's `vector: $v`) is the one thing that
changes with every query of a search application, and binding the whole query again for it cost more
than the engine's own work. After two bindings that differ only in one such variable, the places it
feeds are known by comparing them (`learn`); a later set of variables that differs from those only in
that vector is bound by copying the last query with the new floats there (`rebind`). Everything else
takes the binder: a value the one-call check refuses, another length, any other change.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic_core import ValidationError
from rankql.dsl import ast
from rankql.dsl.syntax import read_finite_floats

from .plan_cache import same_but_vector


@dataclass(frozen=True)
class VectorSlots:
    """Where one vector variable lands in a bound query, and the query around it."""

    name: str  # the variable
    others: tuple  # the other parts of the variables key, which must stay the same
    schema: Any  # the schema the query was bound against (the same object, or no rebind)
    query: ast.Query
    gets: tuple[int, ...]  # the class fields whose search vector is the variable's value
    length: int


def _split(key: Any, name: str | None = None) -> tuple[str, tuple] | None:
    """(the vector variable, the other key parts) when exactly one part is a vector (bytes) or is `name`."""
    if type(key) is not tuple:
        return None
    vectors = [part for part in key if type(part[1]) is bytes and (name is None or part[0] == name)]
    if len(vectors) != 1:
        return None
    return vectors[0][0], tuple(part for part in key if part is not vectors[0])


def learn(
    old_key: Any, old: ast.Query, new_key: Any, new: ast.Query, schema: Any, variables: dict
) -> VectorSlots | None:
    """The slots of the one vector variable in which `new` (bound from `variables`) differs from `old`."""
    split_old, split_new = _split(old_key), _split(new_key)
    if split_old is None or split_new is None or split_old != split_new:
        return None  # not the same one vector variable beside the same other values
    name, others = split_new
    if old.aggregates != new.aggregates or len(old.gets) != len(new.gets):
        return None
    old_bytes = dict(old_key)[name]
    new_bytes = dict(new_key)[name]
    before, after = array("d"), array("d")
    before.frombytes(old_bytes)
    after.frombytes(new_bytes)
    if before.tolist() == after.tolist():  # -0.0 for 0.0 only: equal floats would hide the slots
        return None
    try:
        floats = read_finite_floats(variables[name])
    except ValidationError:
        return None
    gets = []
    for i, (a, b) in enumerate(zip(old.gets, new.gets, strict=True)):
        if a == b:
            continue
        if not same_but_vector(a, b) or getattr(b.search, "vector", None) != floats:
            return None
        gets.append(i)
    if not gets:
        return None
    return VectorSlots(name, others, schema, new, tuple(gets), len(floats))


def rebind(slots: VectorSlots, key: Any, schema: Any, variables: dict) -> ast.Query | None:
    """The query `variables` bind to, made from the slots' query, or None when the binder must run."""
    if schema is not slots.schema:
        return None
    split = _split(key, slots.name)
    if split is None or split[1] != slots.others:
        return None
    # The key holds the value as float64 bytes, made only from a list of exact floats (_variables_key):
    # what read_finite_floats would give is a copy of it, once no value is NaN or infinite.
    packed = next(part[1] for part in key if part[0] == slots.name)
    if len(packed) != 8 * slots.length or not np.isfinite(np.frombuffer(packed, np.float64)).all():
        return None
    floats = list(variables[slots.name])
    gets = list(slots.query.gets)
    for i in slots.gets:
        get = gets[i]
        gets[i] = _copy(get, "search", _copy(get.search, "vector", floats))
    return _copy(slots.query, "gets", gets)


def _replaced(model: Any, name: str, value: Any) -> Any:
    """`model.model_copy(update={name: value})` made directly: pydantic's general copy took half of a
    rebind. The same state as model_copy's: a shallow copy of the fields, the set ones and private ones."""
    twin = object.__new__(type(model))
    state = model.__dict__.copy()
    state[name] = value
    _set(twin, "__dict__", state)
    _set(twin, "__pydantic_extra__", model.__pydantic_extra__)  # None: the AST forbids extra fields
    _set(twin, "__pydantic_fields_set__", model.__pydantic_fields_set__ | {name})
    private = model.__pydantic_private__
    _set(twin, "__pydantic_private__", None if private is None else private.copy())
    return twin


_set = object.__setattr__


def _model_copy(model: Any, name: str, value: Any) -> Any:
    return model.model_copy(update={name: value})


def _lean_copy_agrees() -> bool:
    """Whether _replaced makes what model_copy makes with the pydantic installed (it relies on the
    attributes pydantic 2 keeps per model); where not, rebinds take model_copy."""
    try:
        probe = ast.GetQuery(class_name="C", search=ast.NearVector(vector=[1.0]))
        probe._failed_arguments = frozenset({"limit"})
        lean, made = _replaced(probe, "search", None), probe.model_copy(update={"search": None})
        return (
            lean == made
            and lean.model_fields_set == made.model_fields_set
            and lean.__pydantic_private__ == made.__pydantic_private__
            and lean.__pydantic_extra__ == made.__pydantic_extra__
        )
    except Exception:  # noqa: BLE001 - any difference means: use pydantic's own copy
        return False


_copy = _replaced if _lean_copy_agrees() else _model_copy
