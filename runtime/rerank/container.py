"""reranker-transformers through a running Weaviate reranker-transformers container (POST /rerank)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ..errors import RerankError
from .backend import Backend, config_value
from .http_client import TransportError, post_json
from .jobs import RerankStats

CHUNK = 32  # documents per request, as Weaviate's client sends them
WORKERS = 4  # chunks in flight at once (Weaviate uses up to NumCPU)


class ContainerBackend(Backend):
    """Sends {"query", "documents", "property": ""} per chunk and reads scores back in input order."""

    module = "reranker-transformers"

    def __init__(self, config: dict) -> None:
        url = config_value(config, "inferenceUrl", str, "", self.module).rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise RerankError(
                f"reranker-transformers inferenceUrl '{url}' is not an http(s) URL",
                hint='give the container\'s address, e.g. "inferenceUrl": "http://localhost:8080"',
            )
        self.url = url
        self.model = config_value(config, "model", str, "", self.module) or url
        self.cache_id = f"{self.module}:{url}"
        # Weaviate's MODULES_CLIENT_TIMEOUT default.
        self.timeout = config_value(config, "timeout", float, 50.0, self.module)

    def score_query(self, query: str, documents: list[str], stats: RerankStats) -> list[float]:
        chunks = [documents[i : i + CHUNK] for i in range(0, len(documents), CHUNK)]
        stats.batches += len(chunks)
        if len(chunks) == 1:
            return self._post(query, chunks[0])
        with ThreadPoolExecutor(max_workers=min(WORKERS, len(chunks))) as pool:
            parts = list(pool.map(lambda chunk: self._post(query, chunk), chunks))
        return [score for part in parts for score in part]

    def _post(self, query: str, documents: list[str]) -> list[float]:
        payload = {"query": query, "documents": documents, "property": ""}
        try:
            answer = post_json(f"{self.url}/rerank", payload, timeout=self.timeout)
        except TransportError as exc:
            raise RerankError(
                f"send POST request: {exc.reason}",
                hint=f"is the reranker-transformers container running at {self.url}?",
            ) from exc
        if answer.data is None:
            raise RerankError(
                f"failed to parse reranker response (status {answer.status}): {answer.message()}",
                hint=f"check that {self.url} is a reranker-transformers container",
            )
        if answer.status != 200:
            raise RerankError(f"fail with status {answer.status}: {answer.message()}")
        items = answer.data.get("scores") if isinstance(answer.data, dict) else None
        if not isinstance(items, list) or len(items) != len(documents):
            raise RerankError(
                f"reranker response has {len(items) if isinstance(items, list) else 'no'} scores "
                f"for {len(documents)} documents",
                hint=f"check that {self.url} is a reranker-transformers container",
            )
        try:
            return [float(item["score"]) for item in items]
        except (KeyError, TypeError, ValueError) as exc:
            raise RerankError(f"failed to parse reranker response (status {answer.status}): {exc}") from exc
