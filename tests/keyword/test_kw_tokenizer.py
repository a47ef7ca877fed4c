"""Weaviate's tokenizations (entities/tokenizer) and stopword sets (adapters/repos/db/inverted/stopwords)."""

from __future__ import annotations

import pytest
from rankql.runtime.errors import SchemaError
from rankql.runtime.store.stopwords import EN, Stopwords
from rankql.runtime.store.tokenizer import count_duplicates, tokenize, tokenize_value, tokenize_with_wildcards


@pytest.mark.parametrize(
    ("text", "tokenization", "expected"),
    [
        ("Hello, World! It's 4x4_drive", "word", ["hello", "world", "it", "s", "4x4", "drive"]),
        ("Café Ünïcode naïve ½ ² 中文", "word", ["café", "ünïcode", "naïve", "½", "²", "中文"]),
        ("İstanbul ÇAĞ", "word", ["istanbul", "çağ"]),
        ("e-mail x@y.com", "word", ["e", "mail", "x", "y", "com"]),
        ("Hello, World!  It's\tHere", "lowercase", ["hello,", "world!", "it's", "here"]),
        ("Hello, World!\u00a0X", "whitespace", ["Hello,", "World!", "X"]),
        ("  New York Times \n", "field", ["New York Times"]),
        ("   ", "field", []),
        ("Hi, Joe!", "trigram", ["hij", "ijo", "joe"]),
        ("ab", "trigram", []),
        ("", "word", []),
    ],
)
def test_tokenizations(text: str, tokenization: str, expected: list[str]) -> None:
    assert tokenize(text, tokenization) == expected


def test_unknown_tokenization() -> None:
    with pytest.raises(ValueError, match="unknown tokenization 'gse'"):
        tokenize("x", "gse")


def test_wildcards_stay_in_like_tokens() -> None:
    assert tokenize_with_wildcards("Car? *car* new-york", "word") == ["car?", "*car*", "new", "york"]
    assert tokenize_with_wildcards("Ca*", "field") == ["Ca*"]
    assert tokenize_with_wildcards("ab*c", "trigram") == ["ab*", "b*c"]


def test_text_arrays_concatenate_element_tokens() -> None:
    assert tokenize_value(["Red apple", "", "green"], "word") == ["red", "apple", "green"]
    assert tokenize_value(["Red apple", "green"], "field") == ["Red apple", "green"]
    assert tokenize_value(None, "word") == []
    assert tokenize_value(42, "word") == []


def test_duplicates_counted_in_first_seen_order() -> None:
    assert count_duplicates(["b", "a", "b", "b"]) == (["b", "a"], [3, 1])


def test_en_preset_is_weaviates_list() -> None:
    assert len(EN) == 33 and {"a", "the", "with", "will", "into", "such"} <= EN
    assert "with" in Stopwords() and "with" not in Stopwords("none")


def test_additions_and_removals() -> None:
    words = Stopwords("en", additions=["Foo"], removals=["the"])
    assert words.contains("foo") and not words.contains("the") and words.contains("a")
    assert Stopwords.from_config(words.to_config()) == words
    assert Stopwords.from_config(None) == Stopwords()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"preset": "de"}, "invalid stopwords preset 'de'"),
        (
            {"additions": ["x"], "removals": ["x"]},
            "found 'x' in both stopwords.additions and stopwords.removals",
        ),
        ({"additions": "abc"}, "must be a list of strings"),
    ],
)
def test_bad_stopword_config(kwargs: dict, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        Stopwords(**kwargs)
