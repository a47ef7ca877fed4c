"""Child process of the kill tests: reopens a database, then writes and checkpoints in a loop until killed.

Every operation is deterministic and numbered, and the child prints `ack <n>` as soon as operation n
returned, so the parent can rebuild the exact state after any acknowledged operation.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import numpy as np
from rankql.runtime import Database, generate_uuid5

BASE = 8000
PER_STEP = 150
DIM = 64
OPS_PER_STEP = 2 + len(range(0, PER_STEP, 5)) + 1  # insert_many, deletes, update, save


def vector(step: int, i: int) -> np.ndarray:
    centre = np.random.default_rng(i % 16).normal(size=DIM)
    return (centre + 0.3 * np.random.default_rng([step, i]).normal(size=DIM)).astype(np.float32)


def base_state() -> dict[str, dict]:
    return {generate_uuid5(f"0-{i}"): {"title": f"base {i}", "step": 0, "i": i} for i in range(BASE)}


def step_ops(step: int) -> Iterator[tuple]:
    """The operations of one step: ("insert", {uuid: props}), ("delete", uuid), ("update", uuid, title),
    ("save",)."""
    yield (
        "insert",
        {
            generate_uuid5(f"{step}-{i}"): {
                "title": f"item {i} of step {step} s{step}i{i}",
                "step": step,
                "i": i,
            }
            for i in range(PER_STEP)
        },
    )
    for i in range(0, PER_STEP, 5):
        yield (
            "delete",
            generate_uuid5(f"{step - 2}-{i}") if step >= 2 else generate_uuid5(f"0-{BASE - 1 - i}"),
        )
    yield (
        "update",
        generate_uuid5(f"{step - 1}-1") if step >= 2 else generate_uuid5("0-1"),
        f"updated at {step}",
    )
    yield ("save",)


def ops_from(step: int) -> Iterator[tuple[int, int, tuple]]:
    """(operation number, step, operation) from the first operation of `step` on, forever."""
    while True:
        for k, op in enumerate(step_ops(step)):
            yield (step - 1) * OPS_PER_STEP + k, step, op
        step += 1


def expected_state(ops_done: int) -> dict[str, dict]:
    """uuid -> properties after operations 0 .. ops_done - 1 (0: the base only)."""
    state = base_state()
    for number, _, op in ops_from(1):
        if number >= ops_done:
            return state
        if op[0] == "insert":
            state.update(op[1])
        elif op[0] == "delete":
            state.pop(op[1], None)
        elif op[0] == "update":
            state[op[1]] = {**state[op[1]], "title": op[2]}
    raise AssertionError("unreachable")


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
            [{"id": u, "properties": p, "vector": vector(0, p["i"])} for u, p in base_state().items()]
        )
        db.save()
        print("base", flush=True)
    c = db.collection("Item")
    done = int(sys.argv[2])  # operations the parent knows were acknowledged (and found on reopening)
    for number, step, op in ops_from(done // OPS_PER_STEP + 1):
        if number < done:
            continue  # acknowledged before the last kill
        if op[0] == "insert":
            c.insert_many(
                [{"id": u, "properties": p, "vector": vector(step, p["i"])} for u, p in op[1].items()]
            )
        elif op[0] == "delete":
            c.delete(op[1])
        elif op[0] == "update":
            c.update(op[1], {"title": op[2]})
        else:
            print(f"saving {number}", flush=True)
            db.save()
        print(f"ack {number}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
