"""The rankql engine: an embedded store, executor and rerankers behind Weaviate's Get language."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import (
    ModelLoadError,
    ObjectError,
    RankqlError,
    RerankError,
    SchemaError,
    SearchError,
    StorageError,
)

if TYPE_CHECKING:
    from .database import Database
    from .server import serve
    from .store.values import generate_uuid5

__all__ = [
    "Database",
    "ModelLoadError",
    "ObjectError",
    "RankqlError",
    "RerankError",
    "SchemaError",
    "SearchError",
    "StorageError",
    "generate_uuid5",
    "serve",
]


def __getattr__(name: str) -> Any:
    # Imported on first use: `import rankql.runtime` stays light (no numpy, hnswlib or torch).
    if name == "Database":
        from .database import Database

        return Database
    if name == "generate_uuid5":
        from .store.values import generate_uuid5

        return generate_uuid5
    if name == "serve":  # the Weaviate-compatible server (needs the `server` extra: grpcio, uvicorn)
        from .server import serve

        return serve
    raise AttributeError(f"module 'rankql.runtime' has no attribute {name!r}")
