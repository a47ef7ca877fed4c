"""The `places` dataset: geoCoordinates, phoneNumber, blob and object properties, fixed uuids (the cities
and numbers of Weaviate's own acceptance tests)."""

from __future__ import annotations

from rankql.runtime import Database, generate_uuid5

PLACE_CLASS = {
    "class": "Place",
    "vectorizer": "none",
    "invertedIndexConfig": {"indexNullState": True},
    "properties": [
        {"name": "name", "dataType": ["text"]},
        {"name": "location", "dataType": ["geoCoordinates"]},
        {"name": "phone", "dataType": ["phoneNumber"]},
        {"name": "photo", "dataType": ["blob"]},
        {
            "name": "address",
            "dataType": ["object"],
            "nestedProperties": [
                {"name": "city", "dataType": ["text"]},
                {
                    "name": "street",
                    "dataType": ["object"],
                    "nestedProperties": [{"name": "name", "dataType": ["text"]}],
                },
            ],
        },
        {
            "name": "visits",
            "dataType": ["object[]"],
            "nestedProperties": [
                {"name": "by", "dataType": ["text"]},
                {"name": "when", "dataType": ["date"]},
            ],
        },
    ],
}
PLACES = [
    {
        "name": "Dusseldorf",
        "location": {"latitude": 51.225556, "longitude": 6.782778},
        "phone": {"input": "0171 11122233", "defaultCountry": "de"},
        "address": {"city": "Düsseldorf", "street": {"name": "Königsallee"}},
        "visits": [{"by": "ann", "when": "2024-05-01T10:00:00+02:00"}, {"by": "bob"}],
    },
    {
        "name": "Amsterdam",
        "location": {"latitude": 52.366667, "longitude": 4.9},
        "phone": {"input": "+311234567"},
    },
    {
        "name": "Berlin",
        "location": {"latitude": 52.520008, "longitude": 13.404954},
        "photo": "aGVsbG8gd29ybGQ=",
    },
    {"name": "Missing Island", "location": {"latitude": 0, "longitude": 0}},
    {"name": "Nowhere"},
]


def build_places(db: Database) -> Database:
    places = db.create_collection(PLACE_CLASS)
    result = places.insert_many(
        [
            {"id": generate_uuid5(f"place-{i}"), "properties": p, "vector": [1.0, float(i)]}
            for i, p in enumerate(PLACES)
        ],
        progress=False,
    )
    assert not [r.error for r in result if r.error is not None]
    return db
