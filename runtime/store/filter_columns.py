"""Array views of a collection's columns for filters: value elements and text token postings, cached."""

from __future__ import annotations

import operator
import re
import weakref
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from .bm25_postings import unique
from .tokenizer import tokenize_value

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
_EMPTY = np.empty(0, np.int64)


def date_micros(value: datetime) -> int:
    """A datetime as integer microseconds since the epoch (naive means UTC)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - EPOCH) // _MICRO


def is_null(value: object) -> bool:
    """Weaviate's null state: unset, an empty string or an empty array."""
    return value is None or value == "" or (isinstance(value, list | tuple) and len(value) == 0)


def null_mask(column: list) -> np.ndarray:
    """True where a column holds a null (unset, empty string, empty array)."""
    return np.fromiter((is_null(v) for v in column), bool, len(column))


def value_length(value: object) -> int:
    # Characters of a text, elements of an array; unset counts as length 0.
    if value is None:
        return 0
    return len(value) if isinstance(value, str | list | tuple) else 0


class Elements:
    """A non-text column flattened: one (doc, value) pair per scalar or array element."""

    def __init__(self, column: list, base_type: str) -> None:
        docs: list[int] = []
        values: list = []
        convert = _CONVERT[base_type]
        for doc, value in enumerate(column):
            if value is None:
                continue
            if isinstance(value, list | tuple):
                for item in value:
                    if item is not None:
                        docs.append(doc)
                        values.append(convert(item))
            else:
                docs.append(doc)
                values.append(convert(value))
        self.docs = np.asarray(docs, np.int64)
        # At most one value per document (no arrays of several): any subset of docs is already unique.
        self.scalar = bool(np.all(self.docs[1:] > self.docs[:-1]))
        self.values = (
            np.asarray(values, dtype=_DTYPES[base_type]) if values else np.empty(0, _DTYPES[base_type])
        )
        self.size = len(column)
        # A numeric column of single values also lies dense by doc id (zero where unset, `present` says
        # which are set): a comparison over it is the filter's mask, with no scatter of matching ids.
        self.dense: np.ndarray | None = None
        self.present: np.ndarray | None = None
        if self.scalar and self.values.dtype != object:
            self.dense = np.zeros(self.size, self.values.dtype)
            self.dense[self.docs] = self.values
            self.present = np.zeros(self.size, bool)
            self.present[self.docs] = True

    def docs_where(self, test: np.ndarray) -> np.ndarray:
        return self.docs[test] if self.scalar else unique(self.docs[test])


class TokenIndex:
    """term -> sorted doc ids for a text column under one tokenization (a filterable inverted index)."""

    def __init__(self, column: list, tokenization: str) -> None:
        self.size = len(column)
        token_lists = [tokenize_value(value, tokenization) for value in column]
        flat = [t for toks in token_lists for t in toks]
        vocab = {t: i for i, t in enumerate(dict.fromkeys(flat))}
        ids = np.fromiter(map(vocab.__getitem__, flat), np.int64, len(flat))
        sizes = np.fromiter((len(t) for t in token_lists), np.int64, len(token_lists))
        docs = np.repeat(np.arange(len(token_lists), dtype=np.int64), sizes)
        keys = unique(ids * max(self.size, 1) + docs)
        terms, self.docs = np.divmod(keys, max(self.size, 1))
        self.indptr = np.zeros(len(vocab) + 1, np.int64)
        np.cumsum(np.bincount(terms, minlength=len(vocab)), out=self.indptr[1:])
        self.vocab = vocab

    def docs_of(self, token: str) -> np.ndarray:
        tid = self.vocab.get(token)
        if tid is None:
            return _EMPTY
        return self.docs[self.indptr[tid] : self.indptr[tid + 1]]

    def docs_matching(self, test: Callable[[str], bool]) -> np.ndarray:
        """Docs holding any term for which test(term) is true (Like patterns, token ranges)."""
        hits = [self.docs_of(term) for term in self.vocab if test(term)]
        if not hits:
            return _EMPTY
        return unique(np.concatenate(hits))


def like_regex(pattern: str) -> re.Pattern[str]:
    """Weaviate's Like: '?' is exactly one character, '*' any run (also empty); the rest is literal."""
    parts = [".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern]
    return re.compile("".join(parts), re.DOTALL)


_CONVERT: dict[str, Callable] = {
    "int": int,
    "number": float,
    "boolean": bool,
    "date": lambda v: date_micros(v) if isinstance(v, datetime) else date_micros(datetime.fromisoformat(v)),
    "uuid": lambda v: str(v).lower(),
}
_DTYPES = {"int": np.int64, "number": np.float64, "boolean": bool, "date": np.int64, "uuid": object}


class ColumnCache:
    """Views of one collection's columns, rebuilt when column() hands back a different list.

    The store's column(prop) list is cached until a write, so the list's identity is the version.
    """

    _by_collection: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __init__(self) -> None:
        self._views: dict[tuple[str, str], tuple[Any, object]] = {}
        self.uuids: list[str | None] = []

    @classmethod
    def of(cls, collection: object) -> ColumnCache:
        try:
            cache = cls._by_collection.get(collection)
            if cache is None:
                cache = cls._by_collection[collection] = cls()
            return cache
        except TypeError:  # not weak-referenceable: no caching, still correct
            return cls()

    def view(self, column: Any, key: tuple[str, str], build: Callable[[Any], object]) -> object:
        cached = self._views.get(key)
        if cached is not None and cached[0] is column:
            return cached[1]
        view = build(column)
        self._views[key] = (column, view)
        return view


_COMPARE = {
    "Equal": operator.eq,
    "GreaterThan": operator.gt,
    "GreaterThanEqual": operator.ge,
    "LessThan": operator.lt,
    "LessThanEqual": operator.le,
}


def compare(op: str, values: np.ndarray, value: object) -> np.ndarray:
    """Element-wise comparison of a column's values with one filter value; KeyError for another operator."""
    return _COMPARE[op](values, value)
