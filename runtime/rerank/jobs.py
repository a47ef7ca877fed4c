"""The service's vocabulary: the Reranker protocol, a job, its result, and the per-Get statistics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ..errors import RerankError


@runtime_checkable
class Reranker(Protocol):
    """What a user reranker provides: one score per document, higher is more relevant.

    Optional attributes: `name` (shown in output), `model` (shown and part of the cache key).
    """

    def score(self, query: str, documents: list[str]) -> list[float]: ...


@dataclass(slots=True)
class RerankJob:
    """Score `documents` against `query` with the reranker `module` configured by `config`."""

    module: str
    config: dict = field(default_factory=dict)
    query: str = ""
    documents: list[str] = field(default_factory=list)
    headers: dict | None = None


@dataclass(slots=True)
class JobResult:
    """Scores in document order (None on failure), which came from the cache, and the model used."""

    scores: list[float] | None
    cached: list[bool]
    model: str
    error: RerankError | None = None


@dataclass(slots=True)
class RerankStats:
    """What one `run` did: provider calls, batches (forward passes or HTTP requests), cache use, time."""

    model_calls: int = 0
    batches: int = 0
    cache_hits: int = 0
    cache_misses: int = 0
    documents: int = 0
    seconds: float = 0.0

    def add(self, other: RerankStats) -> None:
        """Accumulate another run's figures into this one."""
        self.model_calls += other.model_calls
        self.batches += other.batches
        self.cache_hits += other.cache_hits
        self.cache_misses += other.cache_misses
        self.documents += other.documents
        self.seconds += other.seconds
