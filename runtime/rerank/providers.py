"""Reranker backends: the dummy and user adapters, the backend key, and the factory for built-ins."""

from __future__ import annotations

import json
import math
import threading
from typing import Any

from ..errors import RerankError
from .backend import Backend, header
from .cohere import CohereBackend
from .container import ContainerBackend
from .cross_encoder import CrossEncoderBackend
from .jobs import Reranker, RerankStats
from .similarity import SimilarityBackend

BUILTIN_MODULES = ("reranker-dummy", "reranker-transformers", "reranker-cohere", "reranker-similarity")


class DummyBackend(Backend):
    """Weaviate's test module: the score is the document's length in characters."""

    module = "reranker-dummy"
    cache_id = "reranker-dummy"

    def score_query(self, query: str, documents: list[str], stats: RerankStats) -> list[float]:
        stats.batches += 1
        return [float(len(doc)) for doc in documents]


class UserBackend(Backend):
    """Adapts a registered object with `score(query, documents)` and checks what it returns."""

    def __init__(self, name: str, reranker: Reranker, generation: int, timeout: float | None = None) -> None:
        self.module = str(getattr(reranker, "name", None) or name)
        self.model = str(getattr(reranker, "model", None) or "")
        # The generation keeps scores of an earlier object registered under the same name out of the cache.
        self.cache_id = f"user:{name}#{generation}:{self.model}"
        self._name = name
        self._reranker = reranker
        self._timeout = timeout

    def score_query(self, query: str, documents: list[str], stats: RerankStats) -> list[float]:
        stats.batches += 1
        try:
            raw = self._score(query, list(documents))
        except RerankError:
            raise
        except Exception as exc:
            raise RerankError(
                f"reranker '{self._name}' failed: {type(exc).__name__}: {exc}",
                hint="fix the registered reranker's score() method",
            ) from exc
        try:
            scores = [float(s) for s in raw]
        except (TypeError, ValueError) as exc:
            raise RerankError(
                f"reranker '{self._name}' returned {type(raw).__name__}, not a list of numbers",
                hint="score(query, documents) must return one float per document",
            ) from exc
        if len(scores) != len(documents):
            raise RerankError(
                f"reranker '{self._name}' returned {len(scores)} scores for {len(documents)} documents",
                hint="score(query, documents) must return one float per document, in document order",
            )
        return scores

    def _score(self, query: str, documents: list[str]) -> Any:
        if self._timeout is None:
            return self._reranker.score(query, documents)
        # Python cannot stop a thread: a late call finishes in the background, its answer unused.
        outcome: list[Any] = []
        done = threading.Event()

        def call() -> None:
            try:
                outcome.append(("ok", self._reranker.score(query, documents)))
            except BaseException as exc:  # handed to the caller's thread
                outcome.append(("error", exc))
            finally:
                done.set()

        threading.Thread(target=call, name=f"reranker-{self._name}", daemon=True).start()
        if not done.wait(self._timeout):
            raise RerankError(
                f"reranker '{self._name}' did not answer within its timeout of {self._timeout:g}s",
                hint="make score() faster, or register it with a larger timeout",
            )
        kind, value = outcome[0]
        if kind == "error":
            raise value
        return value


def check_timeout(name: str, timeout: Any) -> float | None:
    """A registered reranker's timeout: None (no limit) or a positive, finite number of seconds."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout < math.inf:
        raise RerankError(
            f"the timeout of reranker '{name}' must be a positive number of seconds, got {timeout!r}",
            hint="pass e.g. timeout=5.0, or leave it out for no limit",
        )
    return float(timeout)


_KEYS: dict[Any, str] = {}  # memo of backend_key for flat configs (json.dumps runs on every query otherwise)


def backend_key(module: str, config: dict, headers: dict | None) -> str:
    """Jobs with the same key share one backend (and so its batches)."""
    relevant = {}
    if module == "reranker-cohere":
        relevant = {
            "key": header(headers, "X-Cohere-Api-Key"),
            "base": header(headers, "X-Cohere-Baseurl"),
        }
    memo = _memo_key(module, config, relevant)
    if memo is not None:
        key = _KEYS.get(memo)
        if key is not None:
            return key
    key = json.dumps([module, config or {}, relevant], sort_keys=True, default=str)
    if memo is not None:
        if len(_KEYS) >= 256:
            _KEYS.clear()
        _KEYS[memo] = key
    return key


_SCALARS = (str, int, float, bool, type(None))


def _memo_key(module: str, config: Any, relevant: dict) -> tuple | None:
    """A hashable stand-in for (module, config, relevant), or None when config is not a flat dict of
    scalars. Types are part of it, so 1, 1.0 and True (equal and hashing alike) stay apart."""
    if not config:
        items: tuple = ()
    elif type(config) is dict:
        try:
            items = tuple(sorted((k, v.__class__, v) for k, v in config.items()))
        except TypeError:  # keys that do not sort
            return None
        if not all(k.__class__ is str and c in _SCALARS for k, c, _ in items):
            return None
    else:
        return None
    return (module, items, relevant.get("key"), relevant.get("base"))


def make_builtin(module: str, config: dict, headers: dict | None) -> Backend:
    """A backend for one of the built-in modules (models load on first use, inside the backend)."""
    config = config or {}
    if not isinstance(config, dict):
        raise RerankError(f"the moduleConfig of {module} must be an object, not {type(config).__name__}")
    if module == "reranker-dummy":
        return DummyBackend()
    if module == "reranker-transformers":
        if config.get("inferenceUrl"):
            return ContainerBackend(config)
        return CrossEncoderBackend(config)
    if module == "reranker-cohere":
        return CohereBackend(config, headers)
    if module == "reranker-similarity":
        return SimilarityBackend(config)
    raise RerankError(
        f"unknown reranker module '{module}'",
        hint=f"use one of {', '.join(BUILTIN_MODULES)}, or register your own with db.register_reranker",
    )
