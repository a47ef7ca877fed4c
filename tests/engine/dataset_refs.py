"""The `people` dataset of the golden cases: Person -> City -> Country through cross-references."""

from __future__ import annotations

from rankql.runtime import Database
from rankql.runtime.store.values import generate_uuid5


def uid(name: str) -> str:
    return generate_uuid5(name)


def beacon(cls: str, name: str) -> str:
    return f"weaviate://localhost/{cls}/{uid(name)}"


COUNTRY = {"class": "Country", "vectorizer": "none", "properties": [{"name": "name", "dataType": ["text"]}]}
CITY = {
    "class": "City",
    "vectorizer": "none",
    "properties": [
        {"name": "name", "dataType": ["text"]},
        {"name": "population", "dataType": ["int"]},
        {"name": "founded", "dataType": ["date"]},
        {"name": "inCountry", "dataType": ["Country"]},
    ],
}
PERSON = {
    "class": "Person",
    "vectorizer": "none",
    "properties": [
        {"name": "name", "dataType": ["text"]},
        {"name": "livesIn", "dataType": ["City", "Country"]},
        {"name": "friends", "dataType": ["Person"]},
    ],
}

CITIES = [
    ("Berlin", 3600000, "1237-01-01T00:00:00Z", "Germany"),
    ("Hamburg", 1800000, "0808-01-01T00:00:00Z", "Germany"),
    ("Paris", 2100000, "0250-01-01T00:00:00Z", "France"),
    ("Atlantis", 0, None, "France"),  # deleted after the people point at it
]
PEOPLE = [
    ("Ann", [0.0, 1.0], [beacon("City", "Berlin")], ["Bob", "Cleo"]),
    ("Bob", [1.0, 0.0], [beacon("City", "Paris"), beacon("Country", "France")], []),
    ("Cleo", [0.7, 0.7], [beacon("City", "Hamburg"), beacon("City", "Atlantis")], ["Ann"]),
    ("Dan", [0.1, 0.9], [], []),
]


def build_people(db: Database) -> Database:
    """Country (2), City (3 left of 4) and Person (4) with given vectors and references."""
    db.create_collection(COUNTRY)
    db.create_collection(CITY)
    db.create_collection(PERSON)
    countries = [
        {"id": uid(n), "properties": {"name": n}, "vector": [1.0, float(i)]}
        for i, n in enumerate(("Germany", "France"))
    ]
    cities = [
        {
            "id": uid(name),
            "properties": {
                "name": name,
                "population": pop,
                "founded": founded,
                "inCountry": [beacon("Country", country)],
            },
            "vector": [float(i), 1.0],
        }
        for i, (name, pop, founded, country) in enumerate(CITIES)
    ]
    people = [
        {"id": uid(name), "properties": {"name": name, "livesIn": lives}, "vector": vector}
        for name, vector, lives, _ in PEOPLE
    ]
    for cls, objects in (("Country", countries), ("City", cities), ("Person", people)):
        result = db[cls].insert_many(objects, progress=False)
        assert result.ok, result.errors
    for name, _, _, friends in PEOPLE:
        if friends:
            db["Person"].add_reference(uid(name), "friends", [uid(f) for f in friends])
    db["City"].delete(uid("Atlantis"))
    return db
