"""The databases the graph-relative vector tests save: every metric, deletions, slot reuse, named vectors, tenants."""

from __future__ import annotations

import numpy as np
from rankql.runtime import Database

DIM = 8
METRICS = {"Cos": "cosine", "Ltwo": "l2-squared", "Dot": "dot"}
ODD = [0.0, -0.0, 1e-40, -3e-39, 1e-30, 7e25, -2e30, 1.0]  # zeros, subnormal, tiny and huge magnitudes


def vectors(n: int, seed: int) -> np.ndarray:
    """Random vectors, with rows of zeros, -0.0, subnormal, tiny and huge components mixed in."""
    rng = np.random.default_rng(seed)
    out = rng.normal(size=(n, DIM)).astype(np.float32)
    out[::7] = 0.0
    out[3::7] = -0.0
    out[5::11] = np.asarray(ODD, np.float32)
    out[2::13] *= np.float32(1e-38)
    out[4::13] *= np.float32(3e30)
    out[6::17, ::2] = -0.0
    return out


def _objects(prefix: str, n: int, seed: int, named: bool = False) -> list[dict]:
    rows = vectors(n, seed)
    out = []
    for i, v in enumerate(rows):
        obj: dict = {"id": f"00000000-0000-4000-8000-{prefix}{i:08d}", "properties": {"n": i}}
        if named:
            obj["vectors"] = {"a": v.tolist(), "b": (v[::-1] * 2).tolist()}
        else:
            obj["vector"] = v.tolist()
        out.append(obj)
    return out


def _churn(col, prefix: str, seed: int, named: bool = False) -> None:
    """Deletes and updates (new doc ids that may take deleted slots of the graph), then new objects."""
    for i in range(0, 40, 5):
        col.delete(f"00000000-0000-4000-8000-{prefix}{i:08d}")
    for i in (1, 8, 22):
        rows = vectors(1, seed + i)[0].tolist()
        vector = {"vectors": {"a": rows, "b": rows}} if named else {"vector": rows}
        col.update(f"00000000-0000-4000-8000-{prefix}{i:08d}", {"n": 1000 + i}, **vector)
    assert col.insert_many(_objects(f"{prefix[:3]}9", 12, seed + 50, named)).ok


def build(db: Database, *, checkpoint: bool = False) -> None:
    """Every kind of vector store a folder holds; with `checkpoint`, saves between the steps (so later
    checkpoints reuse the segments of earlier ones)."""
    cols = []
    for name, metric in METRICS.items():
        col = db.create_collection(
            {
                "class": name,
                "vectorIndexConfig": {"distance": metric, "maxConnections": 4, "efConstruction": 16},
                "properties": [{"name": "n", "dataType": ["int"]}],
            }
        )
        assert col.insert_many(_objects(f"{len(cols):03d}0", 60, len(cols))).ok
        cols.append(col)
    named = db.create_collection(
        {
            "class": "Named",
            "vectorConfig": {"a": {}, "b": {"vectorIndexConfig": {"distance": "dot"}}},
            "properties": [{"name": "n", "dataType": ["int"]}],
        }
    )
    assert named.insert_many(_objects("1000", 40, 7, named=True)).ok
    tenants = db.create_collection(
        {
            "class": "Ten",
            "multiTenancyConfig": {"enabled": True},
            "properties": [{"name": "n", "dataType": ["int"]}],
        }
    )
    tenants.tenants.create(["hot", "cold"])
    for t, tenant in enumerate(("hot", "cold")):
        assert tenants.with_tenant(tenant).insert_many(_objects(f"20{t}0", 45, 20 + t)).ok
    if checkpoint:
        db.save()
    for k, col in enumerate(cols):
        _churn(col, f"{k:03d}0", 100 + k)
    _churn(named, "1000", 200, named=True)
    _churn(tenants.with_tenant("hot"), "2000", 300)
    if checkpoint:
        db.save()
    assert cols[0].insert_many(_objects("0009", 5, 400)).ok  # a segment of its own after two checkpoints
    _churn(tenants.with_tenant("cold"), "2010", 310)
    tenants.tenants.update([{"name": "cold", "activityStatus": "COLD"}])


def every_vector(db: Database) -> dict:
    """(class, tenant, target, uuid) -> the vector's bits, for every live vector of the database."""
    out = {}
    for name in (*METRICS, "Named", "Ten"):
        col = db.collection(name)
        for tenant in ("hot", "cold") if name == "Ten" else (None,):
            if tenant == "cold":
                col.tenants.update([{"name": "cold", "activityStatus": "HOT"}])
            shard = col if tenant is None else col.with_tenant(tenant)
            targets = list(shard.named) if shard.named else [None]
            for doc_id in shard.live_ids().tolist():
                for target in targets:
                    vector = shard.vector_of(doc_id, target)
                    if vector is not None:
                        out[(name, tenant, target, shard.uuid_of(doc_id))] = vector.view(np.uint32).tolist()
            if tenant == "cold":
                col.tenants.update([{"name": "cold", "activityStatus": "COLD"}])
    return out
