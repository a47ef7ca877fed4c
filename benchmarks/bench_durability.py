"""What durability and sharing cost: inserts durable vs relaxed vs in memory, queries with 1 and 3 reader
threads with and without a writer, a checkpoint after +1% vs a full one, reopening.

Run: .venv/bin/python benchmarks/bench_durability.py [--n 100000] [--seconds 2]   (--n 5000: a quick run)
Synthetic clustered vectors (no model), 64 dimensions, HNSW with maxConnections 16, efConstruction 64.
Figures are ratios from one run, interleaved where they are compared; absolute times on a shared
machine move with its load.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
from rankql.runtime import Database

DIM = 64
DEFINITION = {
    "class": "Doc",
    "properties": [{"name": "title", "dataType": ["text"]}, {"name": "n", "dataType": ["int"]}],
    "vectorIndexConfig": {"maxConnections": 16, "efConstruction": 64},
}
QUERY = "{ Get { Doc(nearVector: {vector: %s}, limit: 10) { n } } }"


def vectors(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(0).normal(size=(64, DIM))
    return (centres[rng.integers(0, 64, size=n)] + 0.3 * rng.normal(size=(n, DIM))).astype(np.float32)


def objects(start: int, count: int) -> list[dict]:
    rows = vectors(count, seed=start)
    return [
        {"properties": {"title": f"document {i} about topic {i % 97}", "n": i}, "vector": rows[i - start]}
        for i in range(start, start + count)
    ]


def insert_rate(db: Database, total: int, batch: int, offset: int) -> float:
    """Objects per second through insert_many in batches."""
    c = db.collection("Doc")
    data = [objects(offset + s, min(batch, total - s)) for s in range(0, total, batch)]
    start = time.perf_counter()
    for chunk in data:
        c.insert_many(chunk)
    return total / (time.perf_counter() - start)


def query_rate(db: Database, readers: int, seconds: float, writer: bool, offset: int) -> float:
    """Queries per second over all reader threads, with a writer thread inserting batches of 100 or not."""
    texts = [QUERY % str(v.tolist()) for v in vectors(64, seed=999)]
    stop = threading.Event()
    counts = [0] * readers

    def read(slot: int) -> None:
        i = 0
        while not stop.is_set():
            answer = db.query(texts[i % len(texts)])
            assert "errors" not in answer, answer
            i += 1
        counts[slot] = i

    def write() -> None:
        c = db.collection("Doc")
        start = offset
        while not stop.is_set():
            c.insert_many(objects(start, 100))
            start += 100

    threads = [threading.Thread(target=read, args=(s,)) for s in range(readers)]
    if writer:
        threads.append(threading.Thread(target=write))
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="objects in the checkpoint and reopen test")
    parser.add_argument("--seconds", type=float, default=2.0, help="seconds per query-throughput figure")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="rankql-bench-durability-"))
    try:
        run(root, args.n, args.seconds)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run(root: Path, n: int, seconds: float) -> None:
    small = max(1000, min(n // 5, 20_000))
    print(f"inserts: {small} objects in batches of 1000 per mode, and of 10 (durable: one fsync per batch)")
    dbs = {
        "memory": Database(),
        "relaxed": Database(root / "relaxed", durability="relaxed"),
        "durable": Database(root / "durable"),
    }
    rates: dict[str, list[float]] = {name: [] for name in dbs}
    for db in dbs.values():
        db.create_collection(DEFINITION)
    for part in range(2):  # interleaved halves: the machine's load moves under all three alike
        for name, db in dbs.items():
            rates[name].append(insert_rate(db, small // 2, 1000, part * small))
    batch10 = {name: insert_rate(db, 500, 10, 10 * small) for name, db in dbs.items()}
    memory = sum(rates["memory"]) / 2
    for name in ("relaxed", "durable"):
        mean = sum(rates[name]) / 2
        print(
            f"  {name:8s} {mean:9.0f} objects/s in batches of 1000 = {mean / memory:.2f}x in memory; "
            f"batches of 10: {batch10[name]:7.0f}/s = {batch10[name] / batch10['memory']:.2f}x"
        )
    print(f"  memory   {memory:9.0f} objects/s in batches of 1000; batches of 10: {batch10['memory']:7.0f}/s")
    for db in dbs.values():
        db.close()

    print(f"\nbuilding {n} objects in a durable folder")
    path = root / "big"
    db = Database(path)
    db.checkpoint_log_bytes = 1 << 40  # only the checkpoints measured here
    db.create_collection(DEFINITION)
    c = db.collection("Doc")
    step = 10_000
    for start in range(0, n, step):
        c.insert_many(objects(start, min(step, n - start)))
    began = time.perf_counter()
    db.save()
    full = time.perf_counter() - began
    c.insert_many(objects(n, max(1, n // 100)))
    began = time.perf_counter()
    db.save()
    delta = time.perf_counter() - began
    print(f"  full checkpoint {full:.2f} s; after +1%: {delta:.2f} s = {delta / full:.2f}x the full one")

    print(f"\nqueries (nearVector, limit 10) over {len(c)} objects, {seconds:.0f} s each")
    offset = 2 * n
    query_rate(db, 1, 0.5, False, offset)  # warm-up: the first run compiles the query
    figures = {}
    for readers in (1, 3):
        for writer in (False, True):
            figures[readers, writer] = query_rate(db, readers, seconds, writer, offset)
            offset += 1_000_000
    base = figures[1, False]
    for (readers, writer), qps in figures.items():
        extra = " + a writer (batches of 100)" if writer else ""
        print(f"  {readers} reader(s){extra:28s} {qps:7.0f} queries/s = {qps / base:.2f}x one reader alone")
    db.close()

    began = time.perf_counter()
    reopened = Database(path)
    reopen = time.perf_counter() - began
    count = len(reopened.collection("Doc"))
    tail = reopened.collection("Doc").insert_many(objects(offset, max(1, n // 100)))
    assert tail.ok
    reopened._folder.close()  # a crash: the next open replays the log over the checkpoint
    began = time.perf_counter()
    replayed = Database(path)
    replay = time.perf_counter() - began
    replayed.close()
    print(
        f"\nreopen {count} objects: {reopen:.2f} s = {reopen / full:.2f}x a full checkpoint; "
        f"after a crash with a log tail of +1%: {replay:.2f} s = {replay / reopen:.2f}x"
    )


if __name__ == "__main__":
    main()
