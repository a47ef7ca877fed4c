"""BM25F scores against rank-bm25 (single property) and the spec's formula (several properties, boosts)."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kw_reference import WeaviateIdfBM25, reference_bm25f
from rankql.runtime.errors import SearchError
from rankql.runtime.store.bm25 import Bm25Index
from rankql.runtime.store.stopwords import Stopwords
from rankql.runtime.store.tokenizer import tokenize

WORDS = ["apple", "Banana", "cherry", "date", "elder", "fig", "grape", "the", "of", "kiwi", "Lemon"]


def corpus(rng: random.Random, n: int, max_len: int = 12) -> list[str]:
    return [" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, max_len))) for _ in range(n)]


def as_dict(ids: np.ndarray, scores: np.ndarray) -> dict[int, float]:
    return dict(zip(ids.tolist(), scores.tolist(), strict=True))


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize(("k1", "b"), [(1.2, 0.75), (0.9, 0.4), (2.0, 1.0)])
def test_single_property_matches_rank_bm25(seed: int, k1: float, b: float) -> None:
    rng = random.Random(seed)
    texts = corpus(rng, 60)
    index = Bm25Index({"body": "word"}, k1=k1, b=b, stopwords=Stopwords("none"))
    for doc, text in enumerate(texts):
        index.add(doc, {"body": text})
    oracle = WeaviateIdfBM25([tokenize(t) for t in texts], k1=k1, b=b)
    for _ in range(10):
        query = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 4)))
        ids, scores, _ = index.search(query, [("body", 1.0)])
        expected = oracle.scores(tokenize(query))
        want = {d: s for d, s in enumerate(expected) if s != 0}
        got = as_dict(ids, scores)
        assert set(got) == set(want), query
        for doc, score in got.items():
            assert score == pytest.approx(want[doc], rel=1e-5, abs=1e-6)
        # best first, ties by doc id
        keys = list(zip((-scores).tolist(), ids.tolist(), strict=True))
        assert keys == sorted(keys)


def test_negative_idf_is_not_floored() -> None:
    """A term in most documents keeps Weaviate's positive ln(1 + ...) idf, unlike BM25Okapi's floor."""
    index = Bm25Index({"body": "word"}, stopwords=Stopwords("none"))
    texts = ["common rare", "common", "common", "common"]
    for doc, text in enumerate(texts):
        index.add(doc, {"body": text})
    ids, scores, _ = index.search("common", [("body", 1.0)])
    assert ids.tolist() == [1, 2, 3, 0]
    oracle = WeaviateIdfBM25([t.split() for t in texts], k1=1.2, b=0.75)
    assert scores.tolist() == pytest.approx([oracle.scores(["common"])[d] for d in ids.tolist()], rel=1e-6)
    assert all(s > 0 for s in scores)


objects_strategy = st.dictionaries(
    st.integers(0, 40),
    st.fixed_dictionaries(
        {},
        optional={
            "title": st.lists(st.sampled_from(WORDS), max_size=5).map(" ".join),
            "body": st.lists(st.sampled_from(WORDS + ["x-ray", "Fig."]), max_size=15).map(" ".join),
            "tags": st.lists(st.lists(st.sampled_from(WORDS), max_size=3).map(" ".join), max_size=3),
            "code": st.sampled_from(["Apple Pie", "apple pie", " fig ", "kiwi"]),
        },
    ),
    min_size=1,
    max_size=25,
)
FIELDS = {"title": "word", "body": "word", "tags": "word", "code": "field"}


@settings(max_examples=60, deadline=None)
@given(
    objects=objects_strategy,
    query=st.lists(st.sampled_from(WORDS + ["apple pie", "Apple Pie", "kiwi"]), min_size=1, max_size=5).map(
        " ".join
    ),
    boosts=st.dictionaries(st.sampled_from(list(FIELDS)), st.sampled_from([1.0, 2.0, 0.5, 3.0]), min_size=1),
)
def test_multi_property_matches_reference_formula(objects, query, boosts) -> None:
    index = Bm25Index(FIELDS)
    for doc, obj in objects.items():
        index.add(doc, obj)
    ids, scores, explains = index.search(query, list(boosts.items()), explain=True)
    want = reference_bm25f(objects, FIELDS, query, boosts)
    got = as_dict(ids, scores)
    assert set(got) == set(want)
    for doc, score in got.items():
        assert score == pytest.approx(np.float32(want[doc]), rel=1e-5, abs=1e-6)
    assert len(explains) == len(ids)


def test_boost_ranks_title_match_higher() -> None:
    """Spec case 33: the same word in the boosted property scores higher."""
    index = Bm25Index({"question": "word", "answer": "word"})
    index.add(0, {"question": "rice", "answer": "food"})
    index.add(1, {"question": "food", "answer": "rice"})
    ids, scores, _ = index.search("food", [("question", 2.0), ("answer", 1.0)])
    assert ids.tolist() == [1, 0] and scores[0] > scores[1]


def test_duplicate_query_tokens_multiply_idf() -> None:
    index = Bm25Index({"body": "word"})
    for doc, text in enumerate(["red fish", "blue fish", "red red"]):
        index.add(doc, {"body": text})
    _, once, _ = index.search("fish", None)
    _, twice, _ = index.search("fish fish", None)
    assert twice.tolist() == pytest.approx([2 * s for s in once.tolist()], rel=1e-6)


def test_stopwords_removed_from_query_only_for_word_tokenization() -> None:
    index = Bm25Index({"w": "word", "f": "field"})
    index.add(0, {"w": "the cat", "f": "the"})
    index.add(1, {"w": "a dog", "f": "dog"})
    ids, _, _ = index.search("the", [("w", 1.0)])
    assert ids.tolist() == []
    ids, _, _ = index.search("the", [("f", 1.0)])
    assert ids.tolist() == [0]  # field tokens keep stopwords
    # property lengths count stopwords: "the cat" is 2 tokens long
    _, _, explains = index.search("cat", [("w", 1.0)], explain=True)
    assert explains == [", BM25F_cat_frequency:1, BM25F_cat_propLength:2"]


def test_explain_score_format_multi_property() -> None:
    index = Bm25Index({"title": "word", "body": "word"})
    index.add(0, {"title": "Fish soup", "body": "a fish and a FISH"})
    index.add(1, {"title": "bread", "body": "no"})
    ids, _, explains = index.search("fish bread", [("title", 2.0), ("body", 1.0)], explain=True)
    assert ids.tolist() == [0, 1] or ids.tolist() == [1, 0]
    by_doc = dict(zip(ids.tolist(), explains, strict=True))
    # f = 2*1 (title, boosted) + 2 (body); L = 2 + 5
    assert by_doc[0] == ", BM25F_fish_frequency:4, BM25F_fish_propLength:7"
    assert by_doc[1] == ", BM25F_bread_frequency:2, BM25F_bread_propLength:1"


def test_text_array_tokens_are_concatenated() -> None:
    index = Bm25Index({"tags": "word"})
    index.add(0, {"tags": ["red apple", "green apple"]})
    index.add(1, {"tags": ["pear"]})
    _, _, explains = index.search("apple", None, explain=True)
    assert explains == [", BM25F_apple_frequency:2, BM25F_apple_propLength:4"]


def test_k_keeps_every_tie_at_the_cut() -> None:
    index = Bm25Index({"body": "word"})
    for doc, text in enumerate(["best best", "tie", "tie", "tie", "other"]):
        index.add(doc, {"body": text})
    ids, scores, _ = index.search("best tie", None, k=2)
    assert ids.tolist() == [0, 1, 2, 3]
    assert scores[1] == scores[2] == scores[3]
    ids, _, _ = index.search("best tie", None, k=1)
    assert ids.tolist() == [0]


def test_allow_restricts_results_without_changing_scores() -> None:
    index = Bm25Index({"body": "word"})
    for doc, text in enumerate(["cat", "cat dog", "dog", "cat cat"]):
        index.add(doc, {"body": text})
    all_ids, all_scores, _ = index.search("cat", None)
    ids, scores, _ = index.search("cat", None, allow=np.array([1, 2, 3, 99]))
    assert ids.tolist() == [3, 1]
    assert as_dict(ids, scores) == {d: s for d, s in as_dict(all_ids, all_scores).items() if d in (1, 3)}


def test_unknown_property_is_an_error() -> None:
    index = Bm25Index({"body": "word"})
    index.add(0, {"body": "x"})
    with pytest.raises(SearchError, match="requires inverted index"):
        index.search("x", [("title", 1.0)])


def test_zero_boost_still_returns_the_match() -> None:
    index = Bm25Index({"title": "word", "body": "word"})
    index.add(0, {"title": "x", "body": "y"})
    index.add(1, {"title": "z", "body": "x"})
    ids, scores, _ = index.search("x", [("title", 0.0), ("body", 1.0)])
    assert set(ids.tolist()) == {0, 1}
    assert ids.tolist()[0] == 1 and scores[1] == 0


def test_empty_index_and_stopword_only_query() -> None:
    index = Bm25Index({"body": "word"})
    assert index.search("x", None)[0].tolist() == []
    index.add(0, {"body": "the cat"})
    assert index.search("the a", None)[0].tolist() == []
    assert index.search("cat", None, k=0)[0].tolist() == []


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (1, "1"),
        (2.5, "2.5"),
        (0.1, "0.1"),
        (123456, "123456"),
        (1e6, "1e+06"),
        (1234567, "1.234567e+06"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (1 / 3, "0.33333334"),
        (-2, "-2"),
    ],
)
def test_explain_numbers_print_like_go_float32(value: float, text: str) -> None:
    from rankql.runtime.store.bm25_results import format_go_float32

    assert format_go_float32(value) == text
