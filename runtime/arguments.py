"""Checks of what a user passes to Database(...): a clear RankqlError at the call, never Python's own."""

from __future__ import annotations

import os
from typing import Any

from .errors import RerankError, StorageError


def check_database_arguments(path: Any, rerank_query_fallback: Any, rerank_cache_size: Any) -> None:
    """Raise StorageError for a path that is no folder path, RerankError for a bad reranker setting."""
    if path is not None:
        if not isinstance(path, str | os.PathLike) or isinstance(os.fspath(path), bytes):
            raise StorageError(
                f"the database path must be a folder path (str or pathlib.Path), got {type(path).__name__}",
                hint="Database() keeps everything in memory; Database('my-db') keeps it in a folder",
            )
        if "\0" in os.fspath(path):
            raise StorageError(
                f"the database path {os.fspath(path)!r} holds a NUL character, which no file system allows",
                hint="check how the path was built",
            )
    if not isinstance(rerank_query_fallback, bool):
        raise RerankError(
            f"rerank_query_fallback must be True or False, got {rerank_query_fallback!r}",
            hint="True (the default) lets rerank without a query use the search's own query",
        )
    size = rerank_cache_size
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise RerankError(
            f"rerank_cache_size must be a whole number of scores >= 0, got {size!r}",
            hint="use e.g. 10000 (the default), or 0 to turn the rerank score cache off",
        )
