"""Eight v4 clients querying over gRPC while a ninth batch-inserts: bounded in time, no errors, and every
answer is a consistent page (ids unique, distances ascending)."""

from __future__ import annotations

import threading
import time

import weaviate
from rankql.runtime import serve
from weaviate.classes.data import DataObject
from weaviate.classes.query import MetadataQuery, Rerank

from .grpc_support import article, article_db

QUERY_THREADS = 8
BATCHES, BATCH_SIZE = 12, 25
DEADLINE_S = 120.0


def test_eight_query_threads_beside_a_batch_insert() -> None:
    with serve(article_db(40)) as server:
        errors: list[BaseException] = []
        counts = [0] * QUERY_THREADS
        writing = threading.Event()
        writing.set()

        def connect():
            return weaviate.connect_to_local(port=server.port, grpc_port=server.grpc_port)

        def query(slot: int) -> None:
            client = connect()
            try:
                articles = client.collections.use("Article")
                vector = article(slot)["vector"]
                while writing.is_set() or counts[slot] < 5:
                    kind = counts[slot] % 3
                    if kind == 0:
                        got = articles.query.near_vector(
                            vector, limit=10, return_metadata=MetadataQuery(distance=True)
                        )
                        distances = [o.metadata.distance for o in got.objects]
                        assert distances == sorted(distances)
                    elif kind == 1:
                        got = articles.query.hybrid("fish river", vector=vector, limit=10)
                    else:
                        got = articles.query.bm25(
                            "ocean", limit=10, rerank=Rerank(prop="title", query="boat")
                        )
                    ids = [o.uuid for o in got.objects]
                    assert len(ids) == len(set(ids)) == 10
                    counts[slot] += 1
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread
                errors.append(exc)
            finally:
                client.close()

        def insert() -> None:
            client = connect()
            try:
                articles = client.collections.use("Article")
                for b in range(BATCHES):
                    objs = [article(1000 + b * BATCH_SIZE + i) for i in range(BATCH_SIZE)]
                    result = articles.data.insert_many(
                        [
                            DataObject(properties=o["properties"], uuid=o["id"], vector=o["vector"])
                            for o in objs
                        ]
                    )
                    assert not result.has_errors, result.errors
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                writing.clear()
                client.close()

        threads = [threading.Thread(target=query, args=(i,), daemon=True) for i in range(QUERY_THREADS)]
        threads.append(threading.Thread(target=insert, daemon=True))
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=max(0.0, DEADLINE_S - (time.monotonic() - started)))
        writing.clear()
        assert not any(t.is_alive() for t in threads), f"threads still running after {DEADLINE_S} s"
        assert errors == []
        assert all(c >= 5 for c in counts)
        assert len(server.db.collection("Article").live_ids()) == 40 + BATCHES * BATCH_SIZE
