"""RerankService: scores every rerank job of one Get together, through the cache, in shared batches."""

from __future__ import annotations

import math
import threading
import time

from ..errors import RankqlError, RerankError
from .backend import Backend
from .cache import CacheKey, ScoreCache, digest
from .jobs import JobResult, Reranker, RerankJob, RerankStats
from .providers import BUILTIN_MODULES, UserBackend, backend_key, check_timeout, make_builtin

_DIGEST_MEMO = 4096  # documents whose sha256 the service remembers


class RerankService:
    """The rerankers of one database: built-in providers, registered ones, and the score cache."""

    def __init__(self, cache_size: int = 10_000) -> None:
        self.cache = ScoreCache(cache_size)
        self._registered: dict[str, tuple[Reranker, int, float | None]] = {}
        self._backends: dict[str, Backend] = {}
        self._generation = 0
        self._lock = threading.Lock()
        # document -> sha256, across queries: a page's texts repeat from query to query, and the str
        # objects are mostly the stored values themselves, so this holds little beyond the hashes.
        self._digests: dict[str, str] = {}

    def register(self, name: str, reranker: Reranker, *, timeout: float | None = None) -> None:
        """Make `reranker` usable as module `name` (a registered name wins over a built-in one).

        `timeout` (seconds): a score() call that takes longer fails the rerank (it finishes unobserved).
        """
        if not isinstance(name, str) or not name.strip():
            raise RerankError(
                "a reranker needs a non-empty name", hint='register_reranker("my-reranker", obj)'
            )
        if not callable(getattr(reranker, "score", None)):
            raise RerankError(
                f"reranker '{name}' has no score(query, documents) method",
                hint="give an object whose score(query, documents) returns one float per document",
            )
        seconds = check_timeout(name, timeout)
        with self._lock:
            self._generation += 1
            self._registered[name] = (reranker, self._generation, seconds)
            # Backends are cheap (models and token caches live per process): rebuild them all.
            self._backends.clear()

    def knows(self, module: str) -> bool:
        """True for a built-in module name or a registered reranker."""
        return module in self._registered or module in BUILTIN_MODULES

    def run(self, jobs: list[RerankJob]) -> tuple[list[JobResult], RerankStats]:
        """Score all jobs; a failing provider fails only the jobs that needed it (JobResult.error)."""
        started = time.perf_counter()
        stats = RerankStats()
        results: list[JobResult | None] = [None] * len(jobs)
        groups: dict[str, list[int]] = {}
        for index, job in enumerate(jobs):
            stats.documents += len(job.documents)
            groups.setdefault(backend_key(job.module, job.config, job.headers), []).append(index)
        for key, members in groups.items():
            self._run_group(jobs, members, results, stats, key)
        stats.seconds = time.perf_counter() - started
        return [r for r in results if r is not None], stats

    def _backend(self, job: RerankJob, key: str | None = None) -> Backend:
        if key is None:
            key = backend_key(job.module, job.config, job.headers)
        with self._lock:
            backend = self._backends.get(key)
            if backend is not None:
                return backend
            if job.module in self._registered:
                reranker, generation, timeout = self._registered[job.module]
                backend = UserBackend(job.module, reranker, generation, timeout)
            else:
                backend = make_builtin(job.module, job.config, job.headers)
            if len(self._backends) >= 64:  # distinct configs and API keys: keep the newest few
                self._backends.pop(next(iter(self._backends)))
            self._backends[key] = backend
            return backend

    def _run_group(
        self,
        jobs: list[RerankJob],
        members: list[int],
        results: list[JobResult | None],
        stats: RerankStats,
        key: str | None = None,
    ) -> None:
        first = jobs[members[0]]
        try:
            backend = self._backend(first, key)
        except RankqlError as exc:
            error = as_rerank_error(exc)
            for i in members:
                # No documents means no call (Weaviate does not call a reranker on an empty result).
                failed = error if jobs[i].documents else None
                n = len(jobs[i].documents)
                results[i] = JobResult([] if failed is None else None, [False] * n, first.module, failed)
            return
        scores: dict[int, list[float | None]] = {}
        cached: dict[int, list[bool]] = {}
        # (query, document) -> positions waiting for its score: duplicates are scored once.
        wanted: dict[tuple[str, str], list[tuple[int, int]]] = {}
        keys: dict[tuple[str, str], CacheKey] = {}
        digests = self._digests  # documents repeat across jobs and queries: hash each once
        if len(digests) > _DIGEST_MEMO:
            digests.clear()
        cache_id = backend.cache_id
        for i in members:
            job = jobs[i]
            query = job.query
            documents = [doc if isinstance(doc, str) else "" for doc in job.documents]
            job_keys = []
            for doc in documents:
                key = keys.get((query, doc))
                if key is None:
                    hashed = digests.get(doc)
                    if hashed is None:
                        hashed = digests[doc] = digest(doc)
                    key = keys[(query, doc)] = (cache_id, query, hashed)
                job_keys.append(key)
            found = self.cache.get_many(job_keys)  # one lock for the whole job
            scores[i] = found
            cached[i] = [value is not None for value in found]
            for pos, value in enumerate(found):
                if value is None:
                    wanted.setdefault((query, documents[pos]), []).append((i, pos))
            hits = sum(cached[i])
            stats.cache_hits += hits
            stats.cache_misses += len(found) - hits
        failures: dict[int, RerankError] = {}
        for pairs, outcome in self._score(backend, list(wanted), stats):
            if isinstance(outcome, RerankError):
                for pair in pairs:
                    for i, _ in wanted[pair]:
                        failures.setdefault(i, outcome)
                continue
            for (query, doc), value in zip(pairs, outcome, strict=True):
                self.cache.put(keys[(query, doc)], value)
                for i, pos in wanted[(query, doc)]:
                    scores[i][pos] = value
        for i in members:
            if i in failures:
                results[i] = JobResult(None, cached[i], backend.label, failures[i])
            else:
                results[i] = JobResult([float(s) for s in scores[i]], cached[i], backend.label, None)

    def _score(self, backend: Backend, pairs: list[tuple[str, str]], stats: RerankStats):
        """Yield (pairs, scores or RerankError): one provider call for pairwise backends, else one per query."""
        if not pairs:
            return
        if backend.pairwise:
            yield pairs, self._call(lambda: backend.score_pairs(pairs, stats), len(pairs), backend, stats)
            return
        by_query: dict[str, list[str]] = {}
        for query, doc in pairs:
            by_query.setdefault(query, []).append(doc)
        for query, docs in by_query.items():
            outcome = self._call(
                lambda q=query, d=docs: backend.score_query(q, d, stats), len(docs), backend, stats
            )
            yield [(query, doc) for doc in docs], outcome

    @staticmethod
    def _call(fn, expected: int, backend: Backend, stats: RerankStats) -> list[float] | RerankError:
        stats.model_calls += 1
        try:
            out = [float(s) for s in fn()]
        except RankqlError as exc:
            return as_rerank_error(exc)
        except Exception as exc:  # a provider bug must not take the other jobs down
            return RerankError(f"{backend.label} failed: {type(exc).__name__}: {exc}")
        if len(out) != expected:
            return RerankError(f"{backend.label} returned {len(out)} scores for {expected} documents")
        bad = next((i for i, s in enumerate(out) if not math.isfinite(s)), None)
        if bad is not None:  # NaN or inf would rank nothing and make the answer invalid JSON
            return RerankError(
                f"{backend.label} returned a score that is not a finite number ({out[bad]}) "
                f"for document {bad}",
                hint="a reranker must return finite scores: check the model, the service or score()",
            )
        return out


def as_rerank_error(exc: RankqlError) -> RerankError:
    """A RerankError carrying the message and hint of any engine error (a model that cannot load...)."""
    if isinstance(exc, RerankError):
        return exc
    error = RerankError(exc.message, hint=exc.hint)
    error.__cause__ = exc
    return error
