"""RerankService: the dummy module, cache, dedupe, shared calls, registration and error isolation."""

from __future__ import annotations

import pytest
from rankql.runtime.errors import RerankError
from rankql.runtime.rerank import JobResult, Reranker, RerankJob, RerankService, RerankStats


class CountingReranker:
    """Scores by word overlap and records every call, to see what reached the model."""

    name = "counting"
    model = "overlap-v1"

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[str]]] = []

    def score(self, query: str, documents: list[str]) -> list[float]:
        self.calls.append((query, list(documents)))
        words = set(query.split())
        return [float(len(words & set(d.split()))) for d in documents]


def test_dummy_scores_are_document_lengths() -> None:
    results, stats = RerankService().run(
        [RerankJob("reranker-dummy", {}, "apple", ["longlong", "longlonglong", ""])]
    )
    assert results == [JobResult([8.0, 12.0, 0.0], [False, False, False], "reranker-dummy", None)]
    assert (stats.model_calls, stats.documents, stats.cache_misses, stats.cache_hits) == (1, 3, 3, 0)


def test_repeated_query_is_served_from_the_cache_without_a_model_call() -> None:
    service = RerankService()
    reranker = CountingReranker()
    service.register("counting", reranker)
    job = RerankJob("counting", {}, "red fish", ["a red fish", "blue fish", "cat"])
    first, _ = service.run([job])
    again, stats = service.run([job])
    assert again[0].scores == first[0].scores == [2.0, 1.0, 0.0]
    assert again[0].cached == [True, True, True]
    assert (stats.model_calls, stats.batches, stats.cache_hits, stats.cache_misses) == (0, 0, 3, 0)
    assert len(reranker.calls) == 1
    # A different query is a different key: it reaches the model again.
    _, stats = service.run([RerankJob("counting", {}, "blue", ["blue fish"])])
    assert stats.model_calls == 1 and stats.cache_misses == 1


def test_duplicates_are_scored_once_and_jobs_of_one_model_share_a_call() -> None:
    service = RerankService()
    reranker = CountingReranker()
    service.register("counting", reranker)
    jobs = [
        RerankJob("counting", {}, "red fish", ["a red fish", "blue fish", "a red fish"]),
        RerankJob("counting", {}, "red fish", ["blue fish", "green fish"]),
        RerankJob("reranker-dummy", {}, "red fish", ["abc"]),
    ]
    results, stats = service.run(jobs)
    assert reranker.calls == [("red fish", ["a red fish", "blue fish", "green fish"])]
    assert [r.scores for r in results] == [[2.0, 1.0, 2.0], [1.0, 1.0], [3.0]]
    assert results[0].model == "counting:overlap-v1"
    assert stats.documents == 6 and stats.model_calls == 2


def test_cache_is_keyed_by_model_and_off_with_size_zero() -> None:
    service = RerankService(cache_size=0)
    reranker = CountingReranker()
    service.register("counting", reranker)
    job = RerankJob("counting", {}, "q", ["q"])
    service.run([job])
    _, stats = service.run([job])
    assert stats.cache_hits == 0 and len(reranker.calls) == 2
    shared = RerankService()
    shared.run([RerankJob("reranker-dummy", {}, "q", ["abc"])])
    shared.register("reranker-two", CountingReranker())
    results, _ = shared.run([RerankJob("reranker-two", {}, "q", ["abc"])])
    assert results[0].cached == [False] and results[0].scores == [0.0]


def test_cache_evicts_least_recently_used() -> None:
    service = RerankService(cache_size=2)
    for doc in ["a", "bb", "ccc"]:
        service.run([RerankJob("reranker-dummy", {}, "q", [doc])])
    results, _ = service.run([RerankJob("reranker-dummy", {}, "q", ["a", "ccc"])])
    assert results[0].cached == [False, True]
    assert service.cache.hits >= 1 and len(service.cache) == 2


def test_failure_of_one_job_leaves_the_others_results() -> None:
    class Broken:
        def score(self, query: str, documents: list[str]) -> list[float]:
            raise ValueError("GPU on fire")

    service = RerankService()
    service.register("broken", Broken())
    results, _ = service.run(
        [
            RerankJob("broken", {}, "q", ["x"]),
            RerankJob("reranker-dummy", {}, "q", ["xy"]),
            RerankJob("nope", {}, "q", ["z"]),
        ]
    )
    assert results[0].scores is None and isinstance(results[0].error, RerankError)
    assert "reranker 'broken' failed: ValueError: GPU on fire" in results[0].error.message
    assert results[1].scores == [2.0] and results[1].error is None
    assert "unknown reranker module 'nope'" in results[2].error.message
    assert results[2].error.hint and "register_reranker" in results[2].error.hint


def test_a_reranker_returning_the_wrong_number_of_scores_is_an_error() -> None:
    class Short:
        def score(self, query: str, documents: list[str]) -> list[float]:
            return [1.0]

    service = RerankService()
    service.register("short", Short())
    results, _ = service.run([RerankJob("short", {}, "q", ["a", "b"])])
    assert "returned 1 scores for 2 documents" in results[0].error.message


def test_per_query_failures_fail_only_jobs_with_that_query() -> None:
    class Picky:
        def score(self, query: str, documents: list[str]) -> list[float]:
            if query == "bad":
                raise RerankError("fail with status 500: bad query")
            return [1.0] * len(documents)

    service = RerankService()
    service.register("picky", Picky())
    results, _ = service.run([RerankJob("picky", {}, "bad", ["a"]), RerankJob("picky", {}, "good", ["a"])])
    assert results[0].error is not None and "bad query" in results[0].error.message
    assert results[1].scores == [1.0]


def test_register_and_knows() -> None:
    service = RerankService()
    assert service.knows("reranker-transformers") and service.knows("reranker-cohere")
    assert not service.knows("mine")
    service.register("mine", CountingReranker())
    assert service.knows("mine")
    assert isinstance(CountingReranker(), Reranker)
    with pytest.raises(RerankError, match="no score"):
        service.register("bad", object())  # type: ignore[arg-type]
    with pytest.raises(RerankError, match="non-empty name"):
        service.register("", CountingReranker())


def test_re_registering_a_name_drops_the_old_objects_scores() -> None:
    service = RerankService()
    service.register("r", CountingReranker())
    service.run([RerankJob("r", {}, "x", ["x"])])

    class Constant:
        def score(self, query: str, documents: list[str]) -> list[float]:
            return [42.0] * len(documents)

    service.register("r", Constant())
    results, _ = service.run([RerankJob("r", {}, "x", ["x"])])
    assert results[0].scores == [42.0] and results[0].cached == [False]


def test_empty_documents_do_not_call_the_reranker() -> None:
    service = RerankService()
    reranker = CountingReranker()
    service.register("counting", reranker)
    results, stats = service.run([RerankJob("counting", {}, "q", [])])
    assert results[0].scores == [] and results[0].error is None
    assert reranker.calls == [] and stats.model_calls == 0


def test_stats_add() -> None:
    total = RerankStats()
    total.add(RerankStats(model_calls=1, batches=2, cache_hits=3, cache_misses=4, documents=7, seconds=0.5))
    total.add(RerankStats(model_calls=1))
    assert (total.model_calls, total.batches, total.documents, total.seconds) == (2, 2, 7, 0.5)
