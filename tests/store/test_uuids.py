"""Random ids of objects inserted without one: uuid4 text, as the uuid module makes it, unique."""

from __future__ import annotations

import uuid

from rankql.runtime import Database
from rankql.runtime.store.uuids import random_uuids


def test_random_uuids_are_version_4_text() -> None:
    made = random_uuids(5000)
    assert len(made) == len(set(made)) == 5000
    for text in made:
        parsed = uuid.UUID(text)
        assert str(parsed) == text  # lowercase 8-4-4-4-12
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
    assert random_uuids(0) == []


def test_objects_without_an_id_get_distinct_random_ones() -> None:
    c = Database().create_collection({"class": "T", "properties": [{"name": "n", "dataType": ["int"]}]})
    given = "6f1c2b8e-9a4d-4c3e-8b2a-1d2e3f4a5b6c"
    batch = [{"properties": {"n": i}} for i in range(300)]
    batch.insert(7, {"id": given, "properties": {"n": -1}})
    batch.insert(9, {"properties": {"n": "not a number"}})  # fails alone
    result = c.insert_many(batch)
    assert [r.index for r in result.errors] == [9]
    ids = result.ids
    assert len(ids) == len(set(ids)) == 301 and ids[7] == given
    assert all(uuid.UUID(i).version == 4 for i in ids)
    assert c.get(ids[0])["properties"] == {"n": 0}
