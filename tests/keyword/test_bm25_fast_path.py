"""The one-property search path (memoised terms, one bincount, top-k by a lower bound) against plain oracles."""

from __future__ import annotations

import numpy as np
import pytest
from kw_reference import WeaviateIdfBM25
from rankql.runtime.store import bm25_terms
from rankql.runtime.store.bm25 import Bm25Index
from rankql.runtime.store.stopwords import Stopwords
from rankql.runtime.store.tokenizer import tokenize

VOCAB = [f"w{i}" for i in range(300)]


def zipf_corpus(rng: np.random.Generator, n: int) -> list[str]:
    """Short Zipfian documents: a few very common terms (dense vectors) and many exact score ties."""
    ranks = np.minimum(rng.zipf(1.3, size=(n, 8)), len(VOCAB)) - 1
    lengths = rng.integers(1, 9, size=n)
    return [" ".join(VOCAB[r] for r in row[:m]) for row, m in zip(ranks, lengths.tolist(), strict=True)]


def queries(rng: np.random.Generator, count: int) -> list[str]:
    out = []
    for _ in range(count):
        ranks = np.minimum(rng.zipf(1.2, size=int(rng.integers(1, 5))), len(VOCAB)) - 1
        out.append(" ".join(VOCAB[r] for r in ranks))  # repeated terms happen: the duplicate boost
    return out + ["w0 w0 w1", "nothing here", "w299 w0"]


def cut(ids: np.ndarray, scores: np.ndarray, k: int | None) -> tuple[list[int], list[float]]:
    """The expected top k of a full ranking: every doc tied with the k-th best stays."""
    if k is None or k >= len(ids):
        return ids.tolist(), scores.tolist()
    end = int(np.sum(scores >= scores[k - 1]))
    return ids[:end].tolist(), scores[:end].tolist()


@pytest.fixture(scope="module")
def built() -> tuple[Bm25Index, list[str], list[str]]:
    rng = np.random.default_rng(11)
    texts = zipf_corpus(rng, 2500)
    index = Bm25Index({"body": "word"}, stopwords=Stopwords("none"))
    index.add_many((doc, {"body": text}) for doc, text in enumerate(texts))
    return index, texts, queries(rng, 40)


def test_full_ranking_matches_rank_bm25(built) -> None:
    index, texts, qs = built
    oracle = WeaviateIdfBM25([tokenize(t) for t in texts], k1=1.2, b=0.75)
    for query in qs:
        ids, scores, _ = index.search(query, [("body", 1.0)])
        want = np.asarray(oracle.scores(tokenize(query)))
        assert set(ids.tolist()) == set(np.flatnonzero(want).tolist()), query
        assert scores == pytest.approx(want[ids], rel=1e-5), query
        keys = list(zip((-scores).tolist(), ids.tolist(), strict=True))
        assert keys == sorted(keys)  # best first, ties by doc id


@pytest.mark.parametrize("k", [1, 3, 10, 50])
def test_top_k_is_the_full_ranking_cut_with_ties(built, k: int) -> None:
    index, _, qs = built
    for _ in range(3):  # first use, memoised, then long postings turned dense
        for query in qs:
            full_ids, full_scores, _ = index.search(query, [("body", 1.0)])
            ids, scores, _ = index.search(query, [("body", 1.0)], k=k)
            assert (ids.tolist(), scores.tolist()) == cut(full_ids, full_scores, k), query


def test_ties_at_the_cut_are_complete(built) -> None:
    index, _, _ = built
    full_ids, full_scores, _ = index.search("w0", [("body", 1.0)])
    assert len(set(full_scores[:50].tolist())) < 50  # the corpus has ties near the top
    for k in (1, 2, 5, 20):
        ids, scores, _ = index.search("w0", [("body", 1.0)], k=k)
        assert len(ids) >= k
        assert scores[-1] == full_scores[k - 1]
        assert ids.tolist() == full_ids[: len(ids)].tolist()


def test_explain_path_gives_the_same_scores(built) -> None:
    """explain=True scores term by term with (f, L) per doc: the same matches and scores."""
    index, _, qs = built
    for query in qs:
        ids, scores, _ = index.search(query, [("body", 1.0)])
        ids2, scores2, explains = index.search(query, [("body", 1.0)], explain=True)
        assert len(explains) == len(ids2)
        got = dict(zip(ids.tolist(), scores.tolist(), strict=True))
        want = dict(zip(ids2.tolist(), scores2.tolist(), strict=True))
        assert got == pytest.approx(want, rel=1e-6), query


def test_allow_and_boost(built) -> None:
    index, _, qs = built
    allow = np.arange(0, index.size, 3)
    for query in qs[:15]:
        full_ids, full_scores, _ = index.search(query, [("body", 2.5)])
        keep = np.isin(full_ids, allow)
        ids, scores, _ = index.search(query, [("body", 2.5)], allow=allow, k=5)
        assert (ids.tolist(), scores.tolist()) == cut(full_ids[keep], full_scores[keep], 5), query


def test_writes_between_queries_are_seen(built) -> None:
    """The memoised terms of one version are never used after a write."""
    _, texts, qs = built
    index = Bm25Index({"body": "word"}, stopwords=Stopwords("none"))
    state = dict(enumerate(texts[:600]))
    index.add_many((d, {"body": t}) for d, t in state.items())
    rng = np.random.default_rng(5)
    for step in range(30):
        for query in qs[step % 10 : step % 10 + 3]:
            index.search(query, [("body", 1.0)], k=10)  # fill the caches
        doc = int(rng.integers(0, 650))
        if step % 3 == 0:
            index.remove(doc)
            state.pop(doc, None)
        else:
            state[doc] = texts[int(rng.integers(len(texts)))]
            index.add(doc, {"body": state[doc]})
        rebuilt = Bm25Index({"body": "word"}, stopwords=Stopwords("none"))
        rebuilt.add_many((d, {"body": t}) for d, t in state.items())
        for query in qs[step % 10 : step % 10 + 3]:
            got = index.search(query, [("body", 1.0)], k=10)
            want = rebuilt.search(query, [("body", 1.0)], k=10)
            assert got[0].tolist() == want[0].tolist() and got[1].tolist() == want[1].tolist(), query


def test_bounded_term_cache_starts_over(built, monkeypatch) -> None:
    index, _, qs = built
    expected = [index.search(q, [("body", 1.0)], k=10) for q in qs]
    monkeypatch.setattr(bm25_terms, "CACHE_FLOOR", 0)
    fresh = Bm25Index({"body": "word"}, stopwords=Stopwords("none"))
    fresh.fields, fresh.alive, fresh.size, fresh.count = index.fields, index.alive, index.size, index.count
    for _ in range(2):
        for query, (ids, scores, _) in zip(qs, expected, strict=True):
            got_ids, got_scores, _ = fresh.search(query, [("body", 1.0)], k=10)
            assert got_ids.tolist() == ids.tolist() and got_scores.tolist() == scores.tolist()
    held = sum(len(entry[1]) for table in fresh._cache.tables.values() for entry in table.values())
    assert held <= 5 * fresh.size  # 4 * capacity, plus one vector turned dense


def test_replaced_stopwords_change_the_query_terms() -> None:
    index = Bm25Index({"body": "word"})
    for doc, text in enumerate(["the cat", "a dog", "the end"]):
        index.add(doc, {"body": text})
    assert index.search("the", [("body", 1.0)])[0].tolist() == []
    index.stopwords = Stopwords("none")
    assert sorted(index.search("the", [("body", 1.0)])[0].tolist()) == [0, 2]
