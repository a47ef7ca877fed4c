"""Query limits and default page sizes (Weaviate's QUERY_* settings), defined once for binder and planner."""

from __future__ import annotations

from . import ast

# Weaviate's QUERY_MAXIMUM_RESULTS: offset + limit may be at most this many.
QUERY_MAXIMUM_RESULTS = 10_000
QUERY_DEFAULTS_LIMIT = 10  # offset or autocut given without a limit
QUERY_DEFAULTS_LIMIT_GRAPHQL = 100  # none of limit, offset, autocut given
HYBRID_POOL = 100  # QUERY_HYBRID_MAXIMUM_RESULTS: each hybrid sub-search fetches max(100, limit)


def max_results_exceeded(offset: int, limit: int) -> str:
    """Weaviate's message when offset + limit passes QUERY_MAXIMUM_RESULTS (adapters/repos/db/search.go)."""
    return (
        f"query maximum results exceeded: the total limit calculated from the provided offset '{offset}' "
        f"and limit '{limit}' exceeds the configured value for QUERY_MAXIMUM_RESULTS '{QUERY_MAXIMUM_RESULTS}'. "
        "If you've supplied a negative offset or limit, this may be an underflow error"
    )


def written_limit(get: ast.GetQuery) -> int | None:
    """The limit the query sets; a negative one means "not set", as in Weaviate."""
    return get.limit if get.limit is not None and get.limit >= 0 else None


def searches_by_distance(get: ast.GetQuery) -> bool:
    """A near search with a distance or certainty: every hit within the threshold, no default limit."""
    search = get.search
    if not isinstance(search, ast.NearText | ast.NearVector | ast.NearObject):
        return False
    return search.distance is not None or search.certainty is not None


def default_limit(get: ast.GetQuery) -> int | None:
    """The limit when none is written: None (every hit within the threshold) for a search by distance."""
    if searches_by_distance(get):
        return None
    if get.offset is None and get.autocut is None:
        return QUERY_DEFAULTS_LIMIT_GRAPHQL
    return QUERY_DEFAULTS_LIMIT


def page(get: ast.GetQuery, window: int | None = None) -> tuple[int, int | None]:
    """(offset, limit) after defaults; limit None means every hit within a distance threshold.

    With a rerank window and no written limit the page is the default limit capped at the window
    ("retrieve W, rerank, return a page"): rerank(window: 50) alone returns the 50 reranked hits."""
    offset = max(get.offset or 0, 0)  # a negative offset is refused by the binder
    limit = written_limit(get)
    if limit is None:
        limit = default_limit(get)
        if window is not None:
            limit = window if limit is None else min(limit, window)
    return offset, limit
