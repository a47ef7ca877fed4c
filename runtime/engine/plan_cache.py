"""The plans a prepared query keeps: by bound query, and by class field for queries that differ only in a vector."""

from __future__ import annotations

from typing import Any

from rankql.dsl import ast


class PlanCache(dict):
    """id(GetQuery) -> its CompiledPlan (the plan holds the query, which keeps the id unique), and per class
    field (`place`) the last plan made.

    A query bound again with other variables is a new GetQuery, so the id misses; when it differs from the
    query of its field's last plan only in the vector it gives (nearVector's or hybrid's, as every search
    with a new vector does), that plan is what planning it would make up to the vector, and it runs with
    the query's own vector (Executor.run reads it from the bound query).
    """

    def __init__(self) -> None:
        super().__init__()
        self.by_place: dict[tuple[str, int], Any] = {}

    def clear(self) -> None:
        super().clear()
        self.by_place.clear()


def place(get: ast.GetQuery) -> tuple[str, int]:
    """Which class field of a query text `get` is: its response key and where it starts."""
    return get.key, get.span.start if get.span is not None else -1


def given_vector(get: ast.GetQuery) -> list[float] | None:
    """The vector a query gives for its search (nearVector's, or hybrid's), or None."""
    return getattr(get.search, "vector", None)


def same_but_vector(old: ast.GetQuery, new: ast.GetQuery) -> bool:
    """Whether `new` equals `old` but for the values of its given vector (of the same length): its logical
    and physical plan are then `old`'s with the vector replaced. Spans are not compared (AST equality
    ignores them); the same text puts them in the same places."""
    # the private attributes (failed_arguments) read as pydantic keeps them: its __getattr__ costs more;
    # a query rebound for a new vector (vector_slots.py) shares its other values: identity first
    if type(old) is not type(new) or old.__pydantic_private__ != new.__pydantic_private__:
        return False
    theirs = new.__dict__
    for name, value in old.__dict__.items():
        if name != "search" and name != "span" and theirs[name] is not value and theirs[name] != value:
            return False
    search, other = old.search, new.search
    if search is None or other is None:
        return search is other
    if type(search) is not type(other):
        return False
    theirs = other.__dict__
    for name, value in search.__dict__.items():
        if name != "vector" and name != "span" and theirs[name] is not value and theirs[name] != value:
            return False
    mine, given = getattr(search, "vector", None), getattr(other, "vector", None)
    if mine is None or given is None:
        return mine is given
    return len(mine) == len(given)
