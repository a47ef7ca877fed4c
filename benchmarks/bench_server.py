"""What the Weaviate protocol costs: the same queries through Weaviate's v4 client (gRPC) against
`serve(db)` and through `db.query` in process.

Per query kind (near_vector, near_vector reranked by reranker-dummy, hybrid; limit 10, every property and
the distance or score returned): the median and p95 wall time of each path over the same query vectors,
the two paths interleaved run by run so that the machine's load falls on both alike; the protocol's cost
is the difference of the medians (µs) and their ratio. Then queries per second through the client with 1,
4 and 16 threads (each thread its own client), near_vector, for a few seconds each. The server runs in a
child process (built from the same seed), so that the client threads do not share its interpreter lock.

The data is synthetic (no embedding model: vectors are random, clustered, 384 dimensions like MiniLM's;
text from a small vocabulary), built in memory in a few seconds.

    .venv/bin/python benchmarks/bench_server.py [--objects 5000] [--runs 300] [--seconds 4]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import threading
import time
from typing import Any

import numpy as np
import weaviate
from rankql.runtime import Database, generate_uuid5, serve
from weaviate.classes.query import MetadataQuery, Rerank

DIM = 384
WORDS = [
    "fish",
    "river",
    "boat",
    "mountain",
    "forest",
    "city",
    "train",
    "garden",
    "ocean",
    "bridge",
    "music",
    "paint",
    "story",
    "night",
    "sun",
    "rain",
]


def build(objects: int) -> tuple[Database, np.ndarray]:
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(32, DIM))
    vectors = centres[rng.integers(0, 32, objects)] + 0.3 * rng.normal(size=(objects, DIM))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    db = Database()
    db.create_collection(
        {
            "class": "Doc",
            "vectorizer": "none",
            "moduleConfig": {"reranker-dummy": {}},
            "properties": [
                {"name": "title", "dataType": ["text"]},
                {"name": "body", "dataType": ["text"]},
                {"name": "rank", "dataType": ["int"]},
            ],
        }
    )
    rows = []
    for i in range(objects):
        words = rng.choice(WORDS, size=12)
        rows.append(
            {
                "id": generate_uuid5(f"doc-{i}"),
                "properties": {"title": " ".join(words[:3]), "body": " ".join(words), "rank": i},
                "vector": vectors[i].tolist(),
            }
        )
    result = db.collection("Doc").insert_many(rows, progress=False)
    assert result.ok
    queries = centres[np.arange(50) % 32] + 0.3 * rng.normal(size=(50, DIM))
    return db, (queries / np.linalg.norm(queries, axis=1, keepdims=True)).astype(np.float32)


def kinds(docs, queries: np.ndarray) -> dict[str, tuple]:
    """Each query kind as (client call, db.query text) for query vector i."""

    def vec_text(i: int) -> str:
        return "[" + ", ".join(repr(float(x)) for x in queries[i]) + "]"

    fields = "title body rank _additional { id distance }"
    return {
        "near_vector": (
            lambda i: docs.query.near_vector(
                queries[i].tolist(), limit=10, return_metadata=MetadataQuery(distance=True)
            ),
            lambda i: f"{{ Get {{ Doc(nearVector: {{vector: {vec_text(i)}}}, limit: 10) {{ {fields} }} }} }}",
        ),
        "near_vector+rerank": (
            lambda i: docs.query.near_vector(
                queries[i].tolist(),
                limit=10,
                return_metadata=MetadataQuery(distance=True),
                rerank=Rerank(prop="body", query="fish"),
            ),
            lambda i: (
                f"{{ Get {{ Doc(nearVector: {{vector: {vec_text(i)}}}, limit: 10) {{ title body rank "
                '_additional { id distance rerank(property: "body", query: "fish") { score } } } } }'
            ),
        ),
        "hybrid": (
            lambda i: docs.query.hybrid(
                WORDS[i % len(WORDS)],
                vector=queries[i].tolist(),
                alpha=0.5,
                limit=10,
                return_metadata=MetadataQuery(score=True),
            ),
            lambda i: (
                f'{{ Get {{ Doc(hybrid: {{query: "{WORDS[i % len(WORDS)]}", vector: {vec_text(i)}, alpha: 0.5}}, '
                "limit: 10) { title body rank _additional { id score } } } }"
            ),
        ),
    }


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p * (len(ordered) - 1))))]


def latency(db: Database, docs, queries: np.ndarray, runs: int) -> None:
    print(f"latency, limit 10, {runs} runs each, the two paths interleaved (µs)")
    print(
        f"{'query':<20} {'client p50':>11} {'p95':>9} {'db.query p50':>13} {'p95':>9} {'cost p50':>9} {'ratio':>6}"
    )
    for name, (remote, text) in kinds(docs, queries).items():
        texts = [text(i) for i in range(len(queries))]
        for i in range(10):  # warm both paths (plans, connections, the prepared-query cache)
            remote(i % len(queries))
            db.query(texts[i % len(queries)])
        client_us, local_us = [], []
        for run in range(runs):
            i = run % len(queries)
            for side in ("client", "local") if run % 2 == 0 else ("local", "client"):
                t = time.perf_counter()
                if side == "client":
                    remote(i)
                    client_us.append((time.perf_counter() - t) * 1e6)
                else:
                    answer = db.query(texts[i])
                    local_us.append((time.perf_counter() - t) * 1e6)
                    assert "errors" not in answer, answer
        c50, c95 = statistics.median(client_us), pct(client_us, 0.95)
        l50, l95 = statistics.median(local_us), pct(local_us, 0.95)
        print(
            f"{name:<20} {c50:>11.0f} {c95:>9.0f} {l50:>13.0f} {l95:>9.0f} {c50 - l50:>9.0f} {c50 / l50:>5.1f}x"
        )
    # db.query above reuses each text's prepared query; an app passing a new vector as a $variable binds
    # it on every call, as the server binds every request
    text = (
        "query Q($v: [Float!]!) { Get { Doc(nearVector: {vector: $v}, limit: 10) "
        "{ title body rank _additional { id distance } } } }"
    )
    bound_us = []
    for run in range(min(runs, 60)):
        t = time.perf_counter()
        db.query(text, {"v": queries[run % len(queries)].tolist()})
        bound_us.append((time.perf_counter() - t) * 1e6)
    print(f"db.query near_vector with the vector as a $variable: p50 {statistics.median(bound_us):.0f} µs")


def rate(port: int, grpc_port: int, queries: np.ndarray, threads: int, seconds: float) -> float:
    """Queries per second with `threads` client threads, each with its own client."""
    clients = [weaviate.connect_to_local(port=port, grpc_port=grpc_port) for _ in range(threads)]
    counts = [0] * threads
    stop = threading.Event()

    def work(slot: int) -> None:
        docs = clients[slot].collections.use("Doc")
        i = slot
        while not stop.is_set():
            docs.query.near_vector(queries[i % len(queries)].tolist(), limit=10)
            counts[slot] += 1
            i += 1

    workers = [threading.Thread(target=work, args=(s,)) for s in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    time.sleep(seconds)
    stop.set()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    for c in clients:
        c.close()
    return sum(counts) / elapsed


def throughput(port: int, grpc_port: int, queries: np.ndarray, seconds: float) -> None:
    print(f"\nthroughput through the v4 client, near_vector limit 10, {seconds:g} s per row")
    for threads in (1, 4, 16):
        print(
            f"  {threads:>2} client threads: {rate(port, grpc_port, queries, threads, seconds):>7.0f} queries/s"
        )


def _serve_child(objects: int, ports: Any, ready: Any, stop: Any) -> None:
    """The server, in its own process: the clients' threads must not share the server's GIL."""
    db, _ = build(objects)
    with serve(db) as server:
        ports.put((server.port, server.grpc_port))
        ready.set()
        stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--objects", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    ports, ready, stop = context.Queue(), context.Event(), context.Event()
    child = context.Process(target=_serve_child, args=(args.objects, ports, ready, stop), daemon=True)
    child.start()
    started = time.perf_counter()
    db, queries = build(args.objects)  # the same seed: the same objects as the server's
    if not ready.wait(300):
        raise SystemExit("the server process did not start within 300 s")
    port, grpc_port = ports.get()
    print(
        f"{args.objects} objects, {DIM} dimensions, built in {time.perf_counter() - started:.1f} s; server in "
        f"a child process; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
    )
    try:
        client = weaviate.connect_to_local(port=port, grpc_port=grpc_port)
        try:
            latency(db, client.collections.use("Doc"), queries, args.runs)
        finally:
            client.close()
        throughput(port, grpc_port, queries, args.seconds)
    finally:
        stop.set()
        child.join(30)


if __name__ == "__main__":
    main()
