"""BM25 index time and queries/s: rankql's Bm25Index vs rank-bm25 (BM25Okapi) and bm25s (numpy backend).

Run: .venv/bin/python benchmarks/bench_bm25.py [--docs 100000] [--seconds 2]
Corpora: the msmarco-5k sample beside the checkout (its 50 queries) and a synthetic Zipfian corpus.
Every library gets the same tokens (rankql's word tokenizer, en stopwords removed from queries) and
returns a top 10.
rankql is handed the query text and tokenizes it itself (memoised per text); the others get tokens.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import bm25s
import numpy as np
from rank_bm25 import BM25Okapi
from rankql.runtime.store.bm25 import Bm25Index
from rankql.runtime.store.stopwords import Stopwords
from rankql.runtime.store.tokenizer import tokenize

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "msmarco-5k"
K = 10
STOP = Stopwords()


def msmarco() -> tuple[list[str], list[str]]:
    docs = [json.loads(line)["text"] for line in (DATA / "corpus.jsonl").open(encoding="utf-8")]
    queries = [json.loads(line)["text"] for line in (DATA / "queries.jsonl").open(encoding="utf-8")]
    return docs, queries


def synthetic(n_docs: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """Zipf(1.1) over a 50k-word vocabulary, document lengths around 60 tokens."""
    rng = np.random.default_rng(seed)
    vocab = np.array([f"w{i}" for i in range(50_000)])
    ranks = np.minimum(rng.zipf(1.1, size=n_docs * 60), len(vocab)) - 1
    lengths = rng.poisson(60, size=n_docs).clip(5, None)
    ends = np.cumsum(lengths)
    ranks = np.resize(ranks, ends[-1])
    words = vocab[ranks]
    docs = [" ".join(words[e - n : e]) for e, n in zip(ends.tolist(), lengths.tolist(), strict=True)]
    query_ranks = np.minimum(rng.zipf(1.1, size=(50, 4)), len(vocab)) - 1
    return docs, [" ".join(vocab[r]) for r in query_ranks]


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def rate(run_one: Callable[[int], object], n_queries: int, seconds: float) -> float:
    """Queries per second, cycling through the query set for at least `seconds`."""
    done, start = 0, time.perf_counter()
    while True:
        run_one(done % n_queries)
        done += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and done >= n_queries:
            return done / elapsed


def bench(name: str, docs: list[str], queries: list[str], seconds: float, okapi_queries: int) -> None:
    print(f"\n== {name}: {len(docs):,} docs, {len(queries)} queries")
    q_tokens = [[t for t in tokenize(q) if not STOP.contains(t)] for q in queries]

    ours = Bm25Index({"text": "word"}, stopwords=STOP)
    t_ours, _ = timed(lambda: ours.add_many((i, {"text": d}) for i, d in enumerate(docs)))
    t_tok, d_tokens = timed(lambda: [tokenize(d) for d in docs])
    bm25s_index = bm25s.BM25(k1=1.2, b=0.75, method="lucene", backend="numpy")
    t_bm25s, _ = timed(lambda: bm25s_index.index(d_tokens, show_progress=False))
    t_okapi, okapi = timed(lambda: BM25Okapi(d_tokens, k1=1.2, b=0.75))
    print(
        f"index time (s): rankql {t_ours:.2f} | bm25s {t_tok + t_bm25s:.2f} (tokenize {t_tok:.2f} + index "
        f"{t_bm25s:.2f}) | rank-bm25 {t_tok + t_okapi:.2f}"
    )

    def run_ours(i: int):
        return ours.search(queries[i], [("text", 1.0)], k=K)

    def run_bm25s(i: int):
        return bm25s_index.retrieve([q_tokens[i]], k=K, show_progress=False, n_threads=0)

    def run_bm25s_scores(i: int):
        scores = bm25s_index.get_scores(q_tokens[i])
        return np.argpartition(-scores, K)[:K]

    def run_okapi(i: int):
        scores = okapi.get_scores(q_tokens[i])
        return np.argpartition(-scores, K)[:K]

    # The same queries as distinct texts (trailing spaces), more than the index remembers: every query
    # is tokenized again, as bm25s and rank-bm25 never need (they are handed tokens).
    variants = [f"{q}{' ' * j}" for j in range(1, 101) for q in queries]

    def run_fresh(i: int):
        return ours.search(variants[i], [("text", 1.0)], k=K)

    spare = len(docs)  # a doc id written before every cold query: each write empties the query caches

    def run_cold(i: int):
        ours.add(spare, {"text": docs[i]})
        return ours.search(queries[i], [("text", 1.0)], k=K)

    qps_cold = rate(run_cold, len(queries), seconds)
    ours.remove(spare)
    qps_ours = rate(run_ours, len(queries), seconds)
    qps_fresh = rate(run_fresh, len(variants), seconds)
    qps_bm25s = rate(run_bm25s, len(queries), seconds)
    qps_bm25s_scores = rate(run_bm25s_scores, len(queries), seconds)
    qps_okapi = rate(run_okapi, min(okapi_queries, len(queries)), seconds / 2)
    print(
        f"queries/s: rankql {qps_ours:,.0f} | bm25s.retrieve {qps_bm25s:,.0f} | bm25s.get_scores+top10 "
        f"{qps_bm25s_scores:,.0f} | rank-bm25 {qps_okapi:,.1f}"
    )
    print(f"rankql right after a write (cold caches, the write included): {qps_cold:,.0f} queries/s")
    print(f"rankql with every query text new (tokenized each time): {qps_fresh:,.0f} queries/s")
    print(
        f"ratio rankql/rank-bm25: {qps_ours / qps_okapi:,.0f}x (target >= 100x); cold {qps_cold / qps_okapi:,.0f}x"
    )
    print(
        f"ratio rankql/bm25s.retrieve: {qps_ours / qps_bm25s:.2f}x (target >= 1x), cold {qps_cold / qps_bm25s:.2f}x; "
        f"rankql/bm25s.get_scores+top10: {qps_ours / qps_bm25s_scores:.2f}x"
    )
    print(
        f"ratio index time bm25s/rankql: {(t_tok + t_bm25s) / t_ours:.2f}x; "
        f"rank-bm25/rankql: {(t_tok + t_okapi) / t_ours:.2f}x"
    )

    # Same formula (lucene idf = Weaviate's idf, no (k1 + 1) factor): the top 10 must agree.
    agree = 0
    for i in range(len(queries)):
        ids, scores, _ = run_ours(i)
        theirs = bm25s_index.get_scores(q_tokens[i])
        agree += int(np.allclose(np.sort(scores[:K]), np.sort(theirs)[::-1][:K][::-1], rtol=1e-4))
    print(f"top-{K} scores equal to bm25s: {agree}/{len(queries)} queries")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=100_000, help="synthetic corpus size")
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args()
    docs, queries = msmarco()
    bench("msmarco-5k", docs, queries, args.seconds, okapi_queries=50)
    docs, queries = synthetic(args.docs)
    bench(f"synthetic Zipf {args.docs // 1000}k", docs, queries, args.seconds, okapi_queries=10)


if __name__ == "__main__":
    main()
