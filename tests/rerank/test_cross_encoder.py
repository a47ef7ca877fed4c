"""reranker-transformers in process: equal to CrossEncoder.predict, token-id cache, length batches, truncation."""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch
from rankql.runtime.rerank import RerankJob, RerankService
from rankql.runtime.rerank.cross_encoder import CrossEncoderScorer
from rankql.runtime.rerank.encoding import TextEncoder, longest_first

WORDS = [
    "the",
    "quick",
    "brown",
    "fox",
    "jumps",
    "over",
    "a",
    "lazy",
    "dog",
    "while",
    "naïve",
    "café",
    "owners",
    "watch",
    "3.14",
    "times",
    "ALL-CAPS",
]


def random_pairs(n: int, seed: int, max_query: int = 12, max_doc: int = 120) -> list[tuple[str, str]]:
    rng = np.random.default_rng(seed)
    return [
        (
            " ".join(rng.choice(WORDS, rng.integers(0, max_query))),
            " ".join(rng.choice(WORDS, rng.integers(0, max_doc))),
        )
        for _ in range(n)
    ]


def predict(cross_encoder, pairs) -> np.ndarray:
    return cross_encoder.predict(pairs, activation_fn=torch.nn.Identity(), show_progress_bar=False)


def test_scores_equal_predict_raw_logits(tiny_cross_encoder, tiny_cross_encoder_path) -> None:
    pairs = random_pairs(40, seed=1) + [("", ""), ("only a query", ""), ("", "only a document")]
    service = RerankService()
    jobs = [
        RerankJob(
            "reranker-transformers",
            {"model": tiny_cross_encoder_path, "device": "cpu", "batchSize": 32},
            q,
            [d],
        )
        for q, d in pairs
    ]
    results, stats = service.run(jobs)
    mine = np.array([r.scores[0] for r in results])
    np.testing.assert_allclose(mine, predict(tiny_cross_encoder, pairs), atol=1e-5)
    # Raw logits: predict's own default is the activation from the model config (Identity, as ms-marco's).
    np.testing.assert_allclose(mine, tiny_cross_encoder.predict(pairs, show_progress_bar=False), atol=1e-5)
    assert results[0].model == f"reranker-transformers:{tiny_cross_encoder_path}"
    assert stats.model_calls == 1 and stats.batches == 2  # 43 pairs, batches of 32, one call for all jobs


def test_long_queries_and_documents_are_cut_like_the_tokenizer(tiny_cross_encoder) -> None:
    scorer = CrossEncoderScorer.of(tiny_cross_encoder)
    pairs = random_pairs(30, seed=2, max_query=400, max_doc=900)
    mine, _ = scorer.score(pairs, batch_size=8)
    np.testing.assert_allclose(mine, predict(tiny_cross_encoder, pairs), atol=1e-5)


def test_longest_first_matches_the_tokenizer_for_all_length_mixes(tiny_cross_encoder) -> None:
    tokenizer = tiny_cross_encoder.tokenizer
    encoder = TextEncoder(tokenizer)
    fox, dog = (ids[0] for ids in encoder.encode(["fox", "dog"]))
    for n_query in (0, 3, 10, 17, 30):
        for n_doc in (0, 5, 16, 17, 40):
            for max_length in (20, 21):
                query, doc = " ".join(["fox"] * n_query), " ".join(["dog"] * n_doc)
                # Lists, because transformers takes a lone empty text_pair for "no pair".
                full = tokenizer([query], [doc], truncation="longest_first", max_length=max_length)[
                    "input_ids"
                ][0]
                keep_q, keep_d = longest_first(n_query, n_doc, max_length - 3)
                assert (full.count(fox), full.count(dog)) == (keep_q, keep_d)


def test_documents_are_truncated_by_tokens_not_characters(tiny_cross_encoder_path) -> None:
    service = RerankService()
    config = {"model": tiny_cross_encoder_path, "maxLength": 24, "device": "cpu"}
    head = "alpha beta gamma delta " * 6  # 24 word tokens: past the limit already
    results, _ = service.run(
        [
            RerankJob(
                "reranker-transformers", config, "q", [head, head + " totally different tail", "é" * 3000]
            )
        ]
    )
    first, second, long_accent = results[0].scores
    assert first == pytest.approx(second, abs=1e-6)  # the tail lies beyond 24 tokens
    assert np.isfinite(long_accent)
    # Within the limit the text matters: a different start gives a different score.
    other, _ = service.run([RerankJob("reranker-transformers", config, "q", ["omega " + head])])
    assert other[0].scores[0] != pytest.approx(first, abs=1e-6)


def test_document_token_ids_are_cached_and_only_the_query_is_tokenized(
    tiny_cross_encoder, monkeypatch
) -> None:
    scorer = CrossEncoderScorer.of(tiny_cross_encoder)
    docs = [d for _, d in random_pairs(20, seed=3)] + ["a unique document for the token cache test"]
    scorer.score([("first query", d) for d in docs], batch_size=32)
    seen: list[list[str]] = []
    original = scorer.encoder.encode
    monkeypatch.setattr(scorer.encoder, "encode", lambda texts: seen.append(list(texts)) or original(texts))
    pairs = [("a brand new query", d) for d in docs]
    mine, _ = scorer.score(pairs, batch_size=32)
    assert seen == [["a brand new query"]]
    np.testing.assert_allclose(mine, predict(tiny_cross_encoder, pairs), atol=1e-5)


def test_batches_are_formed_by_token_length(tiny_cross_encoder, monkeypatch) -> None:
    scorer = CrossEncoderScorer.of(tiny_cross_encoder)
    short = ["fox"] * 4
    long = [" ".join(["dog"] * 100 + [str(i)]) for i in range(4)]
    mixed = [d for pair in zip(short, long, strict=True) for d in pair]  # short, long, short, long...
    widths: list[int] = []
    model = scorer.model
    original = model.forward
    monkeypatch.setattr(
        model, "forward", lambda **kw: widths.append(kw["input_ids"].shape[1]) or original(**kw)
    )
    scores, batches = scorer.score([("q", d) for d in mixed], batch_size=4)
    assert batches == 2 and widths == [5, 105]  # all short ones together, then all long ones
    np.testing.assert_allclose(scores, predict(tiny_cross_encoder, [("q", d) for d in mixed]), atol=1e-5)


def test_a_model_that_is_not_on_this_machine_fails_at_once_with_a_clear_error() -> None:
    started = time.monotonic()
    results, _ = RerankService().run(
        [RerankJob("reranker-transformers", {"model": "nobody/no-such-cross-encoder"}, "q", ["d"])]
    )
    error = results[0].error
    assert time.monotonic() - started < 10
    assert (
        error is not None and "model 'nobody/no-such-cross-encoder' is not on this machine" in error.message
    )
    assert error.hint and "moduleConfig" in error.hint


def test_bad_options_are_reported() -> None:
    results, _ = RerankService().run([RerankJob("reranker-transformers", {"batchSize": "big"}, "q", ["d"])])
    assert "option 'batchSize' must be int" in results[0].error.message
