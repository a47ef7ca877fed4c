"""Engine test fixtures: the datasets, built once per session."""

from __future__ import annotations

import pytest
from rankql.runtime import Database

from .dataset import build_articles, build_minilm, build_named
from .dataset_refs import build_people
from .dataset_types import build_places


@pytest.fixture(scope="session")
def articles_db() -> Database:
    return build_articles(Database())


@pytest.fixture(scope="session")
def minilm_db() -> Database:
    return build_minilm(Database())


NOTES = {
    "acme": [("fresh fish from the harbour", 3, [1.0, 0.0]), ("fish and chips", 5, [0.8, 0.2])],
    "globex": [("old boots", 1, [0.0, 1.0]), ("fish market prices", 2, [0.5, 0.5]), ("boots", 4, [0.1, 0.9])],
    "initech": [("a cold tenant's note", 9, [1.0, 1.0])],
}


@pytest.fixture(scope="session")
def tenants_db() -> Database:
    """A multi-tenant class Note (acme and globex HOT, initech COLD) beside a plain class Plain."""
    db = Database()
    notes = db.create_collection(
        {
            "class": "Note",
            "multiTenancyConfig": {"enabled": True},
            "properties": [{"name": "body", "dataType": ["text"]}, {"name": "stars", "dataType": ["int"]}],
        }
    )
    notes.tenants.create(list(NOTES))
    for tenant, rows in NOTES.items():
        notes.with_tenant(tenant).insert_many(
            [{"properties": {"body": body, "stars": stars}, "vector": vector} for body, stars, vector in rows]
        )
    notes.tenants.update([{"name": "initech", "activityStatus": "COLD"}])
    db.create_collection({"class": "Plain", "properties": [{"name": "body", "dataType": ["text"]}]})
    return db


@pytest.fixture(scope="session")
def named_db() -> Database:
    return build_named(Database())


@pytest.fixture(scope="session")
def people_db() -> Database:
    return build_people(Database())


@pytest.fixture(scope="session")
def places_db() -> Database:
    return build_places(Database())
