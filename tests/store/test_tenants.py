"""Multi-tenancy in the store: tenants as shards, Weaviate's errors, HOT/COLD, folders and the log."""

from __future__ import annotations

import gc
import os
import random
import signal
import subprocess
import sys
import time
import weakref
from pathlib import Path

import pytest
from rankql.runtime import Database
from rankql.runtime.errors import SchemaError, TenantError

from . import tenant_child

DEFINITION = {
    "class": "Doc",
    "multiTenancyConfig": {"enabled": True},
    "properties": [{"name": "title", "dataType": ["text"]}],
}


def _doc(db: Database, **config: bool):
    return db.create_collection({**DEFINITION, "multiTenancyConfig": {"enabled": True, **config}})


def test_each_tenant_is_its_own_shard_with_its_own_indexes() -> None:
    db = Database()
    docs = _doc(db)
    assert docs.tenants.create(["A", "B"]) == [
        {"name": "A", "activityStatus": "HOT"},
        {"name": "B", "activityStatus": "HOT"},
    ]
    docs.with_tenant("A").insert({"properties": {"title": "fresh fish"}, "vector": [1.0, 0.0]})
    docs.with_tenant("B").insert({"properties": {"title": "old boots"}, "vector": [0.0, 1.0]})
    a, b = docs.with_tenant("A"), docs.with_tenant("B")
    assert (len(a), len(b)) == (1, 1)
    assert a is not b and a.bm25 is not b.bm25 and a.vectors is not b.vectors
    ids, _, _ = a.bm25_search("boots")
    assert len(ids) == 0  # B's words are not in A's keyword index
    assert docs.tenants.get() == {"A": "HOT", "B": "HOT"}
    assert docs.tenants.exists("A") and not docs.tenants.exists("Z")


def test_weaviate_errors_for_missing_unknown_inactive_and_refused_tenants() -> None:
    db = Database()
    docs = _doc(db)
    docs.tenants.create([{"name": "A"}, {"name": "Cold", "activityStatus": "INACTIVE"}])
    with pytest.raises(
        TenantError, match="class Doc has multi-tenancy enabled, but request was without tenant"
    ):
        docs.insert({"properties": {"title": "x"}})
    with pytest.raises(TenantError, match='tenant not found: "Z"'):
        docs.with_tenant("Z")
    with pytest.raises(TenantError, match="tenant not active: 'Cold'"):
        docs.with_tenant("Cold")
    plain = db.create_collection({"class": "Plain", "properties": [{"name": "title", "dataType": ["text"]}]})
    with pytest.raises(
        TenantError, match="class Plain has multi-tenancy disabled, but request was with tenant"
    ):
        plain.with_tenant("A")
    assert plain.for_tenant(None) is plain and plain.tenant_shards is None
    with pytest.raises(TenantError, match='multi-tenancy is not enabled for class "Plain"'):
        plain.tenants.create(["A"])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda t: t.create(["ok", "bad name"]),
            "tenant name at index 1:  'bad name' is not a valid tenant name",
        ),
        (lambda t: t.create(["A", "A"]), "tenant name A existed multiple times"),
        (lambda t: t.create([""]), "tenant name at index 0: empty tenant name"),
        (lambda t: t.create([{"name": "A", "activityStatus": "WARM"}]), "invalid activity status 'WARM'"),
        (lambda t: t.update([{"name": "A", "activityStatus": "FROZEN"}]), "offload-s3 module is not enabled"),
        (lambda t: t.update([{"name": "Nope", "activityStatus": "HOT"}]), "shard not found: Nope"),
        (lambda t: t.update([{"name": "A"}]), "invalid activity status '' for tenant \"A\""),
        (lambda t: t.update(["A"]), "invalid activity status '' for tenant \"A\""),
        (lambda t: t.remove([""]), "empty tenant name at index 0"),
    ],
)
def test_tenant_changes_weaviate_refuses(call, message: str) -> None:
    docs = _doc(Database())
    docs.tenants.create(["A"])
    with pytest.raises(TenantError, match=message.replace("(", r"\(")):
        call(docs.tenants)
    assert docs.tenants.get() == {"A": "HOT"}  # nothing half-done


def test_create_skips_existing_remove_skips_unknown_and_drops_objects() -> None:
    docs = _doc(Database())
    docs.tenants.create(["A"])
    docs.with_tenant("A").insert({"properties": {"title": "kept"}})
    docs.tenants.create(["A", "B"])
    assert len(docs.with_tenant("A")) == 1
    held = docs.with_tenant("A")
    docs.tenants.remove(["A", "Unknown"])
    assert docs.tenants.get() == {"B": "HOT"}
    with pytest.raises(TenantError, match='tenant not found: "A"'):
        held.insert({"properties": {"title": "into a removed tenant"}})
    docs.tenants.create(["A"])
    assert len(docs.with_tenant("A")) == 0


def test_multi_tenancy_config_is_kept_and_checked() -> None:
    db = Database()
    docs = _doc(db, autoTenantCreation=True)
    assert docs.definition["multiTenancyConfig"] == {
        "enabled": True,
        "autoTenantCreation": True,
        "autoTenantActivation": False,
    }
    plain = db.create_collection({**DEFINITION, "class": "Off", "multiTenancyConfig": {"enabled": False}})
    assert "multiTenancyConfig" not in plain.definition
    with pytest.raises(SchemaError, match="multiTenancyConfig.autoTenantActivation must be true or false"):
        db.create_collection(
            {**DEFINITION, "class": "Bad", "multiTenancyConfig": {"enabled": True, "autoTenantActivation": 2}}
        )


def test_auto_creation_and_auto_activation() -> None:
    db = Database()
    docs = _doc(db, autoTenantCreation=True, autoTenantActivation=True)
    docs.tenants.ensure("New", for_write=True)
    assert docs.tenants.get() == {"New": "HOT"}
    docs.tenants.update([{"name": "New", "activityStatus": "COLD"}])
    docs.tenants.ensure("New", for_write=False)
    assert docs.tenants.get() == {"New": "HOT"}
    off = db.create_collection({**DEFINITION, "class": "Off"})
    off.tenants.ensure("New", for_write=True)
    assert off.tenants.get() == {}


def test_cold_tenant_of_a_folder_is_unloaded_and_comes_back(tmp_path: Path) -> None:
    with Database(tmp_path) as db:
        docs = _doc(db)
        docs.tenants.create(["A", "B"])
        docs.with_tenant("A").insert(
            {"id": "00000000-0000-0000-0000-000000000001", "properties": {"title": "a"}}
        )
        docs.with_tenant("B").insert({"properties": {"title": "b"}, "vector": [1.0, 2.0]})
        held = docs.with_tenant("A")
        assert docs.tenants.update([{"name": "A", "activityStatus": "INACTIVE"}]) == [
            {"name": "A", "activityStatus": "COLD"}
        ]
        assert docs.tenants.items["A"].shard is None  # out of memory
        assert any((docs.tenants.items["A"].source or tmp_path).iterdir())  # its files stay
        with pytest.raises(TenantError, match="tenant not active: 'A'"):
            held.insert({"properties": {"title": "refused"}})
        with pytest.raises(TenantError, match="tenant not active: 'A'"):
            docs.with_tenant("A")
    with Database(tmp_path) as db:
        docs = db["Doc"]
        assert docs.tenants.get() == {"A": "COLD", "B": "HOT"}
        assert docs.tenants.items["A"].shard is None  # never loaded on open
        db.save()
        docs.with_tenant("B").insert({"properties": {"title": "b2"}, "vector": [2.0, 1.0]})
        db.save()  # a checkpoint carries the COLD tenant's files along
        docs.tenants.update([{"name": "A", "activityStatus": "ACTIVE"}])
        assert docs.with_tenant("A").get("00000000-0000-0000-0000-000000000001")["properties"] == {
            "title": "a"
        }
    with Database(tmp_path) as db:
        assert {t: len(db["Doc"].with_tenant(t)) for t in ("A", "B")} == {"A": 1, "B": 2}


def test_tenant_changes_replay_from_the_log(tmp_path: Path) -> None:
    db = Database(tmp_path)
    docs = _doc(db)
    docs.tenants.create(["A", "B", "C"])
    docs.with_tenant("A").insert({"properties": {"title": "a"}})
    docs.tenants.remove("C")
    db._folder.close()  # as if killed: no checkpoint, only the log
    db._closed = True
    with Database(tmp_path) as db:
        assert db["Doc"].tenants.get() == {"A": "HOT", "B": "HOT"}
        assert len(db["Doc"].with_tenant("A")) == 1


def _state(path: Path) -> dict:
    with Database(path) as db:
        docs = db[tenant_child.CLASS]
        out = {}
        for name, status in docs.tenants.get().items():
            if status == "COLD":
                docs.tenants.update([{"name": name, "activityStatus": "HOT"}])
            shard = docs.with_tenant(name)
            rows = {shard.uuid_of(d): shard.properties_of(d)["n"] for d in shard.live_ids().tolist()}
            out[name] = (status, rows)
            if status == "COLD":
                docs.tenants.update([{"name": name, "activityStatus": "COLD"}])
        return out


def test_kill_during_tenant_writes_and_status_changes_loses_nothing_acknowledged(tmp_path: Path) -> None:
    rng = random.Random(13)
    done = 0
    for _ in range(4):
        proc = subprocess.Popen(
            [sys.executable, str(Path(tenant_child.__file__)), str(tmp_path), str(done)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
        )
        acked, target = done, done + rng.randint(10, 60)
        try:
            while acked < target:
                line = proc.stdout.readline()
                assert line, proc.stderr.read()
                acked = int(line.split()[1]) + 1
            time.sleep(rng.uniform(0.0, 0.03))  # somewhere inside a later write, status change or checkpoint
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
            acked = max([acked, *(int(x.split()[1]) + 1 for x in proc.stdout.read().splitlines())])
        finally:
            proc.kill()
            proc.stdout.close()
            proc.stderr.close()
        got = _state(tmp_path)
        assert got in (tenant_child.expected_state(acked), tenant_child.expected_state(acked + 1))
        done = acked if got == tenant_child.expected_state(acked) else acked + 1


def test_a_cold_tenant_leaves_memory_even_after_queries_cached_its_plan(tmp_path: Path) -> None:
    with Database(tmp_path) as db:
        docs = _doc(db)
        docs.tenants.create(["A"])
        docs.with_tenant("A").insert({"properties": {"title": "fish"}, "vector": [1.0, 0.0]})
        found = db.query('{ Get { Doc(tenant: "A", bm25: {query: "fish"}) { title } } }')
        assert found == {"data": {"Get": {"Doc": [{"title": "fish"}]}}}
        shard = weakref.ref(docs.tenants.items["A"].shard)
        docs.tenants.update([{"name": "A", "activityStatus": "COLD"}])
        gc.collect()
        assert shard() is None  # no index, table or cached plan keeps it
        answer = db.query('{ Get { Doc(tenant: "A", bm25: {query: "fish"}) { title } } }')
        assert answer["errors"][0]["message"] == "tenant not active: 'A'"


def test_a_tenants_references_reach_a_class_without_tenants_itself_and_the_same_tenant_elsewhere(
    tmp_path: Path,
) -> None:
    with Database(tmp_path) as db:
        db.create_collection({"class": "Place", "properties": [{"name": "name", "dataType": ["text"]}]})
        db.create_collection({**DEFINITION, "class": "Tag"})
        _doc(db)
        db.add_reference_property("Doc", {"name": "at", "dataType": ["Place"]})
        db.add_reference_property("Doc", {"name": "prev", "dataType": ["Doc"]})
        db.add_reference_property("Doc", {"name": "tag", "dataType": ["Tag"]})
        berlin = db["Place"].insert({"properties": {"name": "Berlin"}, "vector": [1.0, 0.0]})
        db["Tag"].tenants.create(["A", "B"])
        db["Doc"].tenants.create(["A", "B"])
        red = db["Tag"].with_tenant("A").insert({"properties": {"title": "red"}, "vector": [1.0, 0.0]})
        docs = db["Doc"].with_tenant("A")
        first = docs.insert({"properties": {"title": "first", "at": [berlin]}, "vector": [1.0, 0.0]})
        docs.insert({"properties": {"title": "second", "prev": [first], "tag": [red]}, "vector": [0.0, 1.0]})
        refused = db["Doc"].with_tenant("B").insert_many([{"properties": {"title": "x", "tag": [red]}}])
        assert "no object with id" in str(refused.errors)  # tenant B holds no Tag `red`
    with Database(tmp_path) as db:  # the shards loaded from the folder resolve them too
        got = db.query(
            '{ Get { Doc(tenant: "A", where: {path: ["at", "Place", "name"], operator: Equal, '
            'valueText: "Berlin"}) { title at { ... on Place { name } } } } }'
        )
        assert got["data"]["Get"]["Doc"] == [{"title": "first", "at": [{"name": "Berlin"}]}]
        got = db.query(
            '{ Get { Doc(tenant: "A", where: {path: ["tag", "Tag", "title"], operator: Equal, '
            'valueText: "red"}) { title prev { ... on Doc { title } } tag { ... on Tag { title } } } } }'
        )
        assert got["data"]["Get"]["Doc"] == [
            {"title": "second", "prev": [{"title": "first"}], "tag": [{"title": "red"}]}
        ]


def test_a_reference_property_added_to_a_class_with_tenants_reaches_every_tenant(tmp_path: Path) -> None:
    with Database(tmp_path) as db:
        db.create_collection({"class": "Place", "properties": [{"name": "name", "dataType": ["text"]}]})
        berlin = db["Place"].insert({"properties": {"name": "Berlin"}, "vector": [1.0, 0.0]})
        docs = _doc(db)
        docs.tenants.create(["hot", "cold"])
        first = docs.with_tenant("hot").insert({"properties": {"title": "a"}, "vector": [1.0, 0.0]})
        docs.with_tenant("cold").insert({"properties": {"title": "b"}, "vector": [1.0, 0.0]})
        docs.tenants.update([{"name": "cold", "activityStatus": "COLD"}])
        db.save()  # the COLD tenant's shard leaves memory with the old definition on disk
        db.add_reference_property("Doc", {"name": "at", "dataType": ["Place"]})
        docs.with_tenant("hot").add_reference(first, "at", {"beacon": f"weaviate://localhost/Place/{berlin}"})
        docs.tenants.update([{"name": "cold", "activityStatus": "HOT"}])
        docs.with_tenant("cold").insert({"properties": {"title": "c", "at": [berlin]}, "vector": [0.0, 1.0]})
    with Database(tmp_path) as db:
        for tenant, expected in (("hot", [{"name": "Berlin"}]), ("cold", [{"name": "Berlin"}])):
            got = db.query(
                f'{{ Get {{ Doc(tenant: "{tenant}", where: {{path: ["at", "Place", "name"], '
                'operator: Equal, valueText: "Berlin"}) { at { ... on Place { name } } } } }'
            )
            assert got["data"]["Get"]["Doc"] == [{"at": expected}], (tenant, got)


def test_a_property_added_while_a_tenant_is_cold_reaches_it_when_hot(tmp_path: Path) -> None:
    with Database(tmp_path) as db:
        docs = _doc(db)
        docs.tenants.create(["A", "B"])
        docs.with_tenant("A").insert({"properties": {"title": "old"}, "vector": [1.0, 0.0]})
        docs.tenants.update([{"name": "A", "activityStatus": "COLD"}])
        db.add_property("Doc", {"name": "note", "dataType": ["text"]})
        docs.tenants.update([{"name": "A", "activityStatus": "HOT"}])
        docs.with_tenant("A").insert(
            {"properties": {"title": "new", "note": "late words"}, "vector": [0.0, 1.0]}
        )
        query = '{ Get { Doc(tenant: "A", bm25: {query: "late", properties: ["note"]}) { title note } } }'
        assert db.query(query)["data"]["Get"]["Doc"] == [{"title": "new", "note": "late words"}]
    with Database(tmp_path) as db:
        assert db.query(query)["data"]["Get"]["Doc"] == [{"title": "new", "note": "late words"}]
