"""bm25 searchOperator (And, Or with minimumOrTokensMatch) against a brute-force count of query terms."""

from __future__ import annotations

import random

import numpy as np
import pytest
from rankql.runtime.store.bm25 import Bm25Index
from rankql.runtime.store.stopwords import Stopwords
from rankql.runtime.store.tokenizer import tokenize_value

FIELDS = {"title": "word", "body": "word", "code": "field"}
VOCAB = ["fish", "market", "fresh", "bread", "the", "a", "cook", "salt", "river", "boat"]


def _docs(seed: int, n: int = 300) -> dict[int, dict]:
    rng = random.Random(seed)
    docs = {}
    for doc_id in range(n):
        docs[doc_id] = {
            "title": " ".join(rng.choices(VOCAB, k=rng.randint(0, 4))),
            "body": " ".join(rng.choices(VOCAB, k=rng.randint(0, 9))),
            "code": rng.choice(["fish market", "bread", "boat", ""]),
        }
    return docs


def _query_terms(query: str, tokenization: str, stopwords: Stopwords) -> set[str]:
    tokens = tokenize_value(query, tokenization)
    if tokenization == "word":
        tokens = [t for t in tokens if not stopwords.contains(t)]
    return set(tokens)


def brute_force(docs, query, properties, operator, minimum, stopwords) -> set[int]:
    """Docs holding enough distinct query terms within one searched property (And: all of them)."""
    found = set()
    for doc_id, props in docs.items():
        for name in properties:
            tok = FIELDS[name]
            terms = _query_terms(query, tok, stopwords)
            need = len(terms) if operator == "And" else minimum
            held = terms & set(tokenize_value(props[name], tok))
            if terms and need <= len(terms) and len(held) >= max(need, 1):
                found.add(doc_id)
    return found


@pytest.mark.parametrize("seed", range(4))
def test_and_and_minimum_match_keep_exactly_the_docs_a_count_finds(seed: int) -> None:
    docs = _docs(seed)
    index = Bm25Index(FIELDS)
    index.add_many(docs.items())
    index.remove(7)  # a removed doc never comes back
    del docs[7]
    rng = random.Random(seed + 100)
    stopwords = index.stopwords
    for _ in range(40):
        query = " ".join(rng.choices(VOCAB, k=rng.randint(1, 5)))
        properties = rng.choice([None, ["title"], ["body"], ["title", "body"], ["body", "code"]])
        names = list(FIELDS) if properties is None else properties
        props = None if properties is None else [(p, 1.0) for p in properties]
        any_ids, any_scores, _ = index.search(query, props)
        any_score = dict(zip(any_ids.tolist(), any_scores.tolist(), strict=True))
        for operator, minimum in (("And", 0), ("Or", 2), ("Or", 3), ("Or", 9)):
            ids, scores, _ = index.search(query, props, operator=operator, minimum_match=minimum)
            expected = brute_force(docs, query, names, operator, minimum, stopwords)
            assert set(ids.tolist()) == expected, (query, properties, operator, minimum)
            # narrowing never changes a doc's score, and the order stays best first
            assert [any_score[i] for i in ids.tolist()] == scores.tolist()
            assert np.all(np.diff(scores) <= 0)


def test_allow_list_and_k_apply_after_the_count() -> None:
    docs = _docs(9)
    index = Bm25Index(FIELDS)
    index.add_many(docs.items())
    full, _, _ = index.search("fish market fresh", operator="Or", minimum_match=2)
    assert len(full) > 4
    top, _, _ = index.search("fish market fresh", operator="Or", minimum_match=2, k=3)
    assert top.tolist()[:3] == full.tolist()[:3]
    allow = np.asarray(sorted(full.tolist())[::2], np.int64)
    allowed, _, _ = index.search(
        "fish market fresh", allow=np.concatenate([allow, [1, 2, 3]]), minimum_match=2
    )
    assert set(allowed.tolist()) == set(allow.tolist()) | ({1, 2, 3} & set(full.tolist()))


def test_only_stopwords_with_and_match_nothing() -> None:
    index = Bm25Index({"body": "word"})
    index.add_many([(i, {"body": "the fish"}) for i in range(3)])
    assert len(index.search("the a", operator="And")[0]) == 0
