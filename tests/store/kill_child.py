"""Child process of the kill test: reopens a database, then changes and saves it in a loop until killed.

Every step is deterministic, so the parent can rebuild the exact state after any complete step.
"""

from __future__ import annotations

import sys

import numpy as np
from rankql.runtime import Database, generate_uuid5

BASE = 20000
PER_STEP = 150
DIM = 64


def vector(step: int, i: int) -> np.ndarray:
    centre = np.random.default_rng(i % 16).normal(size=DIM)
    return (centre + 0.3 * np.random.default_rng([step, i]).normal(size=DIM)).astype(np.float32)


def expected_state(last_step: int) -> dict[str, dict]:
    """uuid -> properties after every step up to `last_step` (0: the base only)."""
    state = {generate_uuid5(f"0-{i}"): {"title": f"base {i}", "step": 0, "i": i} for i in range(BASE)}
    for step in range(1, last_step + 1):
        for i in range(PER_STEP):
            state[generate_uuid5(f"{step}-{i}")] = {
                "title": f"item {i} of step {step} s{step}i{i}",
                "step": step,
                "i": i,
            }
        if step >= 2:
            for i in range(0, PER_STEP, 5):
                state.pop(generate_uuid5(f"{step - 2}-{i}"), None)
            state[generate_uuid5(f"{step - 1}-1")]["title"] = f"updated at step {step}"
    return state


def main(path: str) -> None:
    db = Database(path)
    if "Item" not in db:
        c = db.create_collection(
            {
                "class": "Item",
                "properties": [
                    {"name": "title", "dataType": ["text"]},
                    {"name": "step", "dataType": ["int"]},
                    {"name": "i", "dataType": ["int"]},
                ],
            }
        )
        c.insert_many(
            [{"id": u, "properties": p, "vector": vector(0, p["i"])} for u, p in expected_state(0).items()]
        )
        db.save()
        print("saved 0", flush=True)
    c = db.collection("Item")
    step = max(c.column("step")[d] for d in c.live_ids())
    while True:
        step += 1
        c.insert_many(
            [
                {
                    "id": generate_uuid5(f"{step}-{i}"),
                    "properties": {"title": f"item {i} of step {step} s{step}i{i}", "step": step, "i": i},
                    "vector": vector(step, i),
                }
                for i in range(PER_STEP)
            ]
        )
        if step >= 2:
            for i in range(0, PER_STEP, 5):
                c.delete(generate_uuid5(f"{step - 2}-{i}"))
            c.update(generate_uuid5(f"{step - 1}-1"), {"title": f"updated at step {step}"})
        print(f"saving {step}", flush=True)
        db.save()
        print(f"saved {step}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
