"""The gRPC half of `rankql serve`: Weaviate's `weaviate.v1.Weaviate` service and `grpc.health.v1.Health`.

Message classes and the servicer base come from the weaviate-client package (`weaviate.proto.v1`, the
generation that matches the installed protobuf runtime, as the client itself picks it).
"""

from __future__ import annotations

import logging
import time
from concurrent import futures
from typing import Any

import grpc
from rankql.dsl import validate
from rankql.dsl.source import Source
from weaviate.proto.v1 import health_weaviate_pb2, weaviate_pb2_grpc

from ..engine.executor import Executor
from ..errors import RankqlError
from .failures import INTERNAL_MESSAGE, error_text, is_client_error
from .grpc_aggregate import run_aggregate
from .grpc_batch import batch_delete, embed_batch, prepare_batch, store_batch
from .grpc_errors import GrpcFailure, InvalidRequest
from .grpc_references import batch_references
from .grpc_reply import search_reply
from .grpc_search import bind_search
from .grpc_tenants import tenants_get
from .guard import lock_for
from .tenant_use import prepare_tenants
from .wire_schema import cannot_vectorize, unrunnable_vectorizer

log = logging.getLogger("rankql.server")
_SOURCE = Source("", "<grpc>")  # the request has no text: errors carry no line and column
_HEALTH = "/grpc.health.v1.Health/Check"


def run_search(db: Any, request: Any, headers: dict | None = None) -> Any:
    """One SearchRequest through rankql's validator and executor, answered as a SearchReply."""
    started = time.perf_counter()
    if request.collection not in db:
        raise GrpcFailure(f"could not find class {request.collection} in schema")
    schema = db.schema()
    cls = schema.get(db.collection(request.collection).name)
    query = bind_search(request, cls, schema)
    problems = validate(query, schema)
    if problems:
        raise InvalidRequest("; ".join(_message(p, db, cls.name) for p in problems))
    (run,) = Executor(db, _SOURCE, headers=headers).run(query)
    failures = [e for e in run.errors if e.get("extensions", {}).get("level") != "warning"]
    if run.failed or failures:
        raise GrpcFailure("; ".join(e["message"] for e in failures) or "the query failed")
    return search_reply(run.data or [], cls, request, time.perf_counter() - started, schema)


def _message(problem: Any, db: Any, class_name: str) -> str:
    """A diagnostic's message; a text search on a class whose vectorizer does not run here gets Weaviate's
    "could not vectorize input" and the option that helps (as the REST half says it)."""
    if problem.code == "Q609":
        vectorizer = unrunnable_vectorizer(db.collection(class_name).definition)
        if vectorizer is not None:
            search = "nearText" if "nearText" in problem.message else "hybrid"
            return cannot_vectorize(class_name, vectorizer, search)
    return problem.message


class WeaviateService(weaviate_pb2_grpc.WeaviateServicer):
    """Search, Aggregate, BatchObjects and BatchDelete over one Database; the rest answers UNIMPLEMENTED."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.lock = lock_for(db)

    def Search(self, request: Any, context: grpc.ServicerContext) -> Any:
        headers = dict(context.invocation_metadata())
        _answer(context, "search", prepare_tenants, self.db, [(request.collection, request.tenant)], False)
        with self.lock.reading():
            return _answer(context, "search", run_search, self.db, request, headers)

    def BatchObjects(self, request: Any, context: grpc.ServicerContext) -> Any:
        named = [(obj.collection, obj.tenant) for obj in request.objects]
        _answer(context, "batch", prepare_tenants, self.db, named, True)  # its own write turn
        with self.lock.reading():  # reading the objects: only the collection lookups need a view
            prepared = _answer(context, "batch", prepare_batch, self.db, request)
        _answer(context, "batch", embed_batch, prepared)  # the slow part, outside any lock
        with self.lock.writing():
            return _answer(context, "batch", store_batch, self.db, prepared)

    def BatchDelete(self, request: Any, context: grpc.ServicerContext) -> Any:
        with self.lock.writing():
            return _answer(context, "batch delete", batch_delete, self.db, request)

    def BatchReferences(self, request: Any, context: grpc.ServicerContext) -> Any:
        with self.lock.writing():
            return _answer(context, "batch references", batch_references, self.db, request)

    def BatchStream(self, request_iterator: Any, context: grpc.ServicerContext) -> Any:
        context.abort(
            grpc.StatusCode.UNIMPLEMENTED,
            "rankql does not support server-side batching (BatchStream) yet; use batch.fixed_size or dynamic",
        )

    def Aggregate(self, request: Any, context: grpc.ServicerContext) -> Any:
        _answer(context, "aggregate", prepare_tenants, self.db, [(request.collection, request.tenant)], False)
        with self.lock.reading():
            return _answer(context, "aggregate", run_aggregate, self.db, request)

    def TenantsGet(self, request: Any, context: grpc.ServicerContext) -> Any:
        with self.lock.reading():
            return _answer(context, "tenants", tenants_get, self.db, request)


def _answer(context: grpc.ServicerContext, what: str, handler: Any, *args: Any) -> Any:
    """The handler's reply; a failure aborts with a status by REST's rule (failures.py), never a traceback:
    a bad request is INVALID_ARGUMENT, a server that cannot do it (model, disk) UNAVAILABLE, a bug INTERNAL
    with no exception text (the server log has the traceback)."""
    try:
        return handler(*args)
    except GrpcFailure as exc:
        context.abort(exc.code, exc.message)
    except RankqlError as exc:
        if is_client_error(exc):
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, error_text(exc))
        log.error("gRPC %s failed: %s", what, exc)
        context.abort(grpc.StatusCode.UNAVAILABLE, error_text(exc))
    except Exception:  # noqa: BLE001 - a bug of ours: logged with its traceback, the client gets no text of it
        log.exception("gRPC %s failed", what)
        context.abort(grpc.StatusCode.INTERNAL, f"{what}: {INTERNAL_MESSAGE}")


def _health_check(request: Any, context: grpc.ServicerContext) -> Any:
    return health_weaviate_pb2.WeaviateHealthCheckResponse(
        status=health_weaviate_pb2.WeaviateHealthCheckResponse.SERVING
    )


def _health_handler() -> grpc.GenericRpcHandler:
    check = grpc.unary_unary_rpc_method_handler(
        _health_check,
        request_deserializer=health_weaviate_pb2.WeaviateHealthCheckRequest.FromString,
        response_serializer=health_weaviate_pb2.WeaviateHealthCheckResponse.SerializeToString,
    )
    return grpc.method_handlers_generic_handler("grpc.health.v1.Health", {"Check": check})


class ApiKeyInterceptor(grpc.ServerInterceptor):
    """`authorization: Bearer <key>` metadata on every call but the health check, as Weaviate asks."""

    def __init__(self, api_keys: tuple[str, ...]) -> None:
        from .auth import authorized

        self._authorized = authorized
        self.api_keys = api_keys

        def deny(request: Any, context: grpc.ServicerContext) -> Any:
            context.abort(
                grpc.StatusCode.UNAUTHENTICATED,
                "unauthorized: send a valid API key as 'authorization: Bearer <key>'",
            )

        self._deny = grpc.unary_unary_rpc_method_handler(deny)
        self._deny_stream = grpc.stream_stream_rpc_method_handler(deny)  # BatchStream

    def intercept_service(self, continuation: Any, details: grpc.HandlerCallDetails) -> Any:
        if details.method == _HEALTH:
            return continuation(details)
        header = dict(details.invocation_metadata or ()).get("authorization")
        if self._authorized(header, self.api_keys):
            return continuation(details)
        return self._deny_stream if details.method.endswith("/BatchStream") else self._deny


def start_grpc(db: Any, host: str, port: int, api_keys: tuple[str, ...] = (), workers: int = 16) -> Any:
    """A started grpc.Server on host:port (0: a free port); returns (server, bound port)."""
    interceptors = [ApiKeyInterceptor(tuple(api_keys))] if api_keys else []
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rankql-grpc"),
        interceptors=interceptors,
        options=[
            ("grpc.max_receive_message_length", 104_858_000),  # Weaviate's default GRPC_MAX_MESSAGE_SIZE
            ("grpc.max_send_message_length", 104_858_000),
        ],
    )
    weaviate_pb2_grpc.add_WeaviateServicer_to_server(WeaviateService(db), server)
    server.add_generic_rpc_handlers((_health_handler(),))
    try:
        bound = server.add_insecure_port(f"{_bracket(host)}:{port}")
    except RuntimeError:  # grpcio raises where older versions returned 0
        bound = 0
    if bound == 0:
        raise OSError(f"cannot listen for gRPC on {host}:{port} (is the port in use?)")
    server.start()
    return server, bound


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host
