"""geoCoordinates, phoneNumber, blob and object properties through the real weaviate-client v4: the schema
over REST, insert (REST) and insert_many (gRPC batch), the typed values of a gRPC search, WithinGeoRange
filters, and nested return properties."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import numpy as np
import pytest
import weaviate
from rankql.runtime import Database, generate_uuid5, serve
from weaviate.classes.config import DataType, Property
from weaviate.classes.data import DataObject, GeoCoordinate, PhoneNumber
from weaviate.classes.query import Filter, QueryNested, QueryReference

PROPERTIES = [
    Property(name="name", data_type=DataType.TEXT),
    Property(name="location", data_type=DataType.GEO_COORDINATES),
    Property(name="phone", data_type=DataType.PHONE_NUMBER),
    Property(name="photo", data_type=DataType.BLOB),
    Property(
        name="address",
        data_type=DataType.OBJECT,
        nested_properties=[
            Property(name="city", data_type=DataType.TEXT),
            Property(name="zip", data_type=DataType.INT),
            Property(
                name="street",
                data_type=DataType.OBJECT,
                nested_properties=[Property(name="name", data_type=DataType.TEXT)],
            ),
        ],
    ),
    Property(
        name="visits",
        data_type=DataType.OBJECT_ARRAY,
        nested_properties=[
            Property(name="by", data_type=DataType.TEXT),
            Property(name="n", data_type=DataType.INT),
        ],
    ),
]
# geo_value carries float32, as Weaviate's reply: the client reads back the float32 of what was stored
DUS_F32 = GeoCoordinate(latitude=float(np.float32(51.225556)), longitude=float(np.float32(6.782778)))
PHOTO = base64.b64encode(b"\x89PNG tiny").decode()


@pytest.fixture
def served() -> Iterator[tuple]:
    db = Database()
    with serve(db) as server:
        client = weaviate.connect_to_local(port=server.port, grpc_port=server.grpc_port)
        try:
            places = client.collections.create(name="Place", properties=PROPERTIES)
            yield db, server, places
        finally:
            client.close()


def _fill(places) -> None:
    result = places.data.insert_many(
        [
            DataObject(
                uuid=generate_uuid5("dus"),
                properties={
                    "name": "Dusseldorf",
                    "location": GeoCoordinate(latitude=51.225556, longitude=6.782778),
                    "phone": PhoneNumber(number="0171 11122233", default_country="DE"),
                    "address": {"city": "Düsseldorf", "zip": 40213, "street": {"name": "Kö"}},
                    "visits": [{"by": "ann", "n": 2}, {"by": "bob", "n": 3}],
                },
            ),
            DataObject(
                uuid=generate_uuid5("ams"),
                properties={
                    "name": "Amsterdam",
                    "location": GeoCoordinate(latitude=52.366667, longitude=4.9),
                },
            ),
            DataObject(
                uuid=generate_uuid5("ber"),
                properties={
                    "name": "Berlin",
                    "location": GeoCoordinate(latitude=52.520008, longitude=13.404954),
                },
            ),
        ]
    )
    assert not result.has_errors, result.errors
    places.data.insert(
        uuid=generate_uuid5("isl"),
        properties={
            "name": "Missing Island",
            "location": GeoCoordinate(latitude=0, longitude=0),
            "photo": PHOTO,
            "phone": PhoneNumber(number="+311234567"),
        },
    )


def test_schema_round_trips_nested_properties(served) -> None:
    _, _, places = served
    config = places.config.get()
    by_name = {p.name: p for p in config.properties}
    assert by_name["location"].data_type == DataType.GEO_COORDINATES
    assert by_name["phone"].data_type == DataType.PHONE_NUMBER
    assert by_name["photo"].data_type == DataType.BLOB
    assert by_name["visits"].data_type == DataType.OBJECT_ARRAY
    nested = {p.name: p for p in by_name["address"].nested_properties}
    assert nested["zip"].data_type == DataType.INT
    assert [p.name for p in nested["street"].nested_properties] == ["name"]


def test_typed_values_come_back_through_grpc(served) -> None:
    _, _, places = served
    _fill(places)
    objects = {o.properties["name"]: o.properties for o in places.query.fetch_objects().objects}
    dus = objects["Dusseldorf"]
    assert dus["location"] == DUS_F32
    assert dus["phone"].number == "0171 11122233"
    assert dus["phone"].international_formatted == "+49 171 11122233"
    assert dus["phone"].country_code == 49 and dus["phone"].national == 17111122233
    assert dus["phone"].valid is True and dus["phone"].default_country == "DE"
    assert dus["address"] == {"city": "Düsseldorf", "zip": 40213, "street": {"name": "Kö"}}
    assert dus["visits"] == [{"by": "ann", "n": 2}, {"by": "bob", "n": 3}]
    island = objects["Missing Island"]
    assert "photo" not in island  # blobs are left out unless asked for, as Weaviate leaves them
    asked = places.query.fetch_objects(return_properties=["name", "photo"]).objects
    assert {o.properties["name"]: o.properties["photo"] for o in asked}["Missing Island"] == PHOTO
    assert island["phone"].international_formatted == "+31 1234567" and island["phone"].valid is False
    assert objects["Amsterdam"]["phone"] is None and objects["Amsterdam"]["address"] is None


def test_within_geo_range_through_grpc(served) -> None:
    _, _, places = served
    _fill(places)

    def near(lat: float, lon: float, metres: float) -> list[str]:
        where = Filter.by_property("location").within_geo_range(
            coordinate=GeoCoordinate(latitude=lat, longitude=lon), distance=metres
        )
        return sorted(o.properties["name"] for o in places.query.fetch_objects(filters=where).objects)

    assert near(51.225556, 6.782778, 100_000) == ["Dusseldorf"]
    assert near(51.225556, 6.782778, 200_000) == ["Amsterdam", "Dusseldorf"]
    assert near(0, 0, 20) == ["Missing Island"]
    with pytest.raises(weaviate.exceptions.WeaviateQueryError, match="preview feature"):
        places.query.fetch_objects(filters=Filter.by_property("address").equal("x"))


def test_nested_return_properties(served) -> None:
    _, _, places = served
    _fill(places)
    got = places.query.fetch_objects(
        filters=Filter.by_property("name").equal("Dusseldorf"),
        return_properties=[
            "name",
            "location",
            QueryNested(name="address", properties=["city", QueryNested(name="street", properties=["name"])]),
            QueryNested(name="visits", properties=["n"]),
        ],
    ).objects[0]
    assert got.properties == {
        "name": "Dusseldorf",
        "location": DUS_F32,
        "address": {"city": "Düsseldorf", "street": {"name": "Kö"}},
        "visits": [{"n": 2}, {"n": 3}],
    }


def test_rest_objects_and_errors(served) -> None:
    _, server, places = served
    _fill(places)
    base = f"http://127.0.0.1:{server.port}/v1"
    body = httpx.get(f"{base}/objects/Place/{generate_uuid5('dus')}").json()
    assert body["properties"]["location"] == {"latitude": 51.225555, "longitude": 6.782778}
    assert body["properties"]["phone"]["nationalFormatted"] == "0171 11122233"
    assert body["properties"]["visits"] == [{"by": "ann", "n": 2}, {"by": "bob", "n": 3}]
    bad = httpx.post(
        f"{base}/objects", json={"class": "Place", "properties": {"phone": {"input": "020 1234567"}}}
    )
    assert bad.status_code == 422
    assert "invalid or missing defaultCountry" in bad.text
    with pytest.raises(weaviate.exceptions.UnexpectedStatusCodeError, match="no nested property 'town'"):
        places.data.insert({"address": {"town": "x"}})
    graphql = httpx.post(
        f"{base}/graphql",
        json={
            "query": '{ Get { Place(where: {path: ["location"], operator: WithinGeoRange, valueGeoRange: '
            "{geoCoordinates: {latitude: 0, longitude: 0}, distance: {max: 20}}}) { name photo phone { input } } } }"
        },
    ).json()
    assert graphql["data"]["Get"]["Place"] == [
        {"name": "Missing Island", "photo": PHOTO, "phone": {"input": "+311234567"}}
    ]


def test_typed_values_of_a_referenced_object_come_back_through_grpc(served) -> None:
    db, _, places = served
    _fill(places)
    db.create_collection(
        {
            "class": "Trip",
            "properties": [{"name": "title", "dataType": ["text"]}, {"name": "to", "dataType": ["Place"]}],
        }
    )
    db["Trip"].insert({"properties": {"title": "fair", "to": [generate_uuid5("dus")]}})
    with weaviate.connect_to_local(port=served[1].port, grpc_port=served[1].grpc_port) as client:
        trips = client.collections.get("Trip")
        got = trips.query.fetch_objects(return_references=QueryReference(link_on="to")).objects
    (dus,) = got[0].references["to"].objects
    assert dus.properties["location"] == DUS_F32
    assert dus.properties["address"] == {"city": "Düsseldorf", "zip": 40213, "street": {"name": "Kö"}}
    assert dus.properties["visits"] == [{"by": "ann", "n": 2}, {"by": "bob", "n": 3}]
    assert dus.properties["phone"].international_formatted == "+49 171 11122233"
