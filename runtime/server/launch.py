"""`serve(...)`: REST (uvicorn, a background thread) and gRPC (grpcio) over one Database, on free ports."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import threading
import time
from pathlib import Path
from typing import Any

log = logging.getLogger("rankql.server")
_START_TIMEOUT_S = 30.0


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost: addresses no other machine can reach."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Server:
    """A running server: `.port` (REST), `.grpc_port`, `.db`; `stop()` or leave a `with` block to end it."""

    def __init__(
        self,
        db: Any,
        *,
        host: str,
        port: int,
        grpc_port: int,
        api_keys: tuple[str, ...],
        max_body_bytes: int,
        substitute_vectorizers: bool,
        owns_db: bool,
    ) -> None:
        from .grpc_service import start_grpc
        from .rest import build_rest_app

        self.db = db
        self.host = host
        self.api_keys = tuple(api_keys)
        self._owns_db = owns_db
        self._stopped = False
        app = build_rest_app(
            db,
            api_keys=self.api_keys,
            max_body_bytes=max_body_bytes,
            substitute_vectorizers=substitute_vectorizers,
        )
        sock = _listen(host, port)  # bound here: a port in use fails now, with a clear message
        self.port = sock.getsockname()[1]
        try:
            self._grpc, self.grpc_port = start_grpc(db, host, grpc_port, self.api_keys)
        except BaseException:
            sock.close()
            raise
        try:
            self._rest, self._thread = _start_rest(app, sock)
        except BaseException:
            self._grpc.stop(None)
            sock.close()
            raise

    @property
    def connect_line(self) -> str:
        """The Python line that connects Weaviate's v4 client to this server."""
        return f"weaviate.connect_to_local(port={self.port}, grpc_port={self.grpc_port})"

    def stop(self, grace: float = 2.0) -> None:
        """Stop both servers (requests in flight get `grace` seconds), then close a database this server
        opened (a folder database saves)."""
        if self._stopped:
            return
        self._stopped = True
        stopping = self._grpc.stop(grace)
        self._rest.should_exit = True
        self._thread.join(timeout=grace + 5.0)
        stopping.wait(grace + 5.0)
        if self._owns_db:
            self.db.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Server(rest={self.host}:{self.port}, grpc={self.host}:{self.grpc_port})"


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise OSError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc} (pick another --port)"
        ) from None
    sock.listen(2048)
    sock.setblocking(False)
    return sock


def _start_rest(app: Any, sock: socket.socket) -> tuple[Any, threading.Thread]:
    import uvicorn

    config = uvicorn.Config(app, log_level="warning", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    # uvicorn installs signal handlers only in the main thread; this one is not, so Ctrl-C stays the caller's
    thread = threading.Thread(
        target=lambda: asyncio.run(server.serve(sockets=[sock])), name="rankql-rest", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the REST server did not start; run with logging at DEBUG to see why")
        time.sleep(0.01)
    return server, thread


def serve(
    db: Any = None,
    *,
    path: str | Path | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    grpc_port: int = 0,
    api_keys: tuple[str, ...] | list[str] = (),
    max_body_bytes: int = 64 << 20,
    substitute_vectorizers: bool = False,
) -> Server:
    """Serve `db` (or the folder `path`, or a new in-memory database) to Weaviate's clients.

    Port 0 picks a free port; read `.port` and `.grpc_port`. The database is closed on stop() only when
    serve() opened it. Use it as a context manager:

        with serve(db) as server:
            client = weaviate.connect_to_local(port=server.port, grpc_port=server.grpc_port)
    """
    from ..database import Database

    if db is not None and path is not None:
        raise ValueError("pass either a Database or a path, not both")
    owns = db is None
    if owns:
        db = Database(path)
    if not is_loopback(host) and not api_keys:
        log.warning(
            "warning: listening on %s without an API key (--api-key): anyone who can reach this address can "
            "read and change the database",
            host,
        )
    try:
        return Server(
            db,
            host=host,
            port=port,
            grpc_port=grpc_port,
            api_keys=tuple(api_keys),
            max_body_bytes=max_body_bytes,
            substitute_vectorizers=substitute_vectorizers,
            owns_db=owns,
        )
    except BaseException:
        if owns:
            db.close()
        raise
