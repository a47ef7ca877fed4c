"""Rerankers: providers, the score cache, and batched scoring for a whole Get."""

from .cache import ScoreCache
from .jobs import JobResult, Reranker, RerankJob, RerankStats
from .providers import BUILTIN_MODULES
from .service import RerankService
from .tiny import build_tiny_cross_encoder

__all__ = [
    "BUILTIN_MODULES",
    "JobResult",
    "RerankJob",
    "RerankService",
    "RerankStats",
    "Reranker",
    "ScoreCache",
    "build_tiny_cross_encoder",
]
