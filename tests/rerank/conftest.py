"""Rerank test fixtures: a tiny random BERT cross-encoder, and real HTTP servers for the API rerankers."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from rankql.runtime.rerank import build_tiny_cross_encoder


@pytest.fixture(scope="session")
def tiny_cross_encoder_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A 2-layer, hidden-32 BERT cross-encoder (seed 7) saved with the shipped MiniLM tokenizer."""
    return build_tiny_cross_encoder(tmp_path_factory.mktemp("tiny-ce"), seed=7, layers=2, hidden=32, heads=2)


@pytest.fixture(scope="session")
def tiny_cross_encoder(tiny_cross_encoder_path: str) -> Any:
    """The tiny model loaded once on the CPU (fp32 everywhere), through the loader every reranker uses."""
    from rankql.runtime.models import load_cross_encoder

    return load_cross_encoder(tiny_cross_encoder_path, "cpu")


@dataclass
class ServerState:
    """What a test server saw, and what it should do next."""

    requests: list[dict] = field(default_factory=list)
    fail_with: list[tuple[int, Any]] = field(default_factory=list)  # (status, body) answered first, in order
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_failure(self) -> tuple[int, Any] | None:
        with self.lock:
            return self.fail_with.pop(0) if self.fail_with else None


class _Handler(BaseHTTPRequestHandler):
    state: ServerState
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def _send(self, status: int, body: Any, headers: dict | None = None) -> None:
        raw = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up (timeouts)
            self.wfile.write(raw)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"null")
        with self.state.lock:
            self.state.requests.append(
                {"path": self.path, "body": body, "headers": dict(self.headers), "time": time.monotonic()}
            )
        if self.state.delay:
            time.sleep(self.state.delay)
        failure = self.state.next_failure()
        if failure is not None:
            status, payload = failure
            self._send(
                status, payload, {"Retry-After": "0"} if status == 429 and payload == "retry-after" else None
            )
            return
        self.answer(body)

    def answer(self, body: Any) -> None:
        raise NotImplementedError


def _serve(handler: type[_Handler]) -> Iterator[tuple[str, ServerState]]:
    state = ServerState()
    handler.state = state
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def container_server(tiny_cross_encoder: Any) -> Iterator[tuple[str, ServerState]]:
    """A server speaking Weaviate's reranker-transformers container API, backed by the tiny CrossEncoder."""
    import torch

    lock = threading.Lock()

    class Handler(_Handler):
        def answer(self, body: Any) -> None:
            if self.path != "/rerank":
                self._send(404, {"error": f"no route {self.path}"})
                return
            docs = body["documents"]
            with lock:  # the container serializes inference too
                scores = tiny_cross_encoder.predict(
                    [(body["query"], d) for d in docs],
                    activation_fn=torch.nn.Identity(),
                    show_progress_bar=False,
                )
            items = [{"document": d, "score": float(s)} for d, s in zip(docs, scores, strict=True)]
            self._send(200, {"query": body["query"], "scores": items, "property": None, "score": None})

    yield from _serve(Handler)


COHERE_KEY = "test-key"


def cohere_relevance(query: str, doc: str) -> float:
    """The fake Cohere's relevance: the share of query words found in the document, in [0, 1]."""
    words = set(query.lower().split())
    return len(words & set(doc.lower().split())) / len(words) if words else 0.0


@pytest.fixture
def cohere_server() -> Iterator[tuple[str, ServerState]]:
    """A server speaking Cohere's v1 and v2 rerank API: bearer auth, results sorted by relevance."""

    class Handler(_Handler):
        def answer(self, body: Any) -> None:
            if self.path not in ("/v1/rerank", "/v2/rerank"):
                self._send(404, {"message": f"no route {self.path}"})
                return
            if self.headers.get("Authorization") != f"Bearer {COHERE_KEY}":
                self._send(401, {"message": "invalid api token"})
                return
            if not body.get("model") or not isinstance(body.get("documents"), list):
                self._send(400, {"message": "model and documents are required"})
                return
            docs = body["documents"]
            results = [
                {"index": i, "relevance_score": cohere_relevance(body["query"], d)}
                for i, d in enumerate(docs)
            ]
            results.sort(key=lambda r: -r["relevance_score"])
            self._send(200, {"id": "x", "results": results[: body.get("top_n") or len(results)], "meta": {}})

    yield from _serve(Handler)
