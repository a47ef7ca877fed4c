"""`rankql serve`: its arguments and the foreground loop that stops cleanly on Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

SUMMARY = "serve a database to Weaviate's own clients (REST and gRPC), e.g. weaviate.connect_to_local()"
EXAMPLES = """\
examples:
  rankql serve                                  (an in-memory database on 127.0.0.1:8080 and :50051)
  rankql serve --db demo-db                     (saves to the folder when stopped)
  rankql serve --db app-db --port 8081 --grpc-port 50052 --api-key secret
  rankql serve --substitute-vectorizers         (text2vec-openai, -cohere, ... embed with the shipped MiniLM)
Then, in Python: client = weaviate.connect_to_local(port=8080, grpc_port=50051). Ctrl-C stops it."""


def add_serve_arguments(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("--db", metavar="DIR", help="database folder (default: a new in-memory database)")
    sub.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    sub.add_argument("--port", type=int, default=8080, help="REST port (default: 8080)")
    sub.add_argument("--grpc-port", type=int, default=50051, help="gRPC port (default: 50051)")
    sub.add_argument(
        "--api-key",
        action="append",
        default=[],
        metavar="KEY",
        help="require 'Authorization: Bearer KEY' (REST) or the same gRPC metadata; repeatable",
    )
    sub.add_argument(
        "--substitute-vectorizers",
        action="store_true",
        help="embed with the shipped MiniLM for vectorizers rankql cannot run here (text2vec-openai, ...)",
    )
    sub.add_argument(
        "--max-body", type=int, default=64, metavar="MB", help="largest REST request body (default: 64 MB)"
    )
    sub.set_defaults(handler="serve")


def run_serve(args: argparse.Namespace) -> int:
    """Start the server, print where it listens, and wait for Ctrl-C or SIGTERM; then stop and save."""
    from .launch import serve

    if args.max_body <= 0:
        print("rankql serve: --max-body must be a positive number of megabytes", file=sys.stderr)
        return 2
    _show_server_log()
    try:
        server = serve(
            path=args.db,
            host=args.host,
            port=args.port,
            grpc_port=args.grpc_port,
            api_keys=tuple(args.api_key),
            max_body_bytes=args.max_body << 20,
            substitute_vectorizers=args.substitute_vectorizers,
        )
    except OSError as exc:  # a port in use, an address this machine does not have
        print(f"rankql serve: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        where = f"database folder {args.db}" if args.db else "an in-memory database"
        print(f"rankql serving {where}")
        print(f"  REST  http://{_show(args.host)}:{server.port}")
        print(f"  gRPC  {_show(args.host)}:{server.grpc_port}")
        print(f"connect with: {server.connect_line}" + ("  (add auth_credentials)" if args.api_key else ""))
        print("Ctrl-C stops the server" + (" and saves the folder" if args.db else ""), flush=True)
        while not stop.wait(0.5):
            pass
        print("stopping...", file=sys.stderr, flush=True)
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("stopped" + (f"; saved {args.db}" if args.db else ""), file=sys.stderr)
    return 0


def _show_server_log() -> None:
    """The server's warnings (a public address without a key, substituted vectorizers) and errors on
    standard error, as plain lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    server_log = logging.getLogger("rankql.server")
    server_log.addHandler(handler)
    server_log.setLevel(logging.INFO)
    server_log.propagate = False


def _show(host: str) -> str:
    return f"[{host}]" if ":" in host else host
