"""Checks of a gRPC SearchRequest that Weaviate makes before it searches, with Weaviate's messages, and
the options rankql refuses (rather than ignores) because it does not support them yet."""

from __future__ import annotations

import uuid
from typing import Any

from rankql.dsl.limits import QUERY_DEFAULTS_LIMIT, QUERY_MAXIMUM_RESULTS, max_results_exceeded

from .grpc_errors import InvalidRequest, NotSupported

GRPC_DEFAULT_LIMIT = QUERY_DEFAULTS_LIMIT  # gRPC's default page (GraphQL's is 100 when nothing is written)
_CURSOR = "cursor api: invalid 'after' parameter: "
_MEDIA = ("near_image", "near_audio", "near_video", "near_depth", "near_thermal", "near_imu")


def refuse_unsupported(request: Any) -> None:
    """Options rankql cannot honour are an error, never silently dropped."""
    for name in _MEDIA:
        if request.HasField(name):
            raise NotSupported(f"{name}: rankql has no {name[5:]} vectorizer; search with near_vector")
    if request.HasField("generative"):
        raise NotSupported("rankql does not support generative search yet")
    if request.HasField("boost"):
        raise NotSupported("rankql does not support boost yet")


def check_paging(request: Any, searched: list[str]) -> None:
    """The checks the GraphQL binder makes on paging, with Weaviate's messages."""
    if len(searched) > 1:
        raise InvalidRequest(
            f"found both '{searched[0]}' and '{searched[1]}' parameters which are conflicting"
        )
    if request.HasField("group_by") and not searched:
        raise InvalidRequest("group by needs a search: near_vector, near_text, near_object, bm25 or hybrid")
    if request.after:
        try:
            uuid.UUID(request.after)
        except ValueError:
            raise InvalidRequest(_CURSOR + f'"{request.after}" is not a UUID') from None
        for present, name in (
            (request.offset, "offset"),
            (request.HasField("filters"), "where"),
            (request.sort_by, "sort"),
        ):
            if present:
                raise InvalidRequest(_CURSOR + f"{name} cannot be set with after and limit parameters")
        if searched or request.HasField("group_by") or request.autocut:
            raise InvalidRequest(_CURSOR + "other params cannot be set with after and limit parameters")
        return
    limit = request.limit or GRPC_DEFAULT_LIMIT
    # hybrid's legs each fetch max(100, limit) from offset 0 and never meet the total check in Weaviate
    if request.offset + limit > QUERY_MAXIMUM_RESULTS and not request.HasField("hybrid_search"):
        raise InvalidRequest(max_results_exceeded(request.offset, limit))
