"""Plain-Python oracles for the keyword tests: BM25F as docs/search-internals.md#bm25f writes it, and
rank-bm25 with Weaviate's idf."""

from __future__ import annotations

import math
from collections import Counter

from rank_bm25 import BM25Okapi
from rankql.runtime.store.stopwords import Stopwords
from rankql.runtime.store.tokenizer import tokenize, tokenize_value


class WeaviateIdfBM25(BM25Okapi):
    """rank-bm25's Okapi scorer with Weaviate's idf ln(1 + (N - n + 0.5) / (n + 0.5)), never floored.

    rank-bm25 multiplies by (k1 + 1); Weaviate does not, so scores() divides it back out.
    """

    def _calc_idf(self, nd: dict) -> None:
        for word, freq in nd.items():
            self.idf[word] = math.log(1 + (self.corpus_size - freq + 0.5) / (freq + 0.5))

    def scores(self, query_tokens: list[str]) -> list[float]:
        # Weaviate collapses duplicate query tokens and multiplies idf by the count: the same sum.
        return list(self.get_scores(query_tokens) / (self.k1 + 1))


def reference_bm25f(
    objects: dict[int, dict],
    fields: dict[str, str],
    query: str,
    boosts: dict[str, float],
    stopwords: Stopwords | None = None,
    k1: float = 1.2,
    b: float = 0.75,
) -> dict[int, float]:
    """doc id -> score for every object containing a query term in a searched property."""
    stopwords = stopwords or Stopwords()
    tokens = {
        d: {p: tokenize_value(obj.get(p), tok) for p, tok in fields.items()} for d, obj in objects.items()
    }
    n_docs = len(objects)
    means = []
    for prop in boosts:
        lengths = [len(tokens[d][prop]) for d in objects if tokens[d][prop]]
        means.append(sum(lengths) / len(lengths) if lengths else 40.0)
    avg = sum(means) / len(means)
    groups: dict[str, list[str]] = {}
    for prop in boosts:
        groups.setdefault(fields[prop], []).append(prop)
    scores: dict[int, float] = {}
    for tokenization, props in groups.items():
        query_tokens = tokenize(query, tokenization)
        if tokenization == "word":
            query_tokens = [t for t in query_tokens if not stopwords.contains(t)]
        for term, repeats in Counter(query_tokens).items():
            containing = [d for d in objects if any(term in tokens[d][p] for p in props)]
            n = len(containing)
            idf = math.log(1 + (n_docs - n + 0.5) / (n + 0.5)) * repeats
            for d in containing:
                present = [p for p in props if term in tokens[d][p]]
                f = sum(boosts[p] * tokens[d][p].count(term) for p in present)
                length = sum(len(tokens[d][p]) for p in present)
                scores[d] = scores.get(d, 0.0) + idf * f / (f + k1 * (1 - b + b * length / avg))
    return scores
