"""Eight REST clients query while one batch-inserts: every answer is whole, no request fails, in bounded time."""

from __future__ import annotations

import threading
import time

import httpx
from rankql.runtime import Database
from rankql.runtime.server.rest import build_rest_app

from .rest_support import running

QUERY = "{ Get { Item(nearVector: {vector: [1, 0, 0]}, limit: 5) { n _additional { distance } } } }"


def test_queries_beside_a_batch_insert() -> None:
    db = Database()
    db.create_collection({"class": "Item", "properties": [{"name": "n", "dataType": ["int"]}]})
    db.collection("Item").insert_many(
        [{"properties": {"n": i}, "vector": [1, i / 100, 0]} for i in range(20)]
    )
    problems: list[str] = []
    done = threading.Event()
    with running(build_rest_app(db)) as url:

        def reader() -> None:
            with httpx.Client(base_url=url, timeout=60) as client:
                while not done.is_set():
                    answer = client.post("/v1/graphql", json={"query": QUERY})
                    rows = answer.json().get("data", {}).get("Get", {}).get("Item")
                    if answer.status_code != 200 or rows is None or len(rows) != 5:
                        problems.append(answer.text)

        readers = [threading.Thread(target=reader) for _ in range(8)]
        for thread in readers:
            thread.start()
        started = time.monotonic()
        with httpx.Client(base_url=url, timeout=60) as writer:
            for start in range(20, 420, 50):
                objects = [
                    {"class": "Item", "properties": {"n": i}, "vector": [1, i / 100, 0.5]}
                    for i in range(start, start + 50)
                ]
                results = writer.post("/v1/batch/objects", json={"objects": objects}).json()
                if any(r["result"] != {"status": "SUCCESS"} for r in results):
                    problems.append(str(results))
        done.set()
        for thread in readers:
            thread.join(timeout=60)
        assert not any(t.is_alive() for t in readers)
        assert time.monotonic() - started < 120
    assert problems == []
    assert len(db.collection("Item")) == 420
    assert db.query(QUERY)["data"]["Get"]["Item"][0]["n"] == 0
