"""What flows between operators: a hit on one stored object, with its scores so far."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class RerankInfo:
    """What _additional.rerank shows for one hit."""

    score: float | None  # the reranker's raw score; None when the reranker failed (KEEP_ORDER)
    rank: int  # 0-based position before reranking
    model: str  # provider and model, e.g. "reranker-transformers:cross-encoder/ms-marco-MiniLM-L-6-v2"
    cached: bool  # the score came from the score cache
    status: str  # "ok", or "failed: <reason>" when onError KEEP_ORDER kept the first-stage order


@dataclass(slots=True)
class Hit:
    """One object in a result list. Fields a search path does not produce stay None."""

    doc_id: int
    distance: float | None = None  # vector search: the metric as Weaviate reports it
    score: float | None = None  # bm25 or fused hybrid score (float32 value)
    explain: str | None = None  # explainScore text
    secondary: float | None = None  # hybrid tie-break value (spec 6.1)
    rerank: RerankInfo | None = None
