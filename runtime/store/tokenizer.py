"""Weaviate's text tokenizations (word, lowercase, whitespace, field, trigram) for indexing and filters."""

from __future__ import annotations

import re
from collections.abc import Iterable

TOKENIZATIONS = ("word", "lowercase", "whitespace", "field", "trigram")

# A run of Unicode letters or numbers: Python's \w minus the underscore, which is Go's
# unicode.IsLetter || unicode.IsNumber as Weaviate's word tokenizer uses it.
_WORD = re.compile(r"[^\W_]+")
# The same, keeping the Like wildcards inside tokens.
_WORD_WILDCARD = re.compile(r"(?:[^\W_]|[?*])+")
_NOT_ALNUM = re.compile(r"[\W_]+")
# ASCII fast path of the word split: every non-alphanumeric ASCII character becomes a space.
_ASCII_SEPARATORS = {i: " " for i in range(128) if not chr(i).isalnum()}


def _lower(text: str) -> str:
    # Go maps U+0130 (capital I with dot) to a plain "i"; Python would add a combining dot,
    # which the word split would then cut off as a separator.
    return text.replace("\u0130", "i").lower()


def _trigrams(joined: str) -> list[str]:
    return [joined[i : i + 3] for i in range(len(joined) - 2)]


def tokenize(text: str, tokenization: str = "word") -> list[str]:
    """Split one text value into index terms the way the property's tokenization does."""
    if tokenization == "word":
        if text.isascii():
            return text.lower().translate(_ASCII_SEPARATORS).split()
        return _WORD.findall(_lower(text))
    if tokenization == "lowercase":
        return _lower(text).split()
    if tokenization == "whitespace":
        return text.split()
    if tokenization == "field":
        # Weaviate keeps an empty field as the token ""; an empty value counts as null here.
        value = text.strip()
        return [value] if value else []
    if tokenization == "trigram":
        return _trigrams(_NOT_ALNUM.sub("", _lower(text)))
    raise ValueError(f"unknown tokenization {tokenization!r}; use one of {', '.join(TOKENIZATIONS)}")


def tokenize_with_wildcards(text: str, tokenization: str = "word") -> list[str]:
    """Tokenize a Like pattern: as tokenize, but '?' and '*' stay inside the tokens."""
    if tokenization == "word":
        return _WORD_WILDCARD.findall(_lower(text))
    if tokenization == "trigram":
        return _trigrams("".join(_WORD_WILDCARD.findall(_lower(text))))
    return tokenize(text, tokenization)


def tokenize_value(value: object, tokenization: str = "word") -> list[str]:
    """Tokens of a stored text or text[] value: the elements' tokens concatenated, as Weaviate does."""
    if value is None:
        return []
    if isinstance(value, str):
        return tokenize(value, tokenization)
    if isinstance(value, Iterable):
        out: list[str] = []
        for item in value:
            if isinstance(item, str):
                out.extend(tokenize(item, tokenization))
        return out
    return []


def count_duplicates(tokens: list[str]) -> tuple[list[str], list[int]]:
    """Unique tokens in first-seen order with how often each occurs (the query's duplicate boost)."""
    if len(set(tokens)) == len(tokens):
        return tokens, [1] * len(tokens)
    counts: dict[str, int] = {}
    for token in tokens:
        counts[token] = counts.get(token, 0) + 1
    return list(counts), list(counts.values())
