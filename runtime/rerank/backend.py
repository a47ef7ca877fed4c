"""The base every reranker backend shares: the Backend shape, moduleConfig options, request headers."""

from __future__ import annotations

from typing import Any

from ..errors import RerankError
from .jobs import RerankStats


class Backend:
    """One configured reranker. Subclasses implement `score_pairs` (pairs batched across queries)
    or `score_query` (one query and its documents per provider call, as HTTP APIs take them)."""

    module: str = ""
    model: str = ""  # the model as configured, shown in output
    cache_id: str = ""  # provider + model (+ endpoint): the cache key prefix
    pairwise = False  # True: score_pairs takes pairs of many queries at once

    @property
    def label(self) -> str:
        """Provider and model as results show them, e.g. 'reranker-transformers:cross-encoder/...'."""
        return f"{self.module}:{self.model}" if self.model else self.module

    def score_pairs(self, pairs: list[tuple[str, str]], stats: RerankStats) -> list[float]:
        raise NotImplementedError

    def score_query(self, query: str, documents: list[str], stats: RerankStats) -> list[float]:
        raise NotImplementedError


def header(headers: dict | None, name: str) -> str | None:
    """A request header, case-insensitively (Weaviate's headers are case-insensitive too)."""
    if not headers:
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if str(key).lower() == wanted and value not in (None, ""):
            return str(value)
    return None


def config_value(config: dict[str, Any], name: str, kind: type, default: Any, module: str) -> Any:
    """An option from moduleConfig, type-checked with a message that names the module and option."""
    value = config.get(name, default)
    if value is None:
        return default
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise RerankError(
            f"{module} option '{name}' must be {kind.__name__}, got {value!r}",
            hint=f'fix "{name}" in the collection\'s moduleConfig for {module}',
        )
    return value
