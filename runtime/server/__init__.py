"""A Weaviate-compatible server over a rankql Database: REST (Starlette) and gRPC, for Weaviate's clients."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .launch import Server, serve

__all__ = ["Server", "serve"]


def __getattr__(name: str) -> Any:
    # Imported on first use: the CLI builds its parser from this package without loading grpc.
    if name in ("Server", "serve"):
        from . import launch as module

        return getattr(module, name)
    raise AttributeError(f"module 'rankql.runtime.server' has no attribute {name!r}")
