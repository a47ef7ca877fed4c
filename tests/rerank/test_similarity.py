"""reranker-similarity: cosine of the shipped MiniLM's query and document embeddings."""

from __future__ import annotations

import numpy as np
from rankql.runtime.models import load_sentence_transformer
from rankql.runtime.rerank import RerankJob, RerankService


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


def test_model_by_path_and_document_embeddings_are_reused(minilm_path: str, monkeypatch) -> None:
    service = RerankService()
    config = {"model": minilm_path}
    service.run([RerankJob("reranker-similarity", config, "first", ["doc one", "doc two"])])
    model = load_sentence_transformer(minilm_path)
    encoded: list[list[str]] = []
    original = model.encode
    monkeypatch.setattr(
        model, "encode", lambda texts, **kw: encoded.append(list(texts)) or original(texts, **kw)
    )
    results, _ = service.run([RerankJob("reranker-similarity", config, "second", ["doc one", "doc two"])])
    assert encoded == [["second"]]
    assert results[0].model == f"reranker-similarity:{minilm_path}"
