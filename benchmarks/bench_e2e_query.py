"""Queries end to end through db.query against the raw libraries, on synthetic clustered 384-d vectors.

One function per section; each prints its figure beside its target and the figure it replaces (the
measurement before the binder's fast paths, 20k objects, on this 2-core machine). Timings are ratios
from one interleaved run: the two sides alternate in blocks of queries, which side goes first alternates
too, and the median of the per-block ratios is printed, so that bursts of load from other processes hit
both alike.

The data: 20k objects (--quick: 4k) with a 384-d vector and ~30 words of text each. The vectors are
clustered (points scattered around 100 random unit centres), not Gaussian noise, on which HNSW recall is
pathological; the text draws about a third of its words from its cluster's topic words, the rest from a
Zipf-like shared vocabulary. Query vectors are new points near the centres (a new vector each query).

Sections (--only NAME runs one):
  variable  nearVector, limit 10, the vector as a GraphQL variable, vs hnswlib knn_query at the same ef
  literal   parse + bind of a query with a 384-float list written in its text (microseconds)
  hybrid    hybrid (bm25 + vector), limit 10, vs a hand-wired bm25s + hnswlib + relative score fusion
  threads   queries/s of two query threads against one (db.query, and raw hnswlib for reference)

    .venv/bin/python benchmarks/bench_e2e_query.py [--quick] [--only SECTION] [--objects N]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from collections.abc import Callable, Sequence

import numpy as np

DIM, K, CLUSTERS, WORDS = 384, 10, 100, 30
ALPHA = 0.75  # Weaviate's default hybrid alpha
VECTOR_QUERY = (
    "query Q($vec: [Float]!) { Get { Doc(nearVector: {vector: $vec}, limit: 10) "
    "{ _additional { id distance } } } }"
)
HYBRID_QUERY = (
    "query Q($vec: [Float]!, $text: String!) { Get { Doc(hybrid: {query: $text, vector: $vec, "
    "alpha: 0.75}, limit: 10) { _additional { id score } } } }"
)


class Data:
    """The synthetic corpus and its queries."""

    def __init__(self, n: int, queries: int, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        centres = rng.normal(size=(CLUSTERS, DIM))
        centres /= np.linalg.norm(centres, axis=1, keepdims=True)
        self.cluster = rng.integers(0, CLUSTERS, n)
        self.vectors = self._near(rng, centres, self.cluster)
        syllables = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "pa", "do", "fe", "gu", "hi"]
        vocabulary = sorted(
            {"".join(rng.choice(syllables, size=int(rng.integers(2, 4)))) for _ in range(8000)}
        )
        words = np.array(vocabulary)
        zipf = 1.0 / np.arange(1, len(words) + 1)
        zipf /= zipf.sum()
        topics = rng.choice(len(words), size=(CLUSTERS, 40), replace=True)
        self.texts = []
        for c in self.cluster.tolist():
            shared = words[rng.choice(len(words), size=WORDS - 10, p=zipf)]
            topical = words[topics[c][rng.integers(0, 40, 10)]]
            self.texts.append(" ".join(rng.permutation(np.concatenate([shared, topical])).tolist()))
        query_cluster = rng.integers(0, CLUSTERS, queries)
        self.queries = self._near(rng, centres, query_cluster)
        self.query_texts = [" ".join(words[topics[c][rng.integers(0, 40, 3)]]) for c in query_cluster]

    @staticmethod
    def _near(rng: np.random.Generator, centres: np.ndarray, which: np.ndarray) -> np.ndarray:
        noise = rng.normal(scale=0.035, size=(len(which), DIM))  # |noise| ~ 0.7: clusters overlap a bit
        return (centres[which] + noise).astype(np.float32)


class Raw:
    """Raw hnswlib beside the store: its own index of the same vectors with the store's parameters
    (M 32, efConstruction 128, cosine, the same seed), so that setting its ef never changes the store's."""

    def __init__(self, vectors: np.ndarray) -> None:
        import hnswlib
        from rankql.runtime.store.hnsw import SEED

        self.index = hnswlib.Index(space="cosine", dim=vectors.shape[1])
        self.index.init_index(max_elements=len(vectors), ef_construction=128, M=32, random_seed=SEED)
        self.index.add_items(vectors, np.arange(len(vectors)), num_threads=1)  # as the store builds it
        self.ef = -1

    def knn(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """knn_query at the ef the store uses for k (Weaviate's dynamic ef)."""
        from rankql.runtime.store.hnsw import dynamic_ef

        ef = dynamic_ef(k)
        if ef != self.ef:
            self.index.set_ef(ef)
            self.ef = ef
        return self.index.knn_query(query, k=k, num_threads=1)


class TimedIndex:
    """Stands in for the store's hnswlib index and adds up the time spent in knn_query."""

    def __init__(self, inner) -> None:
        self._inner, self.seconds = inner, 0.0

    def knn_query(self, *args, **kwargs):
        began = time.perf_counter()
        try:
            return self._inner.knn_query(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - began

    def __getattr__(self, name: str):
        return getattr(self._inner, name)


def build(data: Data):
    """A rankql Database with the corpus, and a bm25s index of the same texts."""
    import bm25s
    from rankql.runtime import Database

    db = Database()
    col = db.create_collection({"class": "Doc", "properties": [{"name": "text", "dataType": ["text"]}]})
    began = time.perf_counter()
    result = col.insert_many(
        [{"properties": {"text": t}, "vector": v} for t, v in zip(data.texts, data.vectors, strict=True)]
    )
    assert result.ok
    print(f"built {len(data.texts)} objects in {time.perf_counter() - began:.1f}s", flush=True)
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(data.texts, stopwords="en", show_progress=False), show_progress=False)
    return db, col, (retriever, Raw(data.vectors))


def paired(sides: dict[str, Callable[[int], object]], count: int, rounds: int, block: int = 20):
    """Median seconds per call of each side, and the median per-block ratio of each to the first."""
    names = list(sides)
    times: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(rounds):
        order = names if round_ % 2 == 0 else names[::-1]
        for start in range(0, count, block):
            for name in order:
                fn = sides[name]
                began = time.perf_counter()
                for i in range(start, min(start + block, count)):
                    fn(i)
                times[name].append((time.perf_counter() - began) / (min(start + block, count) - start))
    base = times[names[0]]
    medians = {name: statistics.median(times[name]) for name in names}
    ratios = {
        name: statistics.median(b / a for a, b in zip(base, times[name], strict=True)) for name in names
    }
    return medians, ratios


def line(label: str, figure: str, target: str, replaces: str) -> None:
    print(f"  {label}: {figure}   (target {target}; was {replaces})", flush=True)


def section_variable(data: Data, db, col, libs, rounds: int) -> None:
    """nearVector through db.query with the vector as a variable vs raw knn_query at the same ef."""
    raw = libs[1]
    vectors = [q.tolist() for q in data.queries]  # JSON-like input: a list of Python floats
    prepared = db.prepare(VECTOR_QUERY)
    assert "errors" not in db.query(VECTOR_QUERY, {"vec": vectors[0]})
    check_recall(data, raw)
    medians, ratios = paired(
        {
            "knn_query": lambda i: raw.knn(data.queries[i], K),
            "db.query": lambda i: db.query(VECTOR_QUERY, {"vec": vectors[i]}),
            "bind only": lambda i: prepared.bind({"vec": vectors[i]}),
        },
        len(vectors),
        rounds,
    )
    print("variable: nearVector, limit 10, a new 384-float vector as a GraphQL variable each query")
    print(
        f"  knn_query {medians['knn_query'] * 1e6:.0f} us, db.query {medians['db.query'] * 1e6:.0f} us, "
        f"of which bind+validate {medians['bind only'] * 1e6:.0f} us"
    )
    line("db.query / knn_query", f"{ratios['db.query']:.2f}x", "<= 1.5x", "15x (2.97 ms vs 0.19 ms)")
    inside = knn_inside(col, lambda i: db.query(VECTOR_QUERY, {"vec": vectors[i]}), len(vectors))
    print(
        f"  knn_query inside db.query: {inside * 1e6:.0f} us a call, {inside / medians['knn_query']:.2f}x "
        "the same call in a tight loop (the graph leaves the CPU caches between queries)"
    )


def knn_inside(col, query: Callable[[int], object], count: int) -> float:
    """Seconds per call spent in the store's knn_query while queries run through db.query."""
    hnsw = col.vectors.hnsw
    timed = TimedIndex(hnsw._index)
    hnsw._index = timed
    try:
        for i in range(count):
            query(i)
    finally:
        hnsw._index = timed._inner
    return timed.seconds / count


def check_recall(data: Data, raw: Raw) -> None:
    """The data is not pathological for HNSW: recall@10 of the graph against exact search."""
    exact = data.vectors / np.linalg.norm(data.vectors, axis=1, keepdims=True)
    hits = 0
    sample = data.queries[:50]
    for q in sample:
        truth = set(np.argsort(-(exact @ (q / np.linalg.norm(q))))[:K].tolist())
        hits += len(truth & set(raw.knn(q, K)[0][0].tolist()))
    print(f"  (hnsw recall@10 on this data: {hits / (K * len(sample)):.3f})")


def section_literal(data: Data, db, col, libs, rounds: int) -> None:
    """Parse + bind of a query whose 384-float vector is written in its text."""
    from rankql.dsl import compile_query

    template = VECTOR_QUERY.replace("query Q($vec: [Float]!) ", "")
    texts = [template.replace("$vec", "[" + ", ".join(map(repr, q.tolist())) + "]") for q in data.queries]
    ones = [template.replace("$vec", f"[{float(q[0])!r}]") for q in data.queries]  # the query around the list
    compile_query(texts[0], cache=False).bind()
    raw = libs[1]
    # db.query keeps prepared texts: each call gets a text not seen before (a comment tells them apart)
    fresh = iter([f"{t} # {r}" for r in range(rounds) for t in texts])
    medians, ratios = paired(
        {
            "knn_query": lambda i: raw.knn(data.queries[i], K),
            "parse+bind": lambda i: compile_query(texts[i], cache=False).bind(),
            "parse": lambda i: compile_query(texts[i], cache=False),
            "one float": lambda i: compile_query(ones[i], cache=False).bind(),
            "db.query": lambda i: db.query(next(fresh)),
        },
        len(texts),
        rounds,
    )
    print("literal: a 384-float list written in the query text (a new text each query)")
    line("parse + bind", f"{medians['parse+bind'] * 1e6:.0f} us", "<= 100 us", "(not measured before)")
    print(
        f"  of which parse {medians['parse'] * 1e6:.0f} us; the same query with a one-float list "
        f"{medians['one float'] * 1e6:.0f} us (the 384 floats cost the difference)"
    )
    line(
        "db.query / knn_query",
        f"{ratios['db.query']:.2f}x",
        "(none; the parse is not cached for a new text)",
        "(not measured before)",
    )


def section_hybrid(data: Data, db, col, libs, rounds: int) -> None:
    """hybrid through db.query vs bm25s + hnswlib + relative score fusion wired by hand."""
    import bm25s

    retriever, raw = libs
    vectors = [q.tolist() for q in data.queries]
    pool = max(100, K)

    def hand_wired(i: int) -> tuple[np.ndarray, np.ndarray]:
        labels, dist = raw.knn(data.queries[i], pool)
        tokens = bm25s.tokenize([data.query_texts[i]], stopwords="en", show_progress=False)
        docs, scores = retriever.retrieve(tokens, k=pool, show_progress=False, n_threads=0)
        fused: dict[int, float] = {}
        for ids, values, weight in ((labels[0], 1 - dist[0], ALPHA), (docs[0], scores[0], 1 - ALPHA)):
            low, high = float(values.min()), float(values.max())
            span = high - low or 1.0
            for doc, value in zip(ids.tolist(), ((values - low) / span * weight).tolist(), strict=True):
                fused[doc] = fused.get(doc, 0.0) + value
        top = sorted(fused.items(), key=lambda kv: -kv[1])[:K]
        return np.array([d for d, _ in top]), np.array([s for _, s in top])

    answer = db.query(HYBRID_QUERY, {"vec": vectors[0], "text": data.query_texts[0]})
    assert "errors" not in answer, answer
    medians, ratios = paired(
        {
            "hand-wired": hand_wired,
            "db.query": lambda i: db.query(HYBRID_QUERY, {"vec": vectors[i], "text": data.query_texts[i]}),
        },
        len(vectors),
        rounds,
    )
    print("hybrid: bm25 + vector (relativeScoreFusion, alpha 0.75), limit 10, vector as a variable")
    print(
        f"  hand-wired bm25s + hnswlib {medians['hand-wired'] * 1e6:.0f} us, "
        f"db.query {medians['db.query'] * 1e6:.0f} us"
    )
    line("db.query / hand-wired", f"{ratios['db.query']:.2f}x", "<= 1.5x", "3.4-8.7x (at 10k)")


def _throughput(fn: Callable[[int], object], count: int, threads: int) -> float:
    """Queries/s of `threads` threads sharing `count` queries."""
    share = [range(t, count, threads) for t in range(threads)]
    gate = threading.Barrier(threads + 1)

    def worker(indices: Sequence[int]) -> None:
        gate.wait()
        for i in indices:
            fn(i)

    pool = [threading.Thread(target=worker, args=(s,)) for s in share]
    for t in pool:
        t.start()
    gate.wait()
    began = time.perf_counter()
    for t in pool:
        t.join()
    return count / (time.perf_counter() - began)


def section_threads(data: Data, db, col, libs, rounds: int) -> None:
    """Two query threads against one: db.query, and raw knn_query for reference."""
    raw = libs[1]
    vectors = [q.tolist() for q in data.queries]
    sides = {
        "db.query": lambda i: db.query(VECTOR_QUERY, {"vec": vectors[i]}),
        "knn_query": lambda i: raw.knn(data.queries[i], K),
    }
    print("threads: queries/s of 2 threads / 1 thread (interleaved runs, median ratio)")
    for name, fn in sides.items():
        ratios, one, two = [], [], []
        for round_ in range(max(3, rounds)):
            order = (1, 2) if round_ % 2 == 0 else (2, 1)
            got = {n: _throughput(fn, len(vectors), n) for n in order}
            one.append(got[1])
            two.append(got[2])
            ratios.append(got[2] / got[1])
        line(
            f"{name} 2 threads / 1 thread",
            f"{statistics.median(ratios):.2f}x ({statistics.median(one):,.0f} -> "
            f"{statistics.median(two):,.0f} queries/s)",
            ">= 1.3x" if name == "db.query" else "(reference)",
            "1.02x" if name == "db.query" else "2.2x",
        )


SECTIONS = {
    "variable": section_variable,
    "literal": section_literal,
    "hybrid": section_hybrid,
    "threads": section_threads,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4k objects, fewer queries")
    parser.add_argument("--only", choices=sorted(SECTIONS), help="run one section")
    parser.add_argument("--objects", type=int, help="objects in the database (default 20000)")
    args = parser.parse_args()
    n = args.objects or (4000 if args.quick else 20000)
    queries, rounds = (200, 3) if args.quick else (400, 5)
    data = Data(n, queries)
    db, col, libs = build(data)
    print(f"{n} objects x {DIM} dims, ~{WORDS} words each; {queries} queries, {rounds} interleaved rounds")
    for name, section in SECTIONS.items():
        if args.only in (None, name):
            section(data, db, col, libs, rounds)


if __name__ == "__main__":
    main()
