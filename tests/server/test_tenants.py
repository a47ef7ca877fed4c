"""Multi-tenancy through the real weaviate-client v4 against `rankql serve`: tenants, writes, queries, errors."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest
import weaviate
import weaviate.classes as wvc
from rankql.runtime import Database, serve
from weaviate.classes.tenants import Tenant, TenantActivityStatus
from weaviate.exceptions import UnexpectedStatusCodeError, WeaviateBaseError, WeaviateQueryError

from .grpc_support import free_port
from .test_client_serve import _start, _stop

NOTE_CLASS = {
    "class": "Note",
    "vectorizer": "none",
    "multiTenancyConfig": {"enabled": True},
    "properties": [{"name": "body", "dataType": ["text"]}, {"name": "stars", "dataType": ["int"]}],
}


def _connect(server):
    return weaviate.connect_to_local(port=server.port, grpc_port=server.grpc_port)


def _notes(client, **mt):
    return client.collections.create(
        "Note",
        multi_tenancy_config=wvc.config.Configure.multi_tenancy(enabled=True, **mt),
        vectorizer_config=wvc.config.Configure.Vectorizer.none(),
        properties=[
            wvc.config.Property(name="body", data_type=wvc.config.DataType.TEXT),
            wvc.config.Property(name="stars", data_type=wvc.config.DataType.INT),
        ],
    )


def test_tenants_created_listed_written_queried_and_removed_with_the_v4_client() -> None:
    with serve(Database()) as server, _connect(server) as client:
        notes = _notes(client)
        assert client.collections.get("Note").config.get().multi_tenancy_config.enabled is True
        notes.tenants.create([Tenant(name="acme"), Tenant(name="globex")])
        assert set(notes.tenants.get()) == {"acme", "globex"}
        assert notes.tenants.exists("acme") and not notes.tenants.exists("umbrella")
        assert notes.tenants.get_by_name("globex").activity_status == TenantActivityStatus.ACTIVE
        assert notes.tenants.get_by_name("umbrella") is None

        acme, globex = notes.with_tenant("acme"), notes.with_tenant("globex")
        first = acme.data.insert({"body": "fresh fish", "stars": 3}, vector=[1.0, 0.0])
        result = globex.data.insert_many(
            [
                wvc.data.DataObject(properties={"body": "fish market", "stars": 2}, vector=[0.5, 0.5]),
                wvc.data.DataObject(properties={"body": "old boots", "stars": 1}, vector=[0.0, 1.0]),
            ]
        )
        assert not result.has_errors
        assert [o.properties["body"] for o in acme.query.bm25("fish").objects] == ["fresh fish"]
        assert len(globex.query.fetch_objects().objects) == 2
        assert [o.properties["body"] for o in globex.query.near_vector([0.0, 1.0], limit=1).objects] == [
            "old boots"
        ]
        assert globex.aggregate.over_all(total_count=True).total_count == 2
        assert acme.query.fetch_object_by_id(first).properties["stars"] == 3
        assert globex.query.fetch_object_by_id(first) is None  # acme's object is not in globex

        acme.data.update(first, properties={"stars": 5})
        assert acme.query.fetch_object_by_id(first).properties["stars"] == 5
        assert acme.data.exists(first) and not globex.data.exists(first)
        assert acme.data.delete_by_id(first)
        assert acme.aggregate.over_all(total_count=True).total_count == 0
        deleted = globex.data.delete_many(where=wvc.query.Filter.by_property("stars").equal(1))
        assert deleted.successful == 1

        notes.tenants.remove(["globex"])
        assert set(notes.tenants.get()) == {"acme"}


def test_weaviates_errors_for_no_tenant_an_unknown_one_and_a_tenant_where_there_are_none() -> None:
    with serve(Database()) as server, _connect(server) as client:
        notes = _notes(client)
        notes.tenants.create(["acme"])
        plain = client.collections.create("Plain", vectorizer_config=wvc.config.Configure.Vectorizer.none())
        with pytest.raises(
            WeaviateQueryError, match="has multi-tenancy enabled, but request was without tenant"
        ):
            notes.query.fetch_objects()
        with pytest.raises(WeaviateQueryError, match='tenant not found: \\\\?"umbrella\\\\?"'):
            notes.with_tenant("umbrella").query.fetch_objects()
        with pytest.raises(
            WeaviateQueryError, match="has multi-tenancy disabled, but request was with tenant"
        ):
            plain.with_tenant("acme").query.fetch_objects()
        with pytest.raises(
            UnexpectedStatusCodeError, match="has multi-tenancy enabled, but request was without tenant"
        ):
            notes.data.insert({"body": "x"})
        with pytest.raises(WeaviateBaseError, match="tenant not found"):
            notes.with_tenant("umbrella").data.insert_many([{"body": "x"}])  # every object failed
        notes.tenants.create(["two"])
        batch = notes.with_tenant("two").data.insert_many([{"body": "fine"}, {"body": 7}])
        assert batch.has_errors and len(batch.errors) == 1
        with pytest.raises(WeaviateBaseError, match="multi-tenancy is not enabled for class"):
            plain.tenants.get()


def test_tenant_rest_routes_answer_as_weaviate() -> None:
    with serve(Database()) as server, _connect(server) as client:
        _notes(client)
        base = f"http://127.0.0.1:{server.port}/v1/schema/Note/tenants"
        created = httpx.post(base, json=[{"name": "acme"}, {"name": "cold", "activityStatus": "COLD"}])
        assert created.status_code == 200 and created.json() == [
            {"name": "acme"},
            {"name": "cold", "activityStatus": "COLD"},
        ]
        assert httpx.get(base).json() == [
            {"name": "acme", "activityStatus": "HOT"},
            {"name": "cold", "activityStatus": "COLD"},
        ]
        assert httpx.get(f"{base}/cold").json() == {"name": "cold", "activityStatus": "COLD"}
        assert httpx.get(f"{base}/nope").status_code == 404
        assert httpx.head(f"{base}/acme").status_code == 200
        updated = httpx.put(base, json=[{"name": "cold", "activityStatus": "ACTIVE"}])
        assert updated.json() == [{"name": "cold", "activityStatus": "HOT"}]
        missing = httpx.put(base, json=[{"name": "nope", "activityStatus": "HOT"}])
        assert missing.status_code == 422 and "shard not found: nope" in missing.json()["error"][0]["message"]
        bad = httpx.post(base, json=[{"name": "no spaces"}])
        assert bad.status_code == 422 and "is not a valid tenant name" in bad.json()["error"][0]["message"]
        assert httpx.request("DELETE", base, json=["cold", "never-there"]).status_code == 200
        assert [t["name"] for t in httpx.get(base).json()] == ["acme"]
        shards = httpx.get(f"http://127.0.0.1:{server.port}/v1/schema/Note/shards").json()
        assert shards == [{"name": "acme", "status": "READY", "vectorQueueSize": 0}]
        obj = httpx.post(
            f"http://127.0.0.1:{server.port}/v1/objects",
            json={"class": "Note", "tenant": "acme", "properties": {"body": "hi"}},
        )
        assert obj.status_code == 200 and obj.json()["tenant"] == "acme"
        uuid = obj.json()["id"]
        assert (
            httpx.get(f"http://127.0.0.1:{server.port}/v1/objects/Note/{uuid}?tenant=acme").status_code == 200
        )
        refused = httpx.get(f"http://127.0.0.1:{server.port}/v1/objects/Note/{uuid}")
        assert refused.status_code == 422


def test_a_cold_tenant_of_a_served_folder_refuses_queries_and_comes_back(tmp_path: Path) -> None:
    with serve(Database(tmp_path)) as server, _connect(server) as client:
        notes = _notes(client)
        notes.tenants.create(["acme"])
        notes.with_tenant("acme").data.insert({"body": "kept on disk", "stars": 4})
        notes.tenants.update(Tenant(name="acme", activity_status=TenantActivityStatus.INACTIVE))
        assert notes.tenants.get()["acme"].activity_status == TenantActivityStatus.INACTIVE
        with pytest.raises(WeaviateQueryError, match="tenant not active: 'acme'"):
            notes.with_tenant("acme").query.fetch_objects()
        with pytest.raises(UnexpectedStatusCodeError, match="tenant not active"):
            notes.with_tenant("acme").data.insert({"body": "refused"})
        notes.tenants.update(Tenant(name="acme", activity_status=TenantActivityStatus.ACTIVE))
        assert [o.properties["body"] for o in notes.with_tenant("acme").query.fetch_objects().objects] == [
            "kept on disk"
        ]


def test_auto_tenant_creation_and_activation() -> None:
    with serve(Database()) as server, _connect(server) as client:
        notes = _notes(client, auto_tenant_creation=True, auto_tenant_activation=True)
        notes.with_tenant("fresh").data.insert({"body": "made the tenant"})
        assert notes.with_tenant("other").data.insert_many([{"body": "so did this"}]).has_errors is False
        assert set(notes.tenants.get()) == {"fresh", "other"}
        notes.tenants.update(Tenant(name="fresh", activity_status=TenantActivityStatus.INACTIVE))
        assert len(notes.with_tenant("fresh").query.fetch_objects().objects) == 1  # woken by the query
        assert notes.tenants.get()["fresh"].activity_status == TenantActivityStatus.ACTIVE


def test_rankql_serve_keeps_tenants_and_their_status_in_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "app-db"
    port, grpc_port = free_port(), free_port()
    proc, _ = _start("--db", str(folder), "--port", str(port), "--grpc-port", str(grpc_port))
    try:
        with weaviate.connect_to_local(port=port, grpc_port=grpc_port) as client:
            notes = _notes(client)
            notes.tenants.create(["acme", "globex"])
            notes.with_tenant("acme").data.insert_many([{"body": f"note {i}", "stars": i} for i in range(5)])
            notes.with_tenant("globex").data.insert({"body": "one", "stars": 1})
            notes.tenants.update(Tenant(name="globex", activity_status=TenantActivityStatus.INACTIVE))
    finally:
        code, err = _stop(proc, signal.SIGTERM)
    assert code == 0 and "Traceback" not in err, err
    with Database(folder) as db:
        assert db["Note"].tenants.get() == {"acme": "HOT", "globex": "COLD"}
        assert len(db["Note"].with_tenant("acme")) == 5
        db["Note"].tenants.update([{"name": "globex", "activityStatus": "HOT"}])
        assert len(db["Note"].with_tenant("globex")) == 1


def test_changing_a_multi_tenant_class_keeps_its_tenants_and_follows_weaviates_rules() -> None:
    with serve(Database()) as server, _connect(server) as client:
        notes = _notes(client)
        notes.tenants.create(["acme"])  # no objects yet: the class must not be made again without it
        base = f"http://127.0.0.1:{server.port}/v1/schema"
        # The class as created, with autoTenantCreation switched on (Weaviate lets the switches change).
        wire = {**NOTE_CLASS, "multiTenancyConfig": {"enabled": True, "autoTenantCreation": True}}
        assert httpx.put(f"{base}/Note", json=wire).status_code == 200
        config = notes.config.get().multi_tenancy_config
        assert config.enabled and config.auto_tenant_creation
        # a property added to a class with tenants reaches every tenant (Weaviate's add_property)
        notes.config.add_property(wvc.config.Property(name="extra", data_type=wvc.config.DataType.TEXT))
        assert set(notes.tenants.get()) == {"acme"}
        acme = notes.with_tenant("acme")
        acme.data.insert({"body": "x", "extra": "late field"}, vector=[1.0, 0.0])
        found = acme.query.bm25("late", query_properties=["extra"]).objects
        assert [o.properties["extra"] for o in found] == ["late field"]
        plain = {"class": "Plain", "multiTenancyConfig": {"enabled": False, "autoTenantCreation": True}}
        refused = httpx.post(base, json=plain)
        assert refused.status_code == 422
        assert "can't enable autoTenantCreation on a non-multi-tenant class" in refused.text
        wire = httpx.get(f"{base}/Note").json()
        wire["multiTenancyConfig"] = {"enabled": False}
        turned = httpx.put(f"{base}/Note", json=wire)
        assert (
            turned.status_code == 422
            and "disabling multi-tenancy for an existing class is not supported" in turned.text
        )


def test_references_of_a_tenants_objects_through_the_v4_client() -> None:
    with serve(Database()) as server, _connect(server) as client:
        places = client.collections.create(
            "Place", properties=[wvc.config.Property(name="name", data_type=wvc.config.DataType.TEXT)]
        )
        berlin = places.data.insert({"name": "Berlin"}, vector=[1.0, 0.0])
        notes = _notes(client)
        notes.config.add_reference(wvc.config.ReferenceProperty(name="at", target_collection="Place"))
        notes.config.add_reference(wvc.config.ReferenceProperty(name="prev", target_collection="Note"))
        notes.tenants.create(["acme", "globex"])
        acme = notes.with_tenant("acme")
        first = acme.data.insert({"body": "first"}, references={"at": berlin})  # a class without tenants
        second = acme.data.insert({"body": "second"})
        acme.data.reference_add(from_uuid=second, from_property="prev", to=first)  # REST, ?tenant=acme
        batch = acme.data.reference_add_many(
            [wvc.data.DataReference(from_property="at", from_uuid=second, to_uuid=berlin)]
        )
        assert not batch.has_errors, batch.errors
        got = acme.query.fetch_objects(
            filters=wvc.query.Filter.by_ref("prev").by_property("body").equal("first"),
            return_references=[
                wvc.query.QueryReference(link_on="prev", return_properties=["body"]),
                wvc.query.QueryReference(link_on="at", return_properties=["name"]),
            ],
        ).objects
        assert [o.properties["body"] for o in got] == ["second"]
        assert [r.properties["body"] for r in got[0].references["prev"].objects] == ["first"]
        assert [r.properties["name"] for r in got[0].references["at"].objects] == ["Berlin"]
        with pytest.raises(UnexpectedStatusCodeError, match="no object with id"):  # acme's, not globex's
            notes.with_tenant("globex").data.insert({"body": "x"}, references={"prev": first})
        with pytest.raises(UnexpectedStatusCodeError, match="without tenant"):
            notes.data.reference_add(from_uuid=second, from_property="prev", to=first)
