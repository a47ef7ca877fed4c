"""Postings of one searchable property: a frozen term-major CSR plus a small delta, both updatable in place."""

from __future__ import annotations

import numpy as np

_EMPTY_I = np.empty(0, np.int64)
_EMPTY_I32 = np.empty(0, np.int32)
_EMPTY_F = np.empty(0, np.float32)


def unique_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values and how often each occurs (sort-based: numpy's hashing unique is slow here)."""
    values = np.sort(values)
    if len(values) == 0:
        return values, np.empty(0, np.int64)
    first = np.empty(len(values), bool)
    first[0] = True
    np.not_equal(values[1:], values[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    return values[starts], np.diff(np.append(starts, len(values)))


def unique(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values."""
    values = values.copy()
    values.sort()
    if len(values) < 2:
        return values
    keep = np.empty(len(values), bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def grow(arr: np.ndarray, size: int, fill: object = 0) -> np.ndarray:
    """arr at least `size` long (capacity doubles, so appends stay amortised O(1))."""
    if len(arr) >= size:
        return arr
    capacity = max(size, 2 * len(arr), 16)
    # Zeros come from calloc: the unused tail takes no memory until written (np.full would touch it).
    out = np.zeros(capacity, arr.dtype) if not fill else np.full(capacity, fill, dtype=arr.dtype)
    out[: len(arr)] = arr
    return out


def doc_ids(docs: np.ndarray) -> np.ndarray:
    """Frozen posting doc ids as int32 while they fit (half the memory of int64); int64 past 2**31."""
    return docs.astype(np.int32) if len(docs) == 0 or int(docs.max()) < 2**31 else docs.astype(np.int64)


def runs(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Positions start, start + 1, ..., start + length - 1 of every run, concatenated."""
    total = int(lengths.sum())
    within = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(starts, lengths) + within


class FieldPostings:
    """term -> (doc ids, term frequencies) for one property, with per-document token counts.

    Frozen postings are sorted by (term, doc) in flat arrays; documents added since the last
    compaction sit in per-term Python lists (`delta`). A removed frozen document keeps its
    postings with tf 0 (a tombstone) until the next compaction drops them.

    The forward index (each document's term ids, for removing it) is columnar too: a document of a
    bulk block is a run of `fwd_terms` (`fwd_start`, `fwd_count` by doc id; count 0: no terms), one
    added alone an array in `fwd_extra`. No Python object per document: a bulk import of 100k
    documents held 100k array views here (about 120 bytes each, plus the heap they fragmented).
    """

    MIN_DELTA = 8192  # delta postings (or tombstones) tolerated before a compaction

    def __init__(self, tokenization: str) -> None:
        self.tokenization = tokenization
        self.vocab: dict[str, int] = {}
        self.indptr = np.zeros(1, np.int64)  # frozen CSR over term ids [0, len(indptr) - 1)
        self.docs: np.ndarray = _EMPTY_I32  # int32 while doc ids fit (doc_ids)
        self.tfs = _EMPTY_F
        self.delta: dict[int, tuple[list[int], list[int]]] = {}
        self.delta_nnz = 0
        self.dead = 0  # tombstoned frozen postings
        self.df = np.zeros(0, np.int64)  # live documents containing each term
        self.lengths = np.zeros(0, np.float64)  # token count per doc id (0 when absent)
        self.in_frozen = np.zeros(0, bool)
        self.fwd_terms = _EMPTY_I32  # never changed in place (a snapshot shares it)
        self.fwd_start = np.zeros(0, np.int64)
        self.fwd_count = np.zeros(0, np.int32)
        self.fwd_extra: dict[int, np.ndarray] = {}
        self.fwd_dead = 0  # entries of fwd_terms whose document was removed
        self.len_sum = 0.0
        self.len_count = 0  # documents with at least one token (the mean's denominator)

    # --- sizes --------------------------------------------------------------------------

    @property
    def frozen_nnz(self) -> int:
        return len(self.docs)

    def ensure_docs(self, size: int) -> None:
        self.lengths = grow(self.lengths, size)
        self.in_frozen = grow(self.in_frozen, size, False)
        self.fwd_start = grow(self.fwd_start, size)
        self.fwd_count = grow(self.fwd_count, size)

    def terms_of(self, doc: int) -> np.ndarray | None:
        """The term ids of a live document (None: removed, or no tokens)."""
        extra = self.fwd_extra.get(doc)
        if extra is not None:
            return extra
        if doc >= len(self.fwd_count):
            return None
        count = int(self.fwd_count[doc])
        if not count:
            return None
        start = int(self.fwd_start[doc])
        return self.fwd_terms[start : start + count]

    def forward(self, cap: int) -> tuple[np.ndarray, np.ndarray]:
        """(indptr over doc ids [0, cap), term ids): every document's terms in doc id order."""
        counts = np.zeros(cap, np.int64)
        held = min(cap, len(self.fwd_count))
        counts[:held] = self.fwd_count[:held]
        extra = {d: t for d, t in self.fwd_extra.items() if d < cap}
        for doc, terms in extra.items():
            counts[doc] = len(terms)
        indptr = np.zeros(cap + 1, np.int64)
        np.cumsum(counts, out=indptr[1:])
        out = np.empty(int(indptr[-1]), np.int32)
        if extra:
            counts[list(extra)] = 0  # those are copied below
        sel = np.flatnonzero(counts)
        lengths = counts[sel]
        out[runs(indptr[sel], lengths)] = self.fwd_terms[runs(self.fwd_start[sel], lengths)]
        for doc, terms in extra.items():
            out[indptr[doc] : indptr[doc + 1]] = terms
        return indptr, out

    def mean_length(self) -> float | None:
        return self.len_sum / self.len_count if self.len_count else None

    def term_ids(self, tokens: list[str]) -> np.ndarray:
        vocab = self.vocab
        for token in dict.fromkeys(tokens):  # new terms get the next ids, in first-seen order
            if token not in vocab:
                vocab[token] = len(vocab)
        ids = np.fromiter(map(vocab.__getitem__, tokens), np.int64, len(tokens))
        self.df = grow(self.df, len(vocab))
        return ids

    # --- writes -------------------------------------------------------------------------

    def add_doc(self, doc: int, tokens: list[str]) -> None:
        """Index one document's tokens into the delta (the caller removed any previous version)."""
        if not tokens:
            return
        terms, counts = unique_counts(self.term_ids(tokens))
        self.df[terms] += 1
        delta = self.delta
        get = delta.get
        for term, count in zip(terms.tolist(), counts.tolist(), strict=True):
            lists = get(term)
            if lists is None:
                delta[term] = ([doc], [count])  # int counts: turned into float32 when read
            else:
                doc_list, tf_list = lists
                doc_list.append(doc)
                tf_list.append(count)
        self.delta_nnz += len(terms)
        self._track(doc, terms, len(tokens))

    def _track(self, doc: int, terms: np.ndarray, length: int) -> None:
        self.fwd_extra[doc] = terms.astype(np.int32)
        self.lengths[doc] = length
        self.len_sum += length
        self.len_count += 1

    def remove_doc(self, doc: int) -> None:
        terms = self.terms_of(doc)
        if terms is None:
            return
        if self.in_frozen[doc]:
            indptr, docs = self.indptr, self.docs
            for term in terms.tolist():
                start, end = indptr[term], indptr[term + 1]
                pos = start + np.searchsorted(docs[start:end], doc)
                self.tfs[pos] = 0.0
            self.dead += len(terms)
            self.in_frozen[doc] = False
        else:
            for term in terms.tolist():
                doc_list, tf_list = self.delta[term]
                i = doc_list.index(doc)
                del doc_list[i], tf_list[i]
            self.delta_nnz -= len(terms)
        self.df[terms] -= 1
        self.len_sum -= self.lengths[doc]
        self.len_count -= 1
        self.lengths[doc] = 0.0
        if self.fwd_extra.pop(doc, None) is None:
            self.fwd_count[doc] = 0
            self.fwd_dead += len(terms)

    def add_block(self, docs: list[int], token_lists: list[list[str]]) -> None:
        """Index many new documents at once, straight into the frozen arrays (bulk import)."""
        sizes = np.fromiter(map(len, token_lists), np.int64, len(token_lists))
        self.add_flat(np.asarray(docs, np.int64), [t for toks in token_lists for t in toks], sizes)

    def add_flat(self, docs: np.ndarray, flat: list[str], sizes: np.ndarray) -> None:
        """add_block with the documents' tokens given end to end: `sizes[i]` of them are docs[i]'s."""
        keep = sizes > 0
        doc_ids, sizes = docs[keep], sizes[keep]
        if not len(doc_ids):
            return
        ids = self.term_ids(flat)
        local = np.repeat(np.arange(len(doc_ids), dtype=np.int64), sizes)
        vocab_size = max(len(self.vocab), 1)
        keys, counts = unique_counts(local * vocab_size + ids)
        rows, terms = np.divmod(keys, vocab_size)
        np.add.at(self.df, terms, 1)
        bounds = np.searchsorted(rows, np.arange(len(doc_ids) + 1))
        # The block's term ids go after the forward index's, each document a run of them.
        self.fwd_start[doc_ids] = len(self.fwd_terms) + bounds[:-1]
        self.fwd_count[doc_ids] = np.diff(bounds)
        self.fwd_terms = np.concatenate((self.fwd_terms, terms.astype(np.int32)))
        self.lengths[doc_ids] = sizes
        self.len_sum += float(sizes.sum())  # whole numbers: the same sum as one by one
        self.len_count += len(doc_ids)
        self.compact(extra=(terms, doc_ids[rows], counts.astype(np.float32)))

    # --- reads --------------------------------------------------------------------------

    def postings(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        """Live (doc ids, tfs) of a term: frozen slice (tombstones dropped) plus delta."""
        if term + 1 < len(self.indptr):
            start, end = self.indptr[term], self.indptr[term + 1]
            docs, tfs = self.docs[start:end].astype(np.int64), self.tfs[start:end]
            if self.dead:
                keep = tfs > 0
                docs, tfs = docs[keep], tfs[keep]
        else:
            docs, tfs = _EMPTY_I, _EMPTY_F
        lists = self.delta.get(term)
        if lists and lists[0]:
            docs = np.concatenate((docs, np.asarray(lists[0], np.int64)))
            tfs = np.concatenate((tfs, np.asarray(lists[1], np.float32)))
        return docs, tfs

    # --- maintenance --------------------------------------------------------------------

    def needs_compaction(self) -> bool:
        limit = max(self.MIN_DELTA, self.frozen_nnz // 2)
        return self.delta_nnz > limit or self.dead > limit

    def merged(
        self, extra: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(indptr, docs, tfs) of the frozen arrays with the delta (and `extra`) folded in, tombstones
        dropped; changes nothing, so a checkpoint can write it while queries read the live postings."""
        if extra is None and not self.delta_nnz and not self.dead:
            missing = len(self.vocab) + 1 - len(self.indptr)
            if not missing:
                return self.indptr, self.docs, self.tfs
            # terms that came with documents deleted before any fold: in the vocabulary, with no postings
            return np.append(self.indptr, np.full(missing, self.indptr[-1])), self.docs, self.tfs
        n_terms = len(self.indptr) - 1
        term_parts = [np.repeat(np.arange(n_terms, dtype=np.int64), np.diff(self.indptr))]
        doc_parts, tf_parts = [self.docs], [self.tfs]
        for term, (doc_list, tf_list) in list(self.delta.items()):
            if doc_list:
                term_parts.append(np.full(len(doc_list), term, np.int64))
                doc_parts.append(np.asarray(doc_list, np.int64))
                tf_parts.append(np.asarray(tf_list, np.float32))
        if extra is not None:
            term_parts.append(extra[0])
            doc_parts.append(extra[1])
            tf_parts.append(extra[2])
        terms, docs, tfs = (np.concatenate(p) for p in (term_parts, doc_parts, tf_parts))
        keep = tfs > 0
        terms, docs, tfs = terms[keep], docs[keep], tfs[keep]
        order = np.lexsort((docs, terms))
        vocab_size = len(self.vocab)
        indptr = np.zeros(vocab_size + 1, np.int64)
        np.cumsum(np.bincount(terms, minlength=vocab_size), out=indptr[1:])
        return indptr, doc_ids(docs[order]), tfs[order]

    def compact(self, extra: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> None:
        """Fold the delta (and an optional new block) into the frozen arrays, dropping tombstones."""
        self.indptr, self.docs, self.tfs = self.merged(extra)
        self.in_frozen[:] = False
        self.in_frozen[self.docs] = True
        self.delta = {}
        self.delta_nnz = 0
        self.dead = 0
        if self.fwd_extra or self.fwd_dead * 2 > len(self.fwd_terms):
            self._compact_forward()

    def _compact_forward(self) -> None:
        """One run per live document, in doc id order: the documents added alone folded in, and the
        runs of removed ones dropped."""
        cap = len(self.fwd_count)
        indptr, self.fwd_terms = self.forward(cap)
        self.fwd_start = indptr[:-1].copy()
        self.fwd_count = np.diff(indptr).astype(np.int32)
        self.fwd_extra = {}
        self.fwd_dead = 0
