"""Cross-references end to end with the real v4 client against `serve()`: ReferenceProperty collections,
references on insert (REST) and insert_many (gRPC batch), the reference endpoints and the reference
batch, return_references two levels deep, filters by_ref / by_ref_multi_target / by_ref_count, and the
same through /v1/graphql."""

from __future__ import annotations

import pytest
from rankql.runtime.server.fixture import weaviate_client
from weaviate.classes.config import DataType, Property, ReferenceProperty
from weaviate.classes.data import DataObject, DataReference, ReferenceToMulti
from weaviate.classes.query import Filter, MetadataQuery, QueryReference
from weaviate.exceptions import UnexpectedStatusCodeError, WeaviateBaseError
from weaviate.util import generate_uuid5

DE, FR = generate_uuid5("Germany"), generate_uuid5("France")
BERLIN, PARIS, LYON = generate_uuid5("Berlin"), generate_uuid5("Paris"), generate_uuid5("Lyon")
ANN, BOB, CLEO = generate_uuid5("Ann"), generate_uuid5("Bob"), generate_uuid5("Cleo")


@pytest.fixture(scope="module")
def client():
    with weaviate_client() as client:
        countries = client.collections.create(
            "Country", properties=[Property(name="name", data_type=DataType.TEXT)]
        )
        cities = client.collections.create(
            "City",
            properties=[
                Property(name="name", data_type=DataType.TEXT),
                Property(name="population", data_type=DataType.INT),
            ],
            references=[ReferenceProperty(name="inCountry", target_collection="Country")],
        )
        client.collections.create(
            "Person",
            properties=[Property(name="name", data_type=DataType.TEXT)],
            references=[
                ReferenceProperty(name="livesIn", target_collection="City"),
                ReferenceProperty.MultiTarget(name="visited", target_collections=["City", "Country"]),
            ],
        )
        countries.data.insert({"name": "Germany"}, uuid=DE, vector=[1.0, 0.0])
        countries.data.insert({"name": "France"}, uuid=FR, vector=[0.0, 1.0])
        cities.data.insert(
            {"name": "Berlin", "population": 3600},
            uuid=BERLIN,
            vector=[1.0, 0.1],
            references={"inCountry": DE},
        )
        result = cities.data.insert_many(
            [
                DataObject(
                    {"name": "Paris", "population": 2100},
                    uuid=PARIS,
                    vector=[0.1, 1.0],
                    references={"inCountry": FR},
                ),
                DataObject(
                    {"name": "Lyon", "population": 500},
                    uuid=LYON,
                    vector=[0.2, 1.0],
                    references={"inCountry": FR},
                ),
            ]
        )
        assert not result.has_errors, result.errors
        yield client


def test_references_written_every_way_and_returned_two_levels_deep(client) -> None:
    people = client.collections.get("Person")
    people.data.insert({"name": "Ann"}, uuid=ANN, vector=[1.0, 0.0], references={"livesIn": BERLIN})
    result = people.data.insert_many(
        [
            DataObject(
                {"name": "Bob"},
                uuid=BOB,
                vector=[0.0, 1.0],
                references={
                    "livesIn": PARIS,
                    "visited": ReferenceToMulti(target_collection="Country", uuids=[DE]),
                },
            ),
            DataObject({"name": "Cleo"}, uuid=CLEO, vector=[0.5, 0.5]),
        ]
    )
    assert not result.has_errors, result.errors
    people.data.reference_add(
        from_uuid=ANN, from_property="visited", to=ReferenceToMulti(target_collection="City", uuids=PARIS)
    )
    batch = people.data.reference_add_many(
        [DataReference(from_property="livesIn", from_uuid=CLEO, to_uuid=LYON)]
    )
    assert not batch.has_errors, batch.errors
    people.data.reference_replace(from_uuid=CLEO, from_property="livesIn", to=[PARIS, LYON])
    people.data.reference_delete(from_uuid=CLEO, from_property="livesIn", to=PARIS)

    got = people.query.fetch_objects(
        return_properties=["name"],
        return_references=[
            QueryReference(
                link_on="livesIn",
                return_properties=["name"],
                return_references=QueryReference(link_on="inCountry", return_properties=["name"]),
            ),
        ],
    )
    by_name = {o.properties["name"]: o for o in got.objects}
    ann_city = by_name["Ann"].references["livesIn"].objects[0]
    assert ann_city.properties == {"name": "Berlin"} and str(ann_city.uuid) == BERLIN
    assert ann_city.collection == "City"
    assert ann_city.references["inCountry"].objects[0].properties == {"name": "Germany"}
    assert [o.properties["name"] for o in by_name["Cleo"].references["livesIn"].objects] == ["Lyon"]

    visited = people.query.fetch_object_by_id(
        ANN,
        return_references=QueryReference.MultiTarget(
            link_on="visited", target_collection="City", return_properties=["name"]
        ),
    )
    assert [o.properties["name"] for o in visited.references["visited"].objects] == ["Paris"]
    shown = client.rankql_server.db.collection("Person").get(ANN)["properties"]["visited"]
    assert shown == [{"beacon": f"weaviate://localhost/City/{PARIS}", "href": f"/v1/objects/City/{PARIS}"}]


def test_filters_through_references_and_reference_counts(client) -> None:
    people = client.collections.get("Person")

    def names(filters) -> list[str]:
        return sorted(o.properties["name"] for o in people.query.fetch_objects(filters=filters).objects)

    assert names(Filter.by_ref("livesIn").by_property("name").equal("Berlin")) == ["Ann"]
    assert names(Filter.by_ref("livesIn").by_ref("inCountry").by_property("name").equal("France")) == [
        "Bob",
        "Cleo",
    ]
    assert names(Filter.by_ref("livesIn").by_property("population").less_than(1000)) == ["Cleo"]
    assert names(Filter.by_ref_multi_target("visited", "Country").by_property("name").equal("Germany")) == [
        "Bob"
    ]
    assert names(Filter.by_ref_count("visited").greater_or_equal(1)) == ["Ann", "Bob"]
    near = people.query.near_vector(
        [1.0, 0.0],
        filters=Filter.by_ref("livesIn").by_ref("inCountry").by_property("name").equal("France"),
        return_metadata=MetadataQuery(distance=True),
    )
    assert [o.properties["name"] for o in near.objects] == ["Cleo", "Bob"]


def test_graphql_through_rest_resolves_references(client) -> None:
    answer = client.graphql_raw_query(
        '{ Get { Person(where: {path: ["livesIn", "City", "name"], operator: Equal, valueText: "Berlin"}) '
        "{ name livesIn { ... on City { name inCountry { ... on Country { name } } } } } } }"
    )
    assert answer.errors is None
    assert answer.get["Person"] == [
        {"name": "Ann", "livesIn": [{"name": "Berlin", "inCountry": [{"name": "Germany"}]}]}
    ]


def test_reference_mistakes_get_weaviates_errors(client) -> None:
    people = client.collections.get("Person")
    missing = generate_uuid5("nobody")
    with pytest.raises(UnexpectedStatusCodeError, match=f"no object with id {missing} found"):
        people.data.insert({"name": "Dan"}, references={"livesIn": missing})
    result = people.data.insert_many(
        [DataObject({"name": "Eve"}, references={"livesIn": missing}), DataObject({"name": "Fay"})]
    )
    assert list(result.errors) == [0] and "no object with id" in result.errors[0].message
    with pytest.raises(UnexpectedStatusCodeError) as err:
        people.data.reference_add(from_uuid=missing, from_property="livesIn", to=BERLIN)
    assert err.value.status_code == 404
    with pytest.raises(WeaviateBaseError, match="reference property to nonexistent class"):
        client.collections.create(
            "Pet", references=[ReferenceProperty(name="owner", target_collection="Owner")]
        )


def test_a_reference_property_added_to_a_collection_that_holds_objects(client) -> None:
    cities = client.collections.get("City")
    cities.config.add_reference(ReferenceProperty(name="twin", target_collection="City"))
    assert [r.name for r in cities.config.get().references] == ["inCountry", "twin"]
    cities.data.reference_add(from_uuid=PARIS, from_property="twin", to=BERLIN)
    got = cities.query.fetch_object_by_id(
        PARIS, return_references=QueryReference(link_on="twin", return_properties=["name"])
    )
    assert got.references["twin"].objects[0].properties == {"name": "Berlin"}
