"""Child process of the tenant kill test: writes to tenants and flips their status in a loop until killed.

Operation n is a pure function of n, and the child prints `ack <n>` once it returned, so the parent
can rebuild the state after any acknowledged operation (expected_state).
"""

from __future__ import annotations

import sys

from rankql.runtime import Database, generate_uuid5

CLASS = "Note"
DEFINITION = {
    "class": CLASS,
    "multiTenancyConfig": {"enabled": True},
    "properties": [{"name": "body", "dataType": ["text"]}, {"name": "n", "dataType": ["int"]}],
}
TENANTS = ("A", "B", "C")


def operation(n: int) -> tuple:
    """("insert", tenant, uuid, n) mostly; every 7th a status flip of one tenant; every 23rd a save."""
    tenant = TENANTS[n % 3]
    if n % 23 == 22:
        return ("save",)
    if n % 7 == 6:
        return ("status", tenant, "COLD" if (n // 7) % 2 == 0 else "HOT")
    return ("insert", tenant, generate_uuid5(f"note-{n}"), n)


def expected_state(ops_done: int) -> dict[str, tuple[str, dict[str, int]]]:
    """tenant -> (status, {uuid: n}) after operations 0 .. ops_done - 1; inserts into a COLD tenant fail."""
    state = {t: ("HOT", {}) for t in TENANTS}
    for n in range(ops_done):
        op = operation(n)
        if op[0] == "status":
            state[op[1]] = (op[2], state[op[1]][1])
        elif op[0] == "insert" and state[op[1]][0] == "HOT":
            state[op[1]][1][op[2]] = op[3]
    return state


def main(path: str, start: int) -> None:
    db = Database(path)
    if CLASS not in db:
        db.create_collection(DEFINITION)
        db[CLASS].tenants.create(list(TENANTS))
    collection = db[CLASS]
    n = start
    while True:
        op = operation(n)
        if op[0] == "save":
            db.save()
        elif op[0] == "status":
            collection.tenants.update([{"name": op[1], "activityStatus": op[2]}])
        elif collection.tenants.get()[op[1]] == "HOT":
            collection.with_tenant(op[1]).insert(
                {"id": op[2], "properties": {"body": f"note {op[3]}", "n": op[3]}}
            )
        print(f"ack {n}", flush=True)
        n += 1


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
