"""reranker-similarity: cosine of the shipped MiniLM's query and document embeddings."""

from __future__ import annotations

import numpy as np
import pytest
from rankql.runtime import models, onnx_embedding
from rankql.runtime.models import load_sentence_transformer
from rankql.runtime.rerank import RerankJob, RerankService
from rankql.runtime.rerank.jobs import RerankStats
from rankql.runtime.rerank.similarity import SimilarityBackend


@pytest.fixture(scope="module")
def onnx_export(tmp_path_factory, minilm_path: str):
    """The shipped MiniLM exported into a cache folder of this module: the ONNX path is taken even where
    the machine's cache is empty and an earlier test imported torch (no export is made then)."""
    patch = pytest.MonkeyPatch()
    patch.setenv(onnx_embedding.CACHE_ENV, str(tmp_path_factory.mktemp("rankql-cache")))
    patch.setattr(onnx_embedding, "_encoders", {})
    patch.setattr(onnx_embedding, "_failed", set())
    assert onnx_embedding.onnx_encoder(minilm_path) is not None
    yield
    patch.undo()


def test_scores_equal_numpy_cosine_of_the_embeddings(minilm_path: str) -> None:
    docs = ["A salmon swims upstream.", "The stock market fell sharply.", "", "Fish live in water."]
    service = RerankService()
    results, stats = service.run(
        [
            RerankJob("reranker-similarity", {}, "fish", docs),
            RerankJob("reranker-similarity", {}, "money", docs[:2]),
        ]
    )
    model = load_sentence_transformer(None)
    for query, result in zip(["fish", "money"], results, strict=True):
        vectors = model.encode([query, *docs[: len(result.scores)]], convert_to_numpy=True)
        q, d = vectors[0], vectors[1:]
        expected = d @ q / (np.linalg.norm(d, axis=1) * np.linalg.norm(q))
        np.testing.assert_allclose(result.scores, expected, atol=1e-5)
    assert results[0].scores[0] > results[0].scores[1]
    assert results[0].model == "reranker-similarity:sentence-transformers/all-MiniLM-L6-v2"
    assert stats.model_calls == 1  # both jobs in one call


@pytest.mark.parametrize("onnx", ["1", "0"])
def test_model_by_path_and_document_embeddings_are_reused(
    minilm_path: str, monkeypatch, onnx: str, onnx_export
) -> None:
    monkeypatch.setenv("RANKQL_ONNX", onnx)  # ONNX Runtime, or sentence-transformers
    service = RerankService()
    config = {"model": minilm_path}
    service.run([RerankJob("reranker-similarity", config, "first", ["doc one", "doc two"])])
    encoded: list[list[str]] = []
    original = SimilarityBackend._encode_missing

    def recording(self, texts):
        encoded.append(list(texts))
        return original(self, texts)

    monkeypatch.setattr(SimilarityBackend, "_encode_missing", recording)
    results, _ = service.run([RerankJob("reranker-similarity", config, "second", ["doc one", "doc two"])])
    assert encoded == [["second"]]
    assert results[0].model == f"reranker-similarity:{minilm_path}"


def test_the_shipped_minilm_reranks_through_onnx_on_threads_by_the_work(
    minilm_path, monkeypatch, onnx_export
) -> None:
    """ONNX Runtime scores as sentence-transformers does (to 1e-5), one thread for a few short texts and
    the cores for much text; another model, a configured device or RANKQL_ONNX=0 keep torch."""
    monkeypatch.delenv(models.THREADS_ENV, raising=False)
    monkeypatch.setattr(models, "available_cores", lambda: 2)
    sessions: list[int] = []
    real = onnx_embedding.onnx_encoder
    monkeypatch.setattr(
        onnx_embedding,
        "onnx_encoder",
        lambda path, threads=1: sessions.append(threads) or real(path, threads),
    )
    backend = SimilarityBackend({})
    short = ["a salmon swims upstream"]
    long = [f"document {i} about the sea, fish and the boats that catch them" for i in range(300)]
    scores = backend.score_pairs([("fish", d) for d in short + long], RerankStats())
    assert sessions == [2]  # the query and 301 documents: much text, every core
    backend.score_pairs([("a new query", short[0])], RerankStats())
    assert sessions == [2, 1]  # only the new query is embedded: one thread
    model = load_sentence_transformer(None)
    vectors = model.encode(["fish", *short, *long[:20]], convert_to_numpy=True)
    expected = vectors[1:] @ vectors[0] / (np.linalg.norm(vectors[1:], axis=1) * np.linalg.norm(vectors[0]))
    np.testing.assert_allclose(scores[:21], expected, atol=1e-5)
    for config, env in (({"device": "cpu"}, "1"), ({}, "0")):
        monkeypatch.setenv("RANKQL_ONNX", env)
        SimilarityBackend(config).score_pairs([("fish", "a different text")], RerankStats())
    assert sessions == [2, 1]  # neither went through ONNX


def test_a_gpu_or_a_forced_device_keeps_sentence_transformers(monkeypatch, onnx_export) -> None:
    from rankql.runtime.rerank import similarity

    backend = SimilarityBackend({})
    assert backend._onnx(1) is not None  # this machine: no GPU, nothing forced
    monkeypatch.setattr(similarity, "nvidia_gpu_present", lambda: True)
    assert backend._onnx(1) is None  # best_device() may put the reranker on the GPU
    monkeypatch.setattr(similarity, "nvidia_gpu_present", lambda: False)
    for device in ("cuda", "mps"):
        monkeypatch.setenv("RANKQL_DEVICE", device)
        assert backend._onnx(1) is None
    monkeypatch.setenv("RANKQL_DEVICE", "cpu")
    assert backend._onnx(1) is not None
