"""Text filter leaves: the value is tokenized like the property and every token must be present."""

from __future__ import annotations

from functools import reduce

import numpy as np
from rankql.dsl import ast

from ..errors import SearchError
from .filter_columns import TokenIndex, like_regex
from .tokenizer import tokenize, tokenize_with_wildcards

ONLY_STOPWORDS = (
    "invalid search term, only stopwords provided. "
    "Stopwords can be configured in class.invertedIndexConfig.stopwords"
)
_CONTAINS = ("ContainsAny", "ContainsAll", "ContainsNone")
_RANGES = {
    "GreaterThan": lambda term, token: term > token,
    "GreaterThanEqual": lambda term, token: term >= token,
    "LessThan": lambda term, token: term < token,
    "LessThanEqual": lambda term, token: term <= token,
}


def _is_stopword(stopwords: object, token: str) -> bool:
    if stopwords is None:
        return False
    contains = getattr(stopwords, "contains", None)
    return bool(contains(token)) if contains is not None else token in stopwords


def text_leaf(ctx, where: ast.Where, index: TokenIndex, tokenization: str) -> np.ndarray:
    """Mask of the docs a leaf on a text / text[] property selects (ctx is the filter context)."""
    op = where.operator
    stopwords = getattr(ctx.collection, "stopwords", None)

    def tokens_of(value: object, wildcards: bool = False) -> list[str]:
        if not isinstance(value, str):
            raise SearchError(
                f"invalid 'where' filter: valueText must be a string, got {type(value).__name__}"
            )
        tokens = tokenize_with_wildcards(value, tokenization) if wildcards else tokenize(value, tokenization)
        if tokenization == "word":  # stopwords: word tokenization only (docs/search-internals.md)
            tokens = [t for t in tokens if not _is_stopword(stopwords, t)]
        if not tokens:
            raise SearchError(ONLY_STOPWORDS, hint="search for at least one word that is not a stopword")
        return list(dict.fromkeys(tokens))

    def all_of(doc_sets: list[np.ndarray]) -> np.ndarray:
        doc_sets.sort(key=len)
        return ctx.mask(reduce(lambda a, b: np.intersect1d(a, b, assume_unique=True), doc_sets))

    def equal(value: object) -> np.ndarray:
        return all_of([index.docs_of(t) for t in tokens_of(value)])

    if op in _CONTAINS:
        values = list(where.value) if isinstance(where.value, list | tuple) else [where.value]
        masks = [equal(v) for v in values]
        if op == "ContainsAll":
            return np.logical_and.reduce(masks) if masks else ctx.live.copy()
        hits = np.logical_or.reduce(masks) if masks else np.zeros(ctx.size, bool)
        return ctx.live & ~hits if op == "ContainsNone" else hits
    if isinstance(where.value, list | tuple):
        raise SearchError(
            f"invalid 'where' filter: operator {op} takes a single value, got a list",
            hint="use ContainsAny / ContainsAll / ContainsNone for a list of values",
        )
    if op == "Equal":
        return equal(where.value)
    if op == "NotEqual":
        return ctx.live & ~equal(where.value)
    if op == "Like":
        sets = []
        for token in tokens_of(where.value, wildcards=True):
            if "*" in token or "?" in token:
                sets.append(index.docs_matching(like_regex(token).fullmatch))
            else:
                sets.append(index.docs_of(token))
        return all_of(sets)
    if op in _RANGES:
        test = _RANGES[op]
        return all_of([index.docs_matching(lambda term, t=t: test(term, t)) for t in tokens_of(where.value)])
    raise SearchError(f"invalid 'where' filter: operator {op} cannot be used on a text property")
