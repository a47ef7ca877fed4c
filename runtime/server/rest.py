"""Weaviate's REST API over a rankql Database: the Starlette app, its errors, auth and body limit."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from ..database import Database
from ..errors import RankqlError
from .auth import authorized
from .failures import INTERNAL_MESSAGE, error_text, is_client_error
from .guard import lock_for

# The Weaviate release rankql answers as: >= 1.27 (the v4 client's minimum) and below 1.36, from which
# the v4 client batches over the streaming BatchStream call instead of BatchObjects. The generated
# protobuf classes of weaviate-client 4.24 cover this release.
WEAVIATE_VERSION = "1.35.0"
GRPC_MAX_MESSAGE_SIZE = 104858000  # Weaviate's default GRPC_MAX_MESSAGE_SIZE
NODE_NAME = "rankql-node-1"
log = logging.getLogger("rankql.server")


class WireError(Exception):
    """A request Weaviate answers with an error status and {"error": [{"message": ...}]}."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def error_response(message: str, status: int = 422) -> JSONResponse:
    return JSONResponse({"error": [{"message": message}]}, status_code=status)


class RestState:
    """What every handler needs: the database, the options, and the body limit."""

    def __init__(self, db: Database, *, max_body_bytes: int, substitute_vectorizers: bool) -> None:
        self.db = db
        self.max_body_bytes = max_body_bytes
        self.substitute_vectorizers = substitute_vectorizers
        self.lock = lock_for(db)

    async def read(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a reading database call on the thread pool (the event loop keeps serving other requests),
        in a read view of the database, as gRPC requests do (guard.py)."""
        return await run_in_threadpool(_locked, self.lock.reading, fn, args)

    async def query(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run db.query calls on the thread pool; each takes its own read view (and steps out of it for
        a rerank call, so that writes need not wait for the model: engine/executor.py)."""
        return await run_in_threadpool(fn, *args)

    async def write(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run a database call that writes on the thread pool, alone."""
        return await run_in_threadpool(_locked, self.lock.writing, fn, args)

    async def body(self, request: Request) -> bytes:
        """The request body, refused with 413 before it grows past the limit (never read whole first)."""
        limit = self.max_body_bytes
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise WireError(self._too_large(), 413)
        chunks: list[bytes] = []
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise WireError(self._too_large(), 413)
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self) -> str:
        return (
            f"request body is larger than this server's limit of {self.max_body_bytes} bytes: "
            "send smaller batches, or start the server with a larger --max-body"
        )

    async def json(self, request: Request) -> Any:
        raw = await self.body(request)
        if not raw.strip():
            raise WireError("the request has no body: send a JSON document")
        try:
            return json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise WireError(f"the request body is not valid JSON: {exc}") from None


def _locked(hold: Callable[[], Any], fn: Callable[..., Any], args: tuple) -> Any:
    with hold():
        return fn(*args)


Handler = Callable[[RestState, Request], Awaitable[Response]]


def _endpoint(state: RestState, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            return await handler(state, request)
        except WireError as exc:
            return error_response(exc.message, exc.status)
        except RankqlError as exc:
            if not is_client_error(exc):
                log.error("request %s %s failed: %s", request.method, request.url.path, exc)
            return error_response(error_text(exc), 422 if is_client_error(exc) else 500)
        except Exception:  # a bug of ours: logged with its traceback, the client gets a 500 without one
            log.exception("request %s %s failed", request.method, request.url.path)
            return error_response(INTERNAL_MESSAGE, 500)

    return endpoint


async def _not_found(request: Request, exc: Exception) -> Response:
    # Weaviate's router (go-swagger) answers an unknown path with a JSON body of this shape.
    return JSONResponse({"code": 404, "message": f"path {request.url.path} was not found"}, status_code=404)


async def _not_allowed(request: Request, exc: Exception) -> Response:
    message = f"method {request.method} is not allowed on {request.url.path}"
    return JSONResponse({"code": 405, "message": message}, status_code=405)


class ApiKeyMiddleware:
    """401 for requests without a valid `Authorization: Bearer <key>`; /v1/.well-known stays open."""

    def __init__(self, app: ASGIApp, api_keys: Sequence[str]) -> None:
        self.app = app
        self.api_keys = tuple(api_keys)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.api_keys or scope["path"].startswith("/v1/.well-known/"):
            await self.app(scope, receive, send)
            return
        header = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"authorization"), None)
        if authorized(header, self.api_keys):
            await self.app(scope, receive, send)
            return
        message = "no api key found" if header is None else "invalid api key: the key is not one of --api-key"
        response = JSONResponse(
            {"code": 401, "message": f"unauthenticated: {message}"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
        await response(scope, receive, send)


def build_rest_app(
    db: Database,
    *,
    api_keys: Sequence[str] = (),
    max_body_bytes: int = 64 << 20,
    substitute_vectorizers: bool = False,
) -> Starlette:
    """The Starlette app answering Weaviate's REST API (/v1/...) from `db`."""
    from . import rest_graphql, rest_objects, rest_references, rest_schema, rest_tenants

    state = RestState(db, max_body_bytes=max_body_bytes, substitute_vectorizers=substitute_vectorizers)
    table: list[tuple[str, Handler, list[str]]] = [
        *rest_schema.ROUTES,
        *rest_objects.ROUTES,
        *rest_references.ROUTES,
        *rest_graphql.ROUTES,
        *rest_tenants.ROUTES,
    ]
    routes = [Route(path, _endpoint(state, handler), methods=methods) for path, handler, methods in table]
    app = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_allowed})
    if api_keys:
        app.add_middleware(ApiKeyMiddleware, api_keys=tuple(api_keys))
    rest_schema.announce_substitutions(db)
    return app
