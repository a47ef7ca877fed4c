"""Reranker failures: non-finite scores, a wall-clock deadline per HTTP request, custom-reranker timeouts,
and error texts that never repeat an API key. Real servers on 127.0.0.1, real threads."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rankql.runtime import Database, RerankError
from rankql.runtime.rerank import RerankJob, RerankService

from .conftest import ServerState, _serve
from .test_http_providers import cohere_job


class Scores:
    """A custom reranker answering with the scores it is given, counting its calls."""

    def __init__(self, scores: list[float]) -> None:
        self.scores = scores
        self.calls = 0

    def score(self, query: str, documents: list[str]) -> list[float]:
        self.calls += 1
        return self.scores[: len(documents)]


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_a_non_finite_score_fails_the_job_and_is_never_cached(bad: float) -> None:
    reranker = Scores([1.0, bad])
    service = RerankService()
    service.register("mine", reranker)
    job = RerankJob("mine", {}, "q", ["a", "b"])
    results, _ = service.run([job])
    assert results[0].scores is None
    assert "not a finite number" in results[0].error.message and "document 1" in results[0].error.message
    assert len(service.cache) == 0
    reranker.scores = [1.0, 2.0]  # the reranker recovered: the next run scores again, nothing stale
    results, stats = service.run([job])
    assert results[0].scores == [1.0, 2.0] and stats.cache_hits == 0 and reranker.calls == 2


def _rerank_db(reranker: object, **register: float) -> Database:
    db = Database()
    db.register_reranker("mine", reranker, **register)
    db.create_collection(
        {"class": "Doc", "properties": [{"name": "body", "dataType": ["text"]}], "moduleConfig": {"mine": {}}}
    )
    db.collection("Doc").insert_many([{"properties": {"body": b}} for b in ("one", "two two")])
    return db


def _query(on_error: str) -> str:
    return (
        f'{{ Get {{ Doc {{ body _additional {{ rerank(property: "body", query: "x", onError: {on_error}) '
        "{ score status } } } } }"
    )


def test_a_nan_score_in_a_query_follows_on_error_and_the_answer_stays_valid_json() -> None:
    db = _rerank_db(Scores([math.nan, 1.0]))
    failed = db.query(_query("FAIL"))
    assert failed["errors"] and "not a finite number" in failed["errors"][0]["message"]
    kept = db.query(_query("KEEP_ORDER"))
    json.dumps(kept, allow_nan=False)  # raises on NaN: the answer is valid JSON
    statuses = [d["_additional"]["rerank"][0]["status"] for d in kept["data"]["Get"]["Doc"]]
    assert statuses and all(s != "ok" for s in statuses)


def test_cohere_nan_relevance_is_a_failure(cohere_server) -> None:
    url, state = cohere_server
    state.fail_with = [(200, b'{"results": [{"index": 0, "relevance_score": NaN}]}')]
    service = RerankService()
    results, _ = service.run([cohere_job(url, ["red"])])
    assert "not a finite number" in results[0].error.message and len(service.cache) == 0
    results, _ = service.run([cohere_job(url, ["red"])])  # the service recovered
    assert results[0].scores == [0.5]


def test_a_container_answering_infinity_is_a_failure(container_server) -> None:
    url, state = container_server
    state.fail_with = [(200, b'{"scores": [{"score": 1.5}, {"score": -Infinity}]}')]
    service = RerankService()
    job = RerankJob("reranker-transformers", {"inferenceUrl": url}, "q", ["a", "b"])
    results, _ = service.run([job])
    assert "not a finite number (-inf) for document 1" in results[0].error.message
    assert len(service.cache) == 0


class _Trickle(BaseHTTPRequestHandler):
    """Answers one byte every 0.2 s for 30 s: in the status line, or in the body after the headers."""

    protocol_version = "HTTP/1.1"
    where = "body"
    stop = threading.Event()

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 150\r\n\r\n"
        if self.where == "body":
            self.wfile.write(head)
            self.wfile.flush()
        for _ in range(150):
            if self.stop.wait(0.2):
                return
            try:
                self.wfile.write(b" ")
                self.wfile.flush()
            except OSError:  # the client gave up: what the test wants
                return


@pytest.fixture(params=["status line", "body"])
def trickling_server(request: pytest.FixtureRequest) -> Iterator[str]:
    handler = type("Handler", (_Trickle,), {"where": request.param, "stop": threading.Event()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        handler.stop.set()
        server.shutdown()
        server.server_close()


def test_timeout_is_a_deadline_for_the_whole_request(trickling_server: str) -> None:
    # Each byte arrives well within the timeout; before, every read reset it and the request ran ~30 s.
    started = time.monotonic()
    results, _ = RerankService().run([cohere_job(trickling_server, ["red"], timeout=1.0, retries=0)])
    elapsed = time.monotonic() - started
    assert "timed out after 1s" in results[0].error.message
    assert elapsed < 15  # far below the 30 s the trickle lasts (a loose bound: the machine may be loaded)

    started = time.monotonic()
    job = RerankJob("reranker-transformers", {"inferenceUrl": trickling_server, "timeout": 1.0}, "q", ["d"])
    results, _ = RerankService().run([job])
    assert "timed out after 1s" in results[0].error.message and time.monotonic() - started < 15


@pytest.fixture
def echoing_server() -> Iterator[tuple[str, ServerState]]:
    """A careless service that repeats the Authorization header it got in its error message."""
    from .conftest import _Handler

    class Handler(_Handler):
        def answer(self, body: object) -> None:
            self._send(401, {"message": f"invalid api token: {self.headers.get('Authorization')}"})

    yield from _serve(Handler)


SECRET = "sk-live-0123456789abcdef"


def test_error_texts_never_repeat_the_api_key(echoing_server) -> None:
    url, _ = echoing_server
    job = RerankJob(
        "reranker-cohere", {"baseURL": url, "retries": 0}, "q", ["d"], {"X-Cohere-Api-Key": SECRET}
    )
    results, _ = RerankService().run([job])
    error = results[0].error
    assert "status 401" in error.message and "invalid api token" in error.message
    assert SECRET not in str(error) and "[redacted]" in error.message


def test_a_key_http_cannot_carry_is_named_not_shown(cohere_server) -> None:
    url, state = cohere_server
    for key in (SECRET + "\n", SECRET + "\u2019"):
        job = RerankJob(
            "reranker-cohere", {"baseURL": url, "retries": 0}, "q", ["d"], {"X-Cohere-Api-Key": key}
        )
        results, _ = RerankService().run([job])
        error = results[0].error
        assert "header 'Authorization'" in error.message and SECRET not in str(error), str(error)
    assert state.requests == []  # nothing was sent


class Slow:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def score(self, query: str, documents: list[str]) -> list[float]:
        time.sleep(self.seconds)
        return [1.0] * len(documents)


def test_a_custom_reranker_timeout_fails_the_rerank_in_time() -> None:
    db = _rerank_db(Slow(20), timeout=0.5)
    started = time.monotonic()
    answer = db.query(_query("FAIL"))
    assert "did not answer within its timeout of 0.5s" in answer["errors"][0]["message"]
    assert time.monotonic() - started < 10  # far below the 20 s score() takes
    fast = _rerank_db(Slow(0), timeout=5)
    assert "errors" not in fast.query(_query("FAIL"))


def test_a_custom_reranker_error_passes_through_the_timeout_thread() -> None:
    class Broken:
        def score(self, query: str, documents: list[str]) -> list[float]:
            raise ZeroDivisionError("boom")

    answer = _rerank_db(Broken(), timeout=5).query(_query("FAIL"))
    assert "ZeroDivisionError: boom" in answer["errors"][0]["message"]


@pytest.mark.parametrize("timeout", [0, -1, math.nan, math.inf, "5", True])
def test_a_bad_custom_timeout_is_refused_at_registration(timeout: object) -> None:
    with pytest.raises(RerankError, match="must be a positive number of seconds"):
        Database().register_reranker("mine", Scores([]), timeout=timeout)
