"""Array views of a collection's columns for filters: value elements and text token postings, cached."""

from __future__ import annotations

import copy
import operator
import re
import threading
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


class NullMask:
    """null_mask of a column, extended as the column grows (ColumnCache)."""

    def __init__(self, column: list, _rows: _Rows | None = None) -> None:
        self._rows = _Rows.of(null_mask(column)) if _rows is None else _rows
        self.size = len(column)
        self.mask = self._rows.prefix(self.size)

    def extended(self, column: list) -> NullMask:
        tail = null_mask(column[self.size :])
        return NullMask(column, self._rows.append(self.size, tail))


class _Rows:
    """An array with room to grow, shared by successive versions of a view: each version reads its own
    prefix, and appends in place only when it ends where the stored rows end (else a copy), so that an
    older version, still held by a query, never sees its rows change."""

    __slots__ = ("data", "used")

    def __init__(self, data: np.ndarray, used: int) -> None:
        self.data = data
        self.used = used

    @classmethod
    def of(cls, array: np.ndarray) -> _Rows:
        return cls(array, len(array))

    def prefix(self, end: int) -> np.ndarray:
        view = self.data[:end]
        view.flags.writeable = False
        return view

    def append(self, seen: int, tail: np.ndarray) -> _Rows:
        """Rows holding this one's first `seen` rows, then `tail`."""
        end = seen + len(tail)
        if self.used != seen:  # another version appended after `seen`: keep its rows, copy
            data = np.empty(end + end // 4 + 16, self.data.dtype)
            data[:seen] = self.data[:seen]
            rows = _Rows(data, seen)
        else:
            rows = self
            if end > len(self.data):  # room for a quarter more; older views keep the old array
                data = np.empty(end + end // 4 + 16, self.data.dtype)
                data[:seen] = self.data[:seen]
                self.data = data
        rows.data[seen:end] = tail
        rows.used = end
        return rows


def value_length(value: object) -> int:
    # Characters of a text, elements of an array; unset counts as length 0.
    if value is None:
        return 0
    return len(value) if isinstance(value, str | list | tuple) else 0


def _flatten(column: list, start: int, convert: Callable) -> tuple[list[int], list]:
    """(doc, value) pairs of column[start:], one per scalar or array element, in doc order."""
    docs: list[int] = []
    values: list = []
    for doc in range(start, len(column)):
        value = column[doc]
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
    return docs, values


class Elements:
    """A non-text column flattened: one (doc, value) pair per scalar or array element.

    Extended (ColumnCache) as the column grows: a dropped doc's pairs stay, as every filter masks by
    the live ids at the end.
    """

    def __init__(self, column: list, base_type: str) -> None:
        docs, values = _flatten(column, 0, _CONVERT[base_type])
        dtype = _DTYPES[base_type]
        starts = np.asarray(docs, np.int64)
        # At most one value per document (no arrays of several): any subset of docs is already unique.
        scalar = bool(np.all(starts[1:] > starts[:-1]))
        self._set(
            column,
            base_type,
            scalar,
            _Rows.of(starts),
            _Rows.of(np.asarray(values, dtype=dtype) if values else np.empty(0, dtype)),
            None,
            None,
        )

    def _set(
        self,
        column: list,
        base_type: str,
        scalar: bool,
        docs: _Rows,
        values: _Rows,
        dense: _Rows | None,
        present: _Rows | None,
    ) -> None:
        self.base_type = base_type
        self._docs, self._values = docs, values
        self.docs = docs.prefix(docs.used)
        self.values = values.prefix(values.used)
        self.scalar = scalar
        self.size = len(column)
        # A numeric column of single values also lies dense by doc id (zero where unset, `present` says
        # which are set): a comparison over it is the filter's mask, with no scatter of matching ids.
        self.dense: np.ndarray | None = None
        self.present: np.ndarray | None = None
        self._dense, self._present = dense, present
        if self.scalar and self.values.dtype != object:
            if dense is None or present is None:
                full = np.zeros(self.size, self.values.dtype)
                full[self.docs] = self.values
                seen = np.zeros(self.size, bool)
                seen[self.docs] = True
                self._dense, self._present = _Rows.of(full), _Rows.of(seen)
            assert self._dense is not None and self._present is not None
            self.dense = self._dense.prefix(self.size)
            self.present = self._present.prefix(self.size)

    def extended(self, column: list) -> Elements:
        """These elements and those of the docs appended to `column` since (a new object: this one stays
        as it is for the queries that hold it)."""
        start = self.size
        docs, values = _flatten(column, start, _CONVERT[self.base_type])
        new_docs = np.asarray(docs, np.int64)
        new_values = np.asarray(values, dtype=self.values.dtype) if values else self.values[:0]
        out = Elements.__new__(Elements)
        dense = present = None
        scalar = self.scalar and bool(np.all(new_docs[1:] > new_docs[:-1]))
        if scalar and self._dense is not None and self._present is not None:
            full = np.zeros(len(column) - start, self.values.dtype)
            full[new_docs - start] = new_values
            seen = np.zeros(len(column) - start, bool)
            seen[new_docs - start] = True
            dense, present = self._dense.append(start, full), self._present.append(start, seen)
        out._set(
            column,
            self.base_type,
            scalar,
            self._docs.append(len(self.docs), new_docs),
            self._values.append(len(self.values), new_values),
            dense,
            present,
        )
        return out

    def docs_where(self, test: np.ndarray) -> np.ndarray:
        return self.docs[test] if self.scalar else unique(self.docs[test])


class _TokenTail:
    """term -> doc ids of the docs a TokenIndex added after it was built, in doc order; shared by the
    successive versions of the index (each reads the docs below its own size), appended to by the latest."""

    __slots__ = ("terms", "size", "entries")

    def __init__(self, size: int) -> None:
        self.terms: dict[str, list[int]] = {}
        self.size = size  # docs seen by the latest version
        self.entries = 0


class TokenIndex:
    """term -> sorted doc ids for a text column under one tokenization (a filterable inverted index).

    Extended (ColumnCache) as the column grows: the new docs' terms go to a tail, merged into the arrays
    once it holds an eighth as many entries; a dropped doc's entries stay, as every filter masks by the
    live ids.
    """

    def __init__(self, column: list, tokenization: str) -> None:
        self.size = len(column)
        self.tokenization = tokenization
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
        self.built = self.size  # docs in the arrays; those from here to size are in the tail
        self._tail = _TokenTail(self.size)

    def docs_of(self, token: str) -> np.ndarray:
        tid = self.vocab.get(token)
        found = _EMPTY if tid is None else self.docs[self.indptr[tid] : self.indptr[tid + 1]]
        if self.size == self.built:
            return found
        more = self._tail.terms.get(token)
        if not more:
            return found
        extra = np.asarray(more, np.int64)
        extra = extra[: int(np.searchsorted(extra, self.size))]  # a later version's docs are not ours
        return np.concatenate((found, extra)) if len(found) else extra

    def docs_matching(self, test: Callable[[str], bool]) -> np.ndarray:
        """Docs holding any term for which test(term) is true (Like patterns, token ranges)."""
        terms = list(self.vocab)
        if self.size != self.built:
            terms += [t for t in list(self._tail.terms) if t not in self.vocab]
        hits = [self.docs_of(term) for term in terms if test(term)]
        if not hits:
            return _EMPTY
        return unique(np.concatenate(hits))

    def extended(self, column: list) -> TokenIndex:
        """This index and the terms of the docs appended to `column` since (a new object: this one stays
        as it is for the queries that hold it)."""
        tail = self._tail
        if tail.size != self.size:  # a later version appended already: not in place
            return TokenIndex(column, self.tokenization)
        for doc in range(self.size, len(column)):
            for token in dict.fromkeys(tokenize_value(column[doc], self.tokenization)):
                tail.terms.setdefault(token, []).append(doc)
                tail.entries += 1
        out = copy.copy(self)
        out.size = tail.size = len(column)
        return out._merged() if tail.entries > max(1024, len(self.docs) // 8) else out

    def _merged(self) -> TokenIndex:
        """The same index with its tail in the arrays (no text tokenized again)."""
        vocab = dict(self.vocab)
        items = list(self._tail.terms.items())
        for term, _ in items:
            vocab.setdefault(term, len(vocab))
        old_terms = len(self.vocab)
        counts = np.zeros(len(vocab), np.int64)
        counts[:old_terms] = np.diff(self.indptr)
        tids = np.fromiter((vocab[t] for t, _ in items), np.int64, len(items))
        added = np.zeros(len(vocab), np.int64)
        added[tids] = [len(d) for _, d in items]
        indptr = np.zeros(len(vocab) + 1, np.int64)
        np.cumsum(counts + added, out=indptr[1:])
        docs = np.empty(int(indptr[-1]), np.int64)
        # Each old entry moves by how many tail entries the terms before its own (and none of its) got
        term_of = np.repeat(np.arange(old_terms), counts[:old_terms])
        shift = indptr[:old_terms] - self.indptr[:-1]
        docs[np.arange(len(self.docs)) + shift[term_of]] = self.docs
        for (_, more), tid in zip(items, tids.tolist(), strict=True):
            start = int(indptr[tid] + counts[tid])
            docs[start : start + len(more)] = more
        out = copy.copy(self)
        out.vocab, out.indptr, out.docs = vocab, indptr, docs
        out.built = self.size
        out._tail = _TokenTail(self.size)
        return out


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
    """Views of one collection's columns, kept while column() hands back the same list.

    The store's column(prop) list stays the same across writes that only add doc ids and drop old ones
    (objects.ObjectTable.column): a live doc's value never changes in it, and a view of a shorter list is
    extended with the new docs (its `extended`) or built again. A dropped doc's values may stay in a
    view: every filter masks by the live ids.
    """

    _by_collection: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def __init__(self) -> None:
        self._views: dict[tuple[str, str], tuple[Any, int, object]] = {}
        self._lock = threading.Lock()  # queries share the views across threads; one extends a view
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
        size = len(column)
        cached = self._views.get(key)
        if cached is not None and cached[0] is column:
            if cached[1] == size:
                return cached[2]
            extend = getattr(cached[2], "extended", None)
            if extend is not None and cached[1] < size:
                with self._lock:  # one extension at a time; another thread may have done it meanwhile
                    cached = self._views.get(key)
                    if cached is not None and cached[0] is column and cached[1] <= size:
                        view = cached[2] if cached[1] == size else cached[2].extended(column)  # type: ignore[attr-defined]
                        self._views[key] = (column, size, view)
                        return view
        view = build(column)
        self._views[key] = (column, size, view)
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
