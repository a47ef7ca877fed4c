"""Query-side BM25 work: query terms, per-term contributions memoised until the next write, their sum."""

from __future__ import annotations

import math

import numpy as np

from .bm25_postings import FieldPostings
from .stopwords import Stopwords
from .tokenizer import count_duplicates, tokenize

EMPTY_DOCS = np.empty(0, np.int64)
EMPTY_VALUES = np.empty(0, np.float64)
_NO_MATCH = (EMPTY_DOCS, EMPTY_VALUES)
_PLAN_LIMIT = 4096  # distinct query texts remembered; the map starts over when full
_PLAN_TEXT_LIMIT = 1000  # characters
_LONG_POSTINGS = 4096  # from here np.add.at beats fancy += (numpy 2)
_BINCOUNT_MAX = 8192  # postings summed by one bincount; longer queries add term by term in place
CACHE_FLOOR = 1 << 21  # float64 values the term cache may hold whatever the index size


class QueryTerms:
    """Query text -> [(term, repeats)] for one tokenization, en stopwords dropped for word; memoised.

    The terms depend only on the text and the stopwords, never on the indexed data, so no write
    invalidates them; repeated queries (a dashboard, a test suite, an eval run) skip tokenizing.
    """

    def __init__(self, stopwords: Stopwords) -> None:
        self.stopwords = stopwords
        self._plans: dict[tuple[str, str], list[tuple[str, int]]] = {}

    def __call__(self, query: str, tokenization: str) -> list[tuple[str, int]]:
        key = (query, tokenization)
        plan = self._plans.get(key)
        if plan is None:
            tokens = tokenize(query, tokenization)
            if tokenization == "word":
                stop = self.stopwords.contains
                tokens = [t for t in tokens if not stop(t)]
            plan = list(zip(*count_duplicates(tokens), strict=True))
            if len(query) <= _PLAN_TEXT_LIMIT:  # a long text is not kept: bounded memory
                if len(self._plans) >= _PLAN_LIMIT:
                    self._plans.clear()
                self._plans[key] = plan
        return plan


class TermCache:
    """term -> (doc ids, idf * f / (f + norm), may_densify) per (property, boost, mean length).

    Dropped on each write. A value array as long as the index (not as its doc ids) is a dense
    vector: a common term, added to the scores without indexing.
    """

    def __init__(self) -> None:
        self.version = -1
        self.tables: dict[tuple[str, float, float], dict[str, tuple]] = {}
        self.size = 0  # float64 values held: store() starts over past max(CACHE_FLOOR, 4 * capacity)

    def table(self, version: int, key: tuple[str, float, float]) -> dict[str, tuple]:
        """The entries of one (property, boost, mean length); every table empties when `version` moves on."""
        if version != self.version:
            self.tables = {}
            self.size = 0
            self.version = version
        table = self.tables.get(key)
        if table is None:
            table = self.tables[key] = {}
        return table

    def store(self, table: dict, term: str, entry: tuple, cap: int) -> None:
        if self.size + len(entry[1]) > max(CACHE_FLOOR, 4 * cap):
            for held in self.tables.values():  # bounded memory: start over rather than grow without limit
                held.clear()
            self.size = 0
        table[term] = entry
        self.size += len(entry[1])

    def lookup(self, table: dict, term: str, compute, cap: int) -> tuple[np.ndarray, np.ndarray, bool]:
        """The entry of `term`, computed on a miss; a long posting list used twice turns dense.

        Entries are (docs, values, may_densify); callers take a hit with may_densify False as is.
        """
        entry = table.get(term)
        if entry is None:
            docs, values = compute(term)
            entry = (docs, values, 8 * len(docs) > cap and len(docs) < cap)
            self.store(table, term, entry, cap)
            return entry
        docs, values, may_densify = entry
        if may_densify:
            dense = np.zeros(cap)
            dense[docs] = values
            entry = table[term] = (docs, dense, False)
            self.size += cap - len(docs)
        return entry


def contribution(
    field: FieldPostings, term: str, weight: float, avg: float, count: int, k1: float, b: float
) -> tuple[np.ndarray, np.ndarray]:
    """(docs, idf * f / (f + k1 * (1 - b + b * len / avg))) of one term in one property."""
    tid = field.vocab.get(term)
    if tid is None or field.df[tid] <= 0:
        return _NO_MATCH
    docs, tfs = field.postings(tid)
    idf = math.log(1.0 + (count - len(docs) + 0.5) / (len(docs) + 0.5))
    # k1 * (1 - b + b * len / avg) computed in place: the same IEEE operations as the plain expression
    norm = field.lengths[docs]
    norm *= b
    norm /= avg
    norm += 1.0 - b
    norm *= k1
    freq = tfs.astype(np.float64) if weight == 1.0 else (tfs * np.float32(weight)).astype(np.float64)
    if weight > 0 and k1 >= 0 and 0 <= b <= 1:  # then f + norm > 0: no 0/0 to guard against
        norm += freq
        values = np.divide(freq, norm, out=norm)
    else:
        values = saturation(freq, norm)
    values *= idf
    return docs, values


def saturation(freq: np.ndarray, norm: np.ndarray) -> np.ndarray:
    """f / (f + norm), and 0 where both are 0 (a zero boost with k1 = 0) rather than NaN."""
    denom = freq + norm
    return np.divide(freq, denom, out=np.zeros_like(denom), where=denom != 0)


def sum_terms(
    entries: list[tuple[np.ndarray, np.ndarray, int]], cap: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """Scores per doc id from [(docs, values, repeats)], added in query-term order.

    Returns (scores, docs): `docs` lists every matched doc (with repeats) when the postings were few
    and summed by one bincount, else None. bincount adds in input order from 0, exactly as
    term-by-term += does, so the float64 sums are identical whatever the path.
    """
    total = 0
    for docs, values, _ in entries:
        if len(values) != len(docs):  # a dense vector
            total = _BINCOUNT_MAX + 1
            break
        total += len(docs)
    if total <= _BINCOUNT_MAX:  # few postings: one call beats several; on long lists the copies cost more
        if len(entries) == 1:
            docs, values, repeats = entries[0]
            return np.bincount(docs, values * repeats if repeats != 1 else values, cap), docs
        docs = np.concatenate([e[0] for e in entries])
        values = np.concatenate([e[1] * e[2] if e[2] != 1 else e[1] for e in entries])
        return np.bincount(docs, values, cap), docs
    scores = np.zeros(cap)
    fresh = True  # nothing added yet: the first sparse term is assigned (0 + v == v) rather than added
    for docs, values, repeats in entries:
        if repeats != 1:
            values = values * repeats
        if len(values) != len(docs):  # dense
            np.add(scores, values, out=scores)
        elif fresh:
            scores[docs] = values
        elif len(docs) > _LONG_POSTINGS:
            np.add.at(scores, docs, values)
        else:
            scores[docs] += values
        fresh = False
    return scores, None
