"""BM25F keyword index with Weaviate's legacy (pre-BlockMax) multi-property scoring, updatable in place."""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ..errors import SearchError
from .bm25_postings import FieldPostings, grow, unique
from .bm25_results import above_kth, top
from .stopwords import Stopwords
from .tokenizer import TOKENIZATIONS, count_duplicates, tokenize, tokenize_value

DEFAULT_PROP_LENGTH = 40.0  # Weaviate's fallback when a property's mean length is unknown
_EMPTY = (np.empty(0, np.int64), np.empty(0, np.float32))


class Bm25Index:
    """Inverted index over a collection's searchable text properties, keyed by dense doc ids."""

    def __init__(
        self,
        fields: dict[str, str],
        k1: float = 1.2,
        b: float = 0.75,
        stopwords: Stopwords | None = None,
    ) -> None:
        for name, tokenization in fields.items():
            if tokenization not in TOKENIZATIONS:
                raise SearchError(
                    f"cannot handle tokenization '{tokenization}' of property '{name}'",
                    hint=f"use one of {', '.join(TOKENIZATIONS)}",
                )
        self.fields = {name: FieldPostings(tok) for name, tok in fields.items()}
        self.k1 = float(k1)
        self.b = float(b)
        self.stopwords = stopwords if stopwords is not None else Stopwords()
        self.alive = np.zeros(0, bool)  # allocated with room to grow; `size` is the part in use
        self.size = 0  # highest doc id ever indexed + 1: the length of every per-doc array a query uses
        self.count = 0
        self.version = 0  # bumps on every write: keys the cached length norms
        self._norms: dict[tuple[str, float], tuple[int, np.ndarray]] = {}
        self._contrib: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}
        self._contrib_size = 0
        self._contrib_version = -1

    def __len__(self) -> int:
        return self.count

    @property
    def capacity(self) -> int:
        return self.size

    # --- writes -------------------------------------------------------------------------

    def _ensure(self, size: int) -> None:
        self.size = max(self.size, size)
        if size > len(self.alive):
            self.alive = grow(self.alive, size, False)
        for field in self.fields.values():
            field.ensure_docs(len(self.alive))

    def add(self, doc_id: int, properties: dict) -> None:
        """Index (or re-index) one object; call it for every object so N counts them all."""
        if doc_id < 0:
            raise ValueError("doc ids are non-negative integers")
        self.remove(doc_id)
        self._ensure(doc_id + 1)
        for name, field in self.fields.items():
            field.add_doc(doc_id, tokenize_value(properties.get(name), field.tokenization))
            if field.needs_compaction():
                field.compact()
        self.alive[doc_id] = True
        self.count += 1
        self.version += 1

    def add_many(self, items: Iterable[tuple[int, dict]]) -> None:
        """Index many objects at once: same result as add() per object, built with array operations."""
        items = list(items)
        if len(items) < 64:
            for doc_id, properties in items:
                self.add(doc_id, properties)
            return
        latest = dict(items)  # a doc id given twice: its last properties win, as with add()
        for doc_id in latest:
            if doc_id < 0:
                raise ValueError("doc ids are non-negative integers")
            self.remove(doc_id)
        docs = list(latest)
        self._ensure(max(docs) + 1)
        for name, field in self.fields.items():
            tok = field.tokenization
            field.add_block(docs, [tokenize_value(latest[d].get(name), tok) for d in docs])
        self.alive[docs] = True
        self.count += len(docs)
        self.version += 1

    def remove(self, doc_id: int) -> None:
        """Forget an object; a no-op when it is not indexed."""
        if doc_id >= len(self.alive) or not self.alive[doc_id]:
            return
        for field in self.fields.values():
            field.remove_doc(doc_id)
            if field.needs_compaction():
                field.compact()
        self.alive[doc_id] = False
        self.count -= 1
        self.version += 1

    def compact(self) -> None:
        """Fold every delta into the frozen arrays (done automatically; save() calls it)."""
        for field in self.fields.values():
            if field.delta_nnz or field.dead:
                field.compact()

    # --- search -------------------------------------------------------------------------

    def _resolve(self, properties: list[tuple[str, float]] | None) -> dict[str, float]:
        if properties is None:
            return dict.fromkeys(self.fields, 1.0)
        boosts: dict[str, float] = {}
        for name, boost in properties:  # a repeated property is scored once, with its last boost
            if name not in self.fields:
                raise SearchError(
                    f"Searching by property '{name}' requires inverted index. Is `indexSearchable` option "
                    f"of property '{name}' enabled? Set it to `true` or leave empty",
                    hint="search only text properties with indexSearchable",
                )
            boosts[name] = float(boost)
        return boosts

    def _norm(self, name: str, avg: float) -> np.ndarray:
        """k1 * (1 - b + b * len / avgLen) per doc for one property, cached until the next write."""
        key = (name, avg)
        cached = self._norms.get(key)
        if cached is not None and cached[0] == self.version:
            return cached[1]
        if len(self._norms) > 64:
            self._norms.clear()
        norm = self.k1 * (1.0 - self.b + self.b * self.fields[name].lengths[: self.size] / avg)
        self._norms[key] = (self.version, norm)
        return norm

    def _contributions(self, name, field, tid, weight, avg) -> tuple[np.ndarray, np.ndarray]:
        """(docs, idf * f / (f + norm)) of one term in one property, memoised until the next write."""
        if self._contrib_version != self.version:
            self._contrib.clear()
            self._contrib_size = 0
            self._contrib_version = self.version
        key = (name, tid, weight, avg)
        cached = self._contrib.get(key)
        if cached is not None:
            docs, values = cached
            if 8 * len(docs) > self.size and len(values) == len(docs) < self.size:
                # a long posting list used twice: keep it as a dense vector, added without indexing
                dense = np.zeros(self.size)
                dense[docs] = values
                self._contrib[key] = (docs, dense)
                self._contrib_size += self.size - len(docs)
                return docs, dense
            return cached
        docs, tfs = field.postings(tid)
        freq = tfs if weight == 1.0 else tfs * np.float32(weight)
        idf = math.log(1.0 + (self.count - len(docs) + 0.5) / (len(docs) + 0.5))
        values = idf * _saturation(freq.astype(np.float64), self._norm(name, avg)[docs])
        if self._contrib_size + len(values) > max(1 << 21, 4 * self.capacity):
            self._contrib.clear()  # bounded memory: start over rather than grow without limit
            self._contrib_size = 0
        self._contrib[key] = (docs, values)
        self._contrib_size += len(values)
        return docs, values

    def search(
        self,
        query: str,
        properties: list[tuple[str, float]] | None = None,
        allow: np.ndarray | None = None,
        k: int | None = None,
        explain: bool = False,
    ) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
        """Docs matching any query term: ids and float32 scores, best first (ties by doc id).

        With k, every doc whose score is >= the k-th best is returned (ties at the cut complete).
        """
        boosts = self._resolve(properties)
        cap = self.capacity
        if self.count == 0 or not boosts or cap == 0 or (k is not None and k <= 0):
            return _EMPTY[0], _EMPTY[1], [] if explain else None
        means = [self.fields[name].mean_length() for name in boosts]
        avg = sum(DEFAULT_PROP_LENGTH if m is None else m for m in means) / len(means)
        groups: dict[str, list[str]] = {}
        for name in boosts:
            groups.setdefault(self.fields[name].tokenization, []).append(name)
        scores = np.zeros(cap)
        hit = np.zeros(cap, bool) if any(w <= 0 for w in boosts.values()) else None
        touched: list[np.ndarray] = []
        matched: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]] = []
        for tokenization, names in groups.items():
            tokens = tokenize(query, tokenization)
            if tokenization == "word":
                tokens = [t for t in tokens if not self.stopwords.contains(t)]
            for term, repeats in zip(*count_duplicates(tokens), strict=True):
                found = self._score_term(term, repeats, names, boosts, avg, scores, explain)
                if found is not None:
                    touched.append(found[1])
                    if hit is not None:
                        hit[found[1]] = True
                    if explain:
                        matched.append(found)
        if allow is not None:
            allow = np.asarray(allow, np.int64)
            allow = allow[(allow >= 0) & (allow < cap)]
            keep = hit[allow] if hit is not None else scores[allow] > 0
            cand = allow[keep & self.alive[allow]]
        elif hit is not None:
            cand = np.flatnonzero(hit & self.alive[:cap])
        elif sum(len(d) for d in touched) * 8 < cap:  # few postings: cheaper than scanning all docs
            cand = unique(np.concatenate(touched)) if touched else _EMPTY[0]
        elif k is not None and cap > 16384 and 4 * k < cap:  # partition beats scanning every match
            cand = above_kth(scores, k)
        else:
            cand = np.flatnonzero(scores > 0)
        return top(cand, scores, k, matched if explain else None, cap)

    def _score_term(self, term, repeats, names, boosts, avg, scores, explain):
        """Add one query term's BM25F contribution to `scores`; (term, docs, f, L) of the docs it is in."""
        fields = self.fields
        parts = [(n, fields[n], fields[n].vocab.get(term)) for n in names]
        parts = [(n, f, tid) for n, f, tid in parts if tid is not None and f.df[tid] > 0]
        if not parts:
            return None
        if len(parts) == 1 and not explain:
            name, field, tid = parts[0]
            docs, values = self._contributions(name, field, tid, boosts[name], avg)
            if repeats != 1:
                values = values * repeats
            if len(values) != len(docs):  # a dense vector: a common term, added without indexing
                np.add(scores, values, out=scores)
            elif len(docs) > 4096:
                np.add.at(scores, docs, values)  # faster than fancy += on long postings (numpy 2)
            else:
                scores[docs] += values
            return term, docs, None, None
        # f and L are summed over the searched properties of d that contain the term (legacy BM25F).
        if len(parts) == 1:
            name, field, tid = parts[0]
            docs, tfs = field.postings(tid)
            freq = tfs * np.float32(boosts[name])
            length = field.lengths[docs].astype(np.float32)
        else:
            freq_all = np.zeros(len(scores), np.float32)
            len_all = np.zeros(len(scores), np.float32)
            seen = np.zeros(len(scores), bool)
            for name, field, tid in parts:
                docs, tfs = field.postings(tid)
                freq_all[docs] += tfs * np.float32(boosts[name])
                len_all[docs] += field.lengths[docs].astype(np.float32)
                seen[docs] = True
            docs = np.flatnonzero(seen)
            freq, length = freq_all[docs], len_all[docs]
        idf = math.log(1.0 + (self.count - len(docs) + 0.5) / (len(docs) + 0.5)) * repeats
        f64 = freq.astype(np.float64)
        norm = self.k1 * (1.0 - self.b + self.b * length.astype(np.float64) / avg)
        scores[docs] += idf * _saturation(f64, norm)
        return term, docs, freq, length

    # --- persistence --------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write the index into `folder` (npz arrays + json, no pickle)."""
        from .bm25_persist import save_index

        save_index(self, Path(folder))

    @classmethod
    def load(cls, folder: Path) -> Bm25Index:
        """Read an index save() wrote; StorageError when the files are missing or damaged."""
        from .bm25_persist import load_index

        return load_index(cls, Path(folder))


def _saturation(freq: np.ndarray, norm: np.ndarray) -> np.ndarray:
    """f / (f + norm), and 0 where both are 0 (a zero boost with k1 = 0) rather than NaN."""
    denom = freq + norm
    return np.divide(freq, denom, out=np.zeros_like(denom), where=denom != 0)
