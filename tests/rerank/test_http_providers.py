"""The HTTP rerankers against real servers on 127.0.0.1: the reranker-transformers container and Cohere."""

from __future__ import annotations

import socket

import numpy as np
import pytest
import torch
from rankql.runtime.rerank import RerankJob, RerankService
from rankql.runtime.rerank.cohere import NO_KEY, endpoint

from .conftest import COHERE_KEY, cohere_relevance

DOCS = [f"document number {i} about {'fish' if i % 3 else 'birds'} and the sea" for i in range(70)]


def test_container_scores_equal_the_cross_encoder_in_chunks_of_32(
    container_server, tiny_cross_encoder
) -> None:
    url, state = container_server
    results, stats = RerankService().run(
        [RerankJob("reranker-transformers", {"inferenceUrl": url + "/"}, "fish in the sea", DOCS)]
    )
    assert results[0].error is None
    expected = tiny_cross_encoder.predict(
        [("fish in the sea", d) for d in DOCS], activation_fn=torch.nn.Identity(), show_progress_bar=False
    )
    np.testing.assert_allclose(results[0].scores, expected, atol=1e-5)
    sizes = sorted(len(r["body"]["documents"]) for r in state.requests)
    assert sizes == [6, 32, 32] and stats.batches == 3
    assert all(r["path"] == "/rerank" and r["body"]["property"] == "" for r in state.requests)
    # Chunks come back in input order whatever order they were answered in.
    assert all(r["body"]["query"] == "fish in the sea" for r in state.requests)
    assert results[0].model == f"reranker-transformers:{url}"


def test_container_errors_name_the_status_and_message(container_server) -> None:
    url, state = container_server
    state.fail_with = [(500, {"error": "CUDA out of memory"})]
    results, _ = RerankService().run([RerankJob("reranker-transformers", {"inferenceUrl": url}, "q", ["d"])])
    assert results[0].error.message == "fail with status 500: CUDA out of memory"
    state.fail_with = [(502, b"<html>bad gateway</html>")]
    results, _ = RerankService().run([RerankJob("reranker-transformers", {"inferenceUrl": url}, "q2", ["d"])])
    assert (
        "failed to parse reranker response (status 502): <html>bad gateway</html>" in results[0].error.message
    )


def test_container_that_is_not_running_gives_a_hint() -> None:
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    results, _ = RerankService().run(
        [RerankJob("reranker-transformers", {"inferenceUrl": f"http://127.0.0.1:{port}"}, "q", ["d"])]
    )
    assert results[0].error.message.startswith("send POST request:")
    assert "container running" in results[0].error.hint


def cohere_job(url: str, docs: list[str], query: str = "red fish", **config) -> RerankJob:
    return RerankJob(
        "reranker-cohere",
        {"baseURL": url, "retryDelay": 0.01, **config},
        query,
        docs,
        headers={"x-cohere-api-key": COHERE_KEY},
    )


def test_cohere_v2_scores_are_mapped_back_by_index(cohere_server) -> None:
    url, state = cohere_server
    docs = ["blue fish", "red fish swims", "nothing here", "red"]
    results, _ = RerankService().run([cohere_job(url, docs)])
    assert results[0].scores == [cohere_relevance("red fish", d) for d in docs] == [0.5, 1.0, 0.0, 0.5]
    request = state.requests[0]
    assert request["path"] == "/v2/rerank"
    assert request["body"] == {"model": "rerank-v3.5", "query": "red fish", "documents": docs, "top_n": 4}
    assert request["headers"]["Authorization"] == f"Bearer {COHERE_KEY}"
    assert results[0].model == "reranker-cohere:rerank-v3.5"


def test_cohere_v1_when_the_base_url_says_so(cohere_server) -> None:
    url, state = cohere_server
    results, _ = RerankService().run([cohere_job(url + "/v1", ["red fish"], model="rerank-english-v2.0")])
    assert results[0].scores == [1.0]
    assert state.requests[0]["path"] == "/v1/rerank"
    assert state.requests[0]["body"]["return_documents"] is False
    assert state.requests[0]["body"]["model"] == "rerank-english-v2.0"
    assert endpoint("https://api.cohere.ai") == ("https://api.cohere.ai/v2/rerank", 2)
    assert endpoint("https://proxy.example/cohere/v2/") == ("https://proxy.example/cohere/v2/rerank", 2)


def test_cohere_sends_chunks_of_1000(cohere_server) -> None:
    url, state = cohere_server
    docs = [f"red doc {i}" for i in range(2500)]
    results, stats = RerankService().run([cohere_job(url, docs)])
    assert [len(r["body"]["documents"]) for r in state.requests] == [1000, 1000, 500]
    assert results[0].scores == [0.5] * 2500 and stats.batches == 3


def test_cohere_key_from_the_environment_or_a_clear_error(cohere_server, monkeypatch) -> None:
    url, state = cohere_server
    job = RerankJob("reranker-cohere", {"baseURL": url}, "red", ["red"])
    monkeypatch.delenv("COHERE_APIKEY", raising=False)
    results, _ = RerankService().run([job])
    assert results[0].error.message == NO_KEY and not state.requests
    monkeypatch.setenv("COHERE_APIKEY", COHERE_KEY)
    results, _ = RerankService().run([job])
    assert results[0].scores == [1.0]
    wrong = RerankJob(
        "reranker-cohere", {"baseURL": url}, "red", ["red"], headers={"X-Cohere-Api-Key": "nope"}
    )
    results, _ = RerankService().run([wrong])
    assert results[0].error.message == "connection to Cohere API failed with status 401: invalid api token"
    assert "API key" in results[0].error.hint


def test_cohere_retries_429_and_5xx_with_growing_delays(cohere_server) -> None:
    url, state = cohere_server
    state.fail_with = [
        (429, {"message": "too many requests"}),
        (503, {"message": "busy"}),
        (500, {"message": "x"}),
    ]
    results, _ = RerankService().run([cohere_job(url, ["red fish"], retryDelay=0.05)])
    assert results[0].scores == [1.0] and len(state.requests) == 4
    times = [r["time"] for r in state.requests]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert gaps[0] >= 0.05 and gaps[1] >= 0.1 and gaps[2] >= 0.2  # 0.05, 0.1, 0.2: doubling


def test_cohere_gives_up_after_the_retries_and_names_the_status(cohere_server) -> None:
    url, state = cohere_server
    state.fail_with = [(429, {"message": "rate limit exceeded"})] * 5
    results, _ = RerankService().run([cohere_job(url, ["red fish"], retries=2)])
    assert len(state.requests) == 3
    assert results[0].error.message == "connection to Cohere API failed with status 429: rate limit exceeded"


def test_cohere_does_not_retry_a_bad_request(cohere_server) -> None:
    url, state = cohere_server
    state.fail_with = [(400, {"message": "invalid request: query must not be empty"})]
    results, _ = RerankService().run([cohere_job(url, ["x"], query="")])
    assert len(state.requests) == 1
    assert "status 400: invalid request: query must not be empty" in results[0].error.message


def test_cohere_timeout(cohere_server) -> None:
    url, state = cohere_server
    state.delay = 0.5
    results, _ = RerankService().run([cohere_job(url, ["red"], timeout=0.1)])
    assert "connection to Cohere API timed out" in results[0].error.message
    assert "timeout" in results[0].error.hint


def test_cohere_missing_key_does_not_fail_other_jobs(cohere_server, monkeypatch) -> None:
    url, _ = cohere_server
    monkeypatch.delenv("COHERE_APIKEY", raising=False)
    results, _ = RerankService().run(
        [
            RerankJob("reranker-cohere", {"baseURL": url}, "q", ["d"]),
            RerankJob("reranker-dummy", {}, "q", ["dd"]),
        ]
    )
    assert results[0].error is not None and results[1].scores == [2.0]


@pytest.mark.parametrize("base", ["ftp://x", "api.cohere.ai"])
def test_cohere_bad_base_url(base: str) -> None:
    results, _ = RerankService().run([RerankJob("reranker-cohere", {"baseURL": base}, "q", ["d"])])
    assert "is not an http(s) URL" in results[0].error.message
