"""BM25F keyword index with Weaviate's legacy (pre-BlockMax) multi-property scoring, updatable in place."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from ..errors import SearchError
from .bm25_and_cross import and_cross
from .bm25_postings import FieldPostings, grow, unique
from .bm25_results import candidates, top
from .bm25_terms import QueryTerms, TermCache, contribution, saturation, sum_terms
from .stopwords import Stopwords
from .tokenizer import TOKENIZATIONS, tokenize_value

SMALL_BATCH_SHARE = 1000  # add_many goes object by object below 1/1000 of the frozen postings
DEFAULT_PROP_LENGTH = 40.0  # Weaviate's fallback when a property's mean length is unknown
_EMPTY = (np.empty(0, np.int64), np.empty(0, np.float32))


class BatchTokens:
    """The tokens of a batch's documents (`docs`, in order), per searchable property end to end with
    each document's count: no list or dict per document (a batch of 100k objects made 200k of them, and
    they scattered through the heap between the objects the batch keeps). Equal tokens are one string."""

    def __init__(self, docs: list[int], flat: dict[str, list[str]], sizes: dict[str, np.ndarray]) -> None:
        self.docs = docs
        self.flat = flat
        self.sizes = sizes
        self._at: dict[int, int] | None = None
        self._bounds: dict[str, list[int]] = {}

    def of(self, doc: int) -> dict[str, list[str]] | None:
        """One document's tokens by property, as Bm25Index.tokenize makes them (None: not in the batch)."""
        if self._at is None:
            self._at = {d: i for i, d in enumerate(self.docs)}
        i = self._at.get(doc)
        if i is None:
            return None
        out = {}
        for name, flat in self.flat.items():
            bounds = self._bounds.get(name)
            if bounds is None:
                bounds = self._bounds[name] = [0, *np.cumsum(self.sizes[name]).tolist()]
            out[name] = flat[bounds[i] : bounds[i + 1]]
        return out


def not_searchable(name: str) -> SearchError:
    """Weaviate's error for a bm25 property without a searchable inverted index."""
    return SearchError(
        f"Searching by property '{name}' requires inverted index. Is `indexSearchable` option "
        f"of property '{name}' enabled? Set it to `true` or leave empty",
        hint="search only text properties with indexSearchable",
    )


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
        self.version = 0  # bumps on every write: drops the memoised term contributions
        self._cache = TermCache()
        self._terms = QueryTerms(self.stopwords)

    def __len__(self) -> int:
        return self.count

    def add_field(self, name: str, tokenization: str) -> None:
        """A new searchable property, empty for every document indexed so far."""
        field = FieldPostings(tokenization)
        field.ensure_docs(len(self.alive))
        self.fields[name] = field
        self.version += 1

    def set_parameters(self, k1: float, b: float, stopwords: Stopwords) -> None:
        """New k1, b and stopwords (read at query time only): the memoised contributions and query terms
        made with the old ones are dropped."""
        self.k1, self.b = float(k1), float(b)
        self.stopwords = stopwords
        self._cache = TermCache()
        self._terms = QueryTerms(stopwords)

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

    def add(self, doc_id: int, properties: dict, tokens: dict[str, list[str]] | None = None) -> None:
        """Index (or re-index) one object; call it for every object so N counts them all.

        `tokens` may hold tokenize(properties), made beforehand.
        """
        if doc_id < 0:
            raise ValueError("doc ids are non-negative integers")
        self.remove(doc_id)
        self._ensure(doc_id + 1)
        for name, field in self.fields.items():
            made = (
                tokens[name]
                if tokens is not None
                else tokenize_value(properties.get(name), field.tokenization)
            )
            field.add_doc(doc_id, made)
            if field.needs_compaction():
                field.compact()
        self.alive[doc_id] = True
        self.count += 1
        self.version += 1

    def tokenize(self, properties: dict) -> dict[str, list[str]]:
        """The tokens add() indexes for one object."""
        return {n: tokenize_value(properties.get(n), f.tokenization) for n, f in self.fields.items()}

    def tokenize_batch(self, docs: list[int], properties: list[dict]) -> BatchTokens:
        """The tokens add_many indexes for these objects; reads no index state, so a writer can run it
        before its commit while queries read the index."""
        shared: dict[str, str] = {}
        one = shared.setdefault
        flat: dict[str, list[str]] = {}
        sizes: dict[str, np.ndarray] = {}
        for name, field in self.fields.items():
            out: list[str] = []
            counts = []
            for props in properties:
                made = tokenize_value(props.get(name), field.tokenization)
                counts.append(len(made))
                out.extend([one(t, t) for t in made])
            flat[name] = out
            sizes[name] = np.asarray(counts, np.int64)
        return BatchTokens(docs, flat, sizes)

    def add_many(self, items: Iterable[tuple[int, dict]], tokens: BatchTokens | None = None) -> None:
        """Index many objects at once: same result as add() per object, built with array operations.

        `tokens` (tokenize_batch of some of the objects) may hold the tokens already made.
        """
        items = list(items)
        frozen = sum(field.frozen_nnz for field in self.fields.values())
        # A block merges into the frozen arrays by re-sorting all of them; a batch small beside them goes
        # into the delta object by object (a 100-object batch into 100,000 objects: 55 ms -> a few ms).
        if len(items) < 64 or len(items) * SMALL_BATCH_SHARE < frozen:
            for doc_id, properties in items:
                self.add(doc_id, properties, tokens.of(doc_id) if tokens is not None else None)
            return
        latest = dict(items)  # a doc id given twice: its last properties win, as with add()
        for doc_id in latest:
            if doc_id < 0:
                raise ValueError("doc ids are non-negative integers")
            self.remove(doc_id)
        docs = list(latest)
        self._ensure(max(docs) + 1)
        if tokens is not None and tokens.docs == docs:  # the writer's case: the batch's tokens end to end
            for name, field in self.fields.items():
                field.add_flat(np.asarray(docs, np.int64), tokens.flat[name], tokens.sizes[name])
        else:
            for name, field in self.fields.items():
                lists = []
                for d in docs:
                    made = tokens.of(d) if tokens is not None else None
                    lists.append(
                        made[name]
                        if made is not None
                        else tokenize_value(latest[d].get(name), field.tokenization)
                    )
                field.add_block(docs, lists)
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
                raise not_searchable(name)
            boosts[name] = float(boost)
        return boosts

    def search(
        self,
        query: str,
        properties: list[tuple[str, float]] | None = None,
        allow: np.ndarray | None = None,
        k: int | None = None,
        explain: bool = False,
        operator: str = "Or",
        minimum_match: int = 0,
    ) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
        """Docs matching the query terms: ids and float32 scores, best first (ties by doc id).

        With k, every doc whose score is >= the k-th best is returned (ties at the cut complete).
        `operator` "And" keeps the docs that hold every query term, "Or" those that hold at least
        `minimum_match` of them (Weaviate's bm25 searchOperator; see `_minimum_terms`).
        """
        cap = self.size
        if operator in ("And", "AndCross") or minimum_match > 1:
            boosts = self._resolve(properties)
            if self.count == 0 or not boosts or cap == 0 or (k is not None and k <= 0):
                return _EMPTY[0], _EMPTY[1], [] if explain else None
            return self._search_many(query, boosts, allow, k, explain, cap, operator, minimum_match)
        if properties is not None and len(properties) == 1 and not explain and self.count:
            name, weight = properties[0]  # the common case, checked without building the boosts map
            weight = float(weight)
            if weight > 0 and name in self.fields and (k is None or k > 0):
                return self._search_one(query, name, weight, allow, k, cap)
        boosts = self._resolve(properties)
        if self.count == 0 or not boosts or cap == 0 or (k is not None and k <= 0):
            return _EMPTY[0], _EMPTY[1], [] if explain else None
        if len(boosts) == 1 and not explain:
            ((name, weight),) = boosts.items()
            if weight > 0:
                return self._search_one(query, name, weight, allow, k, cap)
        return self._search_many(query, boosts, allow, k, explain, cap)

    def _query_terms(self, query: str, tokenization: str) -> list[tuple[str, int]]:
        if self._terms.stopwords is not self.stopwords:  # stopwords replaced: remembered terms are stale
            self._terms = QueryTerms(self.stopwords)
        return self._terms(query, tokenization)

    def _avg(self, names) -> float:
        """The mean property length BM25F normalises by: the mean over the searched properties."""
        means = [self.fields[name].mean_length() for name in names]
        return sum(DEFAULT_PROP_LENGTH if m is None else m for m in means) / len(means)

    def _lookup(self, table: dict, name: str, term: str, weight: float, avg: float, cap: int):
        """(docs, values, may_densify) of a term: the memoised contribution, computed on a miss."""
        field = self.fields[name]
        return self._cache.lookup(
            table, term, lambda t: contribution(field, t, weight, avg, self.count, self.k1, self.b), cap
        )

    def _search_one(self, query, name, weight, allow, k, cap):
        """The common case, one property with a positive boost and no explain: memoised terms, one sum."""
        field = self.fields[name]
        mean = field.mean_length()
        avg = DEFAULT_PROP_LENGTH if mean is None else mean
        table = self._cache.table(self.version, (name, weight, avg))
        entries = []
        for term, repeats in self._query_terms(query, field.tokenization):
            entry = table.get(term)
            if entry is None or entry[2]:
                entry = self._lookup(table, name, term, weight, avg, cap)
            if len(entry[0]):
                entries.append((entry[0], entry[1], repeats))
        if not entries:
            return _EMPTY[0], _EMPTY[1], None
        scores, docs = sum_terms(entries, cap)
        if allow is not None:
            return top(self._allowed(allow, scores, None, cap), scores, k, None, cap)
        if docs is not None and len(docs) * 8 < cap:  # few postings: cheaper than scanning all docs
            return top(unique(docs), scores, k, None, cap, ascending=True)
        return top(candidates(scores, k), scores, k, None, cap, ascending=True)

    def _allowed(self, allow: np.ndarray, scores: np.ndarray, hit: np.ndarray | None, cap: int) -> np.ndarray:
        """The allowed live docs that match: a positive score, or any term when a boost is zero."""
        allow = np.asarray(allow, np.int64)
        allow = allow[(allow >= 0) & (allow < cap)]
        keep = hit[allow] if hit is not None else scores[allow] > 0
        return allow[keep & self.alive[allow]]

    def _enough_terms(self, query: str, groups: dict[str, list[str]], operator: str, minimum: int, cap: int):
        """Docs that hold enough query terms for the search operator, or None when any term will do.

        As Weaviate's BlockMax WAND search counts them (adapters/repos/db/inverted/bm25_searcher_block.go):
        property by property, a doc must hold every distinct non-stopword query term of that property's
        tokenization (And) or at least `minimum` of them (Or); holding enough in one property is enough."""
        if operator == "AndCross":
            return and_cross(self, query, groups, cap)
        needs = {t: len(self._query_terms(query, t)) if operator == "And" else minimum for t in groups}
        if all(n <= 1 for n in needs.values()) and operator != "And":
            return None
        enough = np.zeros(cap, bool)
        for tokenization, names in groups.items():
            terms = self._query_terms(query, tokenization)
            need = needs[tokenization]
            if not terms or need > len(terms):
                continue  # no property of this tokenization can hold enough terms
            for name in names:
                field = self.fields[name]
                counts = np.zeros(cap, np.int32)
                for term, _ in terms:
                    tid = field.vocab.get(term)
                    if tid is not None and field.df[tid] > 0:
                        counts[field.postings(tid)[0]] += 1
                enough |= counts >= max(need, 1)
        return enough & self.alive[:cap]

    def _search_many(self, query, boosts, allow, k, explain, cap, operator="Or", minimum_match=0):
        """Several properties, a zero or negative boost, explain or a search operator: term by term
        with (f, L) per doc."""
        avg = self._avg(boosts)
        groups: dict[str, list[str]] = {}
        for name in boosts:
            groups.setdefault(self.fields[name].tokenization, []).append(name)
        enough = self._enough_terms(query, groups, operator, minimum_match, cap)
        scores = np.zeros(cap)
        hit = np.zeros(cap, bool) if any(w <= 0 for w in boosts.values()) else None
        touched: list[np.ndarray] = []
        matched: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]] = []
        for tokenization, names in groups.items():
            for term, repeats in self._query_terms(query, tokenization):
                found = self._score_term(term, repeats, names, boosts, avg, scores, explain)
                if found is not None:
                    touched.append(found[1])
                    if hit is not None:
                        hit[found[1]] = True
                    if explain:
                        matched.append(found)
        if enough is not None:
            cand = np.flatnonzero(enough)
            if allow is not None:
                cand = np.intersect1d(cand, np.asarray(allow, np.int64))
        elif allow is not None:
            cand = self._allowed(allow, scores, hit, cap)
        elif hit is not None:
            cand = np.flatnonzero(hit & self.alive[:cap])
        elif sum(len(d) for d in touched) * 8 < cap:  # few postings: cheaper than scanning all docs
            cand = unique(np.concatenate(touched)) if touched else _EMPTY[0]
        else:
            cand = candidates(scores, k)
        return top(cand, scores, k, matched if explain else None, cap)

    def _score_term(self, term, repeats, names, boosts, avg, scores, explain):
        """Add one query term's BM25F contribution to `scores`; (term, docs, f, L) of the docs it is in."""
        fields = self.fields
        parts = [(n, fields[n], fields[n].vocab.get(term)) for n in names]
        parts = [(n, f, tid) for n, f, tid in parts if tid is not None and f.df[tid] > 0]
        if not parts:
            return None
        if len(parts) == 1 and not explain:
            name = parts[0][0]
            table = self._cache.table(self.version, (name, boosts[name], avg))
            docs, values, _ = self._lookup(table, name, term, boosts[name], avg, len(scores))
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
        scores[docs] += idf * saturation(f64, norm)
        return term, docs, freq, length
