"""Child process of the durability tests: opens a database folder, does what argv says, prints `ack` after
each acknowledged step, then waits to be killed (or exits when told to)."""

from __future__ import annotations

import sys
import time

from rankql.runtime import Database

DEFINITION = {
    "class": "Note",
    "properties": [{"name": "title", "dataType": ["text"]}, {"name": "n", "dataType": ["int"]}],
}


def vector(n: int) -> list[float]:
    return [float(n % 7), float(n % 5) + 1.0, float(n % 3), 1.0]


def main(path: str, durability: str, first: int, count: int, description: str | None = None) -> None:
    db = Database(path, durability=durability)
    print("open", flush=True)
    if count:
        c = db.collection("Note") if "Note" in db else db.create_collection(DEFINITION)
        batch = [
            {"properties": {"title": f"note {n}", "n": n}, "vector": vector(n)}
            for n in range(first, first + count)
        ]
        c.insert_many(batch)
        print("ack", flush=True)
    if description is not None:  # a settings change after the inserts, logged as one record of its own
        db.update_collection_settings(
            "Note", {**db.collection("Note").definition, "description": description}
        )
        print("described", flush=True)
    time.sleep(60)  # killed by the parent long before


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), *sys.argv[5:6])
