"""The score cache: an LRU of reranker scores keyed by provider and model, query, and document hash."""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict

from ..errors import RerankError

CacheKey = tuple[str, str, str]


def digest(document: str) -> str:
    """The document's part of a key: a sha256, so big texts cost little memory."""
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def cache_key(model_key: str, query: str, document: str) -> CacheKey:
    """Key of one (query, document) score."""
    return (model_key, query, digest(document))


class ScoreCache:
    """A thread-safe LRU of scores; size 0 turns caching off."""

    def __init__(self, size: int = 10_000) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise RerankError(
                f"the rerank cache size must be a whole number >= 0, got {size!r}",
                hint="use e.g. 10000 (the default), or 0 to turn the rerank score cache off",
            )
        self.size = size
        self.hits = 0
        self.misses = 0
        self._data: OrderedDict[CacheKey, float] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: CacheKey) -> float | None:
        """The cached score, refreshed as most recently used, or None (counted as a miss)."""
        with self._lock:
            value = self._data.get(key)
            if value is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return value

    def get_many(self, keys: list[CacheKey]) -> list[float | None]:
        """get() for each key under one lock: the scores (None for a miss), each hit refreshed."""
        out: list[float | None] = []
        with self._lock:
            data = self._data
            for key in keys:
                value = data.get(key)
                if value is not None:
                    data.move_to_end(key)
                out.append(value)
            hits = sum(1 for v in out if v is not None)
            self.hits += hits
            self.misses += len(out) - hits
        return out

    def put(self, key: CacheKey, value: float) -> None:
        """Store a score, evicting the least recently used entries beyond the size."""
        if self.size == 0 or not math.isfinite(value):
            return  # a NaN or inf is a failure of the reranker, never an answer to keep
        with self._lock:
            self._data[key] = float(value)
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        """Forget every score (counters stay)."""
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
