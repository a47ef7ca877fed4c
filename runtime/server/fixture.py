"""The `rankql_weaviate` pytest fixture's work: a served in-memory database and a connected v4 client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def weaviate_client(db: Any = None, **serve_options: Any) -> Iterator[Any]:
    """A `weaviate.WeaviateClient` connected to `serve(db, ...)`; both closed when the block ends.

    The server is `client.rankql_server` (its `.db` is the Database the client writes to)."""
    try:
        import weaviate
    except ImportError:
        raise ImportError(
            "the rankql_weaviate fixture needs Weaviate's client: pip install 'rankql[server]'"
        ) from None
    from .launch import serve

    keys = tuple(serve_options.get("api_keys", ()))
    with serve(db, **serve_options) as server:
        auth = weaviate.auth.Auth.api_key(keys[0]) if keys else None
        client = weaviate.connect_to_local(
            port=server.port, grpc_port=server.grpc_port, auth_credentials=auth
        )
        client.rankql_server = server
        try:
            yield client
        finally:
            client.close()
