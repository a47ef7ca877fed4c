"""reranker-cohere: Cohere's rerank API (v2, or v1 when baseURL says so), chunked, with bounded retries."""

from __future__ import annotations

import os
import time
from urllib.parse import urlparse

from ..errors import RerankError
from .backend import Backend, config_value, header
from .http_client import Response, TransportError, post_json
from .jobs import RerankStats

DEFAULT_MODEL = "rerank-v3.5"
DEFAULT_BASE = "https://api.cohere.ai"
CHUNK = 1000  # documents per request, as Weaviate sends them
NO_KEY = (
    "no api key found neither in request header: X-Cohere-Api-Key "
    "nor in environment variable under COHERE_APIKEY"
)


def endpoint(base: str) -> tuple[str, int]:
    """The rerank URL and API version for a base URL: '/v1' or '/v2' at its end picks the version."""
    base = base.rstrip("/")
    path = urlparse(base).path.rstrip("/")
    if path.endswith("/v1"):
        return f"{base}/rerank", 1
    if path.endswith("/v2"):
        return f"{base}/rerank", 2
    return f"{base}/v2/rerank", 2


class CohereBackend(Backend):
    """Options: model, baseURL, timeout (s), retries, retryDelay (s, doubled per retry), maxRetryDelay."""

    module = "reranker-cohere"

    def __init__(self, config: dict, headers: dict | None) -> None:
        self.model = config_value(config, "model", str, DEFAULT_MODEL, self.module)
        base = header(headers, "X-Cohere-Baseurl") or config_value(
            config, "baseURL", str, DEFAULT_BASE, self.module
        )
        if not base.startswith(("http://", "https://")):
            raise RerankError(
                f"reranker-cohere baseURL '{base}' is not an http(s) URL",
                hint='use e.g. "baseURL": "https://api.cohere.ai" (add /v1 to use the v1 API)',
            )
        self.url, self.version = endpoint(base)
        self.cache_id = f"{self.module}:{self.model}@{base.rstrip('/')}"
        self.timeout = config_value(config, "timeout", float, 30.0, self.module)
        self.retries = config_value(config, "retries", int, 3, self.module)
        self.retry_delay = config_value(config, "retryDelay", float, 0.5, self.module)
        self.max_retry_delay = config_value(config, "maxRetryDelay", float, 8.0, self.module)
        if self.retries < 0 or self.retry_delay < 0 or self.timeout <= 0:
            raise RerankError(
                "reranker-cohere: retries and retryDelay must be >= 0 and timeout > 0",
                hint="fix the options in the collection's moduleConfig",
            )
        self._header_key = header(headers, "X-Cohere-Api-Key")

    def _api_key(self) -> str:
        key = self._header_key or os.environ.get("COHERE_APIKEY")
        if not key:
            raise RerankError(
                NO_KEY,
                hint="pass headers={'X-Cohere-Api-Key': '...'} to the query, or set COHERE_APIKEY",
            )
        return key

    def score_query(self, query: str, documents: list[str], stats: RerankStats) -> list[float]:
        key = self._api_key()
        scores: list[float] = []
        for start in range(0, len(documents), CHUNK):
            chunk = documents[start : start + CHUNK]
            stats.batches += 1
            scores.extend(self._rerank(key, query, chunk))
        return scores

    def _rerank(self, key: str, query: str, documents: list[str]) -> list[float]:
        payload: dict = {"model": self.model, "query": query, "documents": documents, "top_n": len(documents)}
        if self.version == 1:
            payload["return_documents"] = False
        headers = {"Authorization": f"Bearer {key}", "Request-Source": "unspecified:rankql"}
        answer = self._post_with_retries(payload, headers)
        if answer.status != 200:
            raise RerankError(
                f"connection to Cohere API failed with status {answer.status}: {answer.message()}",
                hint=_hint(answer.status),
            )
        results = answer.data.get("results") if isinstance(answer.data, dict) else None
        if not isinstance(results, list):
            raise RerankError(
                f"Cohere API answered without results (status {answer.status}): {answer.message()}"
            )
        scores: list[float | None] = [None] * len(documents)
        try:
            for item in results:  # Cohere sorts results by relevance: map them back by index
                scores[int(item["index"])] = float(item["relevance_score"])
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise RerankError(f"Cohere API answered with a malformed result: {exc!r}") from exc
        if any(s is None for s in scores):
            raise RerankError(f"Cohere API scored {len(results)} of {len(documents)} documents")
        return [float(s) for s in scores if s is not None]

    def _post_with_retries(self, payload: dict, headers: dict) -> Response:
        attempt = 0
        while True:
            try:
                answer = post_json(self.url, payload, headers, timeout=self.timeout)
            except TransportError as exc:
                what = "timed out" if exc.timed_out else "could not connect"
                raise RerankError(
                    f"connection to Cohere API {what}: {exc.reason}",
                    hint=f"check the network and baseURL ({self.url}); raise 'timeout' in moduleConfig if slow",
                ) from exc
            retryable = answer.status == 429 or answer.status >= 500
            if not retryable or attempt >= self.retries:
                return answer
            # Exponential backoff, bounded; a Retry-After from the service wins when it is not longer.
            delay = min(self.retry_delay * (2**attempt), self.max_retry_delay)
            if answer.retry_after is not None:
                delay = min(answer.retry_after, self.max_retry_delay)
            time.sleep(delay)
            attempt += 1


def _hint(status: int) -> str | None:
    if status in (401, 403):
        return "check the Cohere API key (X-Cohere-Api-Key header or COHERE_APIKEY)"
    if status == 429:
        return "Cohere's rate limit was hit on every retry; wait, or raise 'retries' in moduleConfig"
    if status >= 500:
        return "Cohere's service failed on every retry; try again later"
    return None
