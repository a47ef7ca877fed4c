"""Batch delete by filter, shared by REST's DELETE /v1/batch/objects and gRPC's BatchDelete."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from rankql.dsl import ast
from rankql.dsl.limits import QUERY_MAXIMUM_RESULTS
from rankql.dsl.validate_where import where_filter

from ..errors import SearchError

# Weaviate's QUERY_MAXIMUM_RESULTS (default 10000) caps the objects one batch delete matches, over REST
# and gRPC alike (usecases/objects/batch_delete.go).
MAX_DELETE = QUERY_MAXIMUM_RESULTS


@dataclass
class DeleteOutcome:
    """The ids the filter matched (at most MAX_DELETE, in doc order) and how many were removed."""

    uuids: list[str]
    deleted: int


def delete_matching(collection: Any, where: ast.Where, dry_run: bool) -> DeleteOutcome:
    """Check the filter against the class, then remove what it matches in one logged write (dry_run:
    nothing). Call it in the database's writer turn, so that every match is still there to remove."""
    problems = list(where_filter(SimpleNamespace(where=where), collection.class_schema))  # type: ignore[arg-type]
    if problems:
        raise SearchError("; ".join(p.message for p in problems))
    uuids = [collection.uuid_of(int(d)) for d in collection.filter(where)[:MAX_DELETE]]
    return DeleteOutcome(uuids, 0 if dry_run else collection.delete_many(uuids))
