"""Cross-reference properties in the store: definitions, beacons, checks on write, the reference
endpoints, where paths and counts, and keeping them in a folder."""

from __future__ import annotations

import pytest
from rankql.runtime import Database
from rankql.runtime.errors import ObjectError, SchemaError

DE = "00000000-0000-0000-0000-0000000000de"
FR = "00000000-0000-0000-0000-0000000000f0"
BERLIN = "00000000-0000-0000-0000-0000000000b1"
PARIS = "00000000-0000-0000-0000-0000000000b2"
ANN = "00000000-0000-0000-0000-0000000000a1"
BOB = "00000000-0000-0000-0000-0000000000a2"
MISSING = "00000000-0000-0000-0000-00000000dead"


def beacon(cls: str, uuid: str) -> str:
    return f"weaviate://localhost/{cls}/{uuid}"


def build(path=None) -> Database:
    db = Database(path)
    db.create_collection({"class": "Country", "properties": [{"name": "name", "dataType": ["text"]}]})
    db.create_collection(
        {
            "class": "City",
            "properties": [
                {"name": "name", "dataType": ["text"]},
                {"name": "population", "dataType": ["int"]},
                {"name": "inCountry", "dataType": ["Country"]},
            ],
        }
    )
    db.create_collection(
        {
            "class": "Person",
            "properties": [
                {"name": "name", "dataType": ["text"]},
                {"name": "livesIn", "dataType": ["City", "Country"]},
                {"name": "friends", "dataType": ["Person"]},
            ],
        }
    )
    db["Country"].insert_many(
        [{"id": DE, "properties": {"name": "Germany"}}, {"id": FR, "properties": {"name": "France"}}]
    )
    db["City"].insert_many(
        [
            {"id": BERLIN, "properties": {"name": "Berlin", "population": 3600, "inCountry": DE}},
            {
                "id": PARIS,
                "properties": {
                    "name": "Paris",
                    "population": 2100,
                    "inCountry": [{"beacon": beacon("Country", FR)}],
                },
            },
        ]
    )
    people = db["Person"].insert_many(
        [
            {"id": ANN, "properties": {"name": "Ann", "livesIn": [beacon("City", BERLIN)]}},
            {
                "id": BOB,
                "properties": {"name": "Bob", "livesIn": [beacon("City", PARIS), beacon("Country", FR)]},
            },
        ]
    )
    assert people.ok, people.errors
    db["Person"].add_reference(ANN, "friends", BOB)
    return db


def names(answer: dict, cls: str = "Person") -> list:
    assert "errors" not in answer, answer
    return [row["name"] for row in answer["data"]["Get"][cls]]


def test_definitions_name_existing_classes_and_keep_every_target() -> None:
    db = Database()
    with pytest.raises(SchemaError) as err:
        db.create_collection({"class": "Person", "properties": [{"name": "livesIn", "dataType": ["Town"]}]})
    assert "property 'livesIn': invalid dataType: [Town]: reference property to nonexistent class" in str(
        err.value
    )
    db.create_collection({"class": "Node", "properties": [{"name": "next", "dataType": ["Node"]}]})  # itself
    prop = db.schema().get("Node").property("next")
    assert prop is not None and prop.is_reference and prop.targets == ["Node"]
    stored = build()["Person"].definition["properties"][1]
    assert stored["dataType"] == ["City", "Country"] and stored["indexSearchable"] is False


def test_beacons_are_stored_in_one_form_and_shown_as_weaviate_shows_them() -> None:
    db = build()
    shown = db["City"].get(BERLIN)["properties"]["inCountry"]
    assert shown == [{"beacon": beacon("Country", DE), "href": f"/v1/objects/Country/{DE}"}]
    # a legacy beacon without a class takes the single target's class, as Weaviate's validator does
    db["City"].update(BERLIN, {"inCountry": [f"weaviate://localhost/{DE}"]})
    assert db["City"].get(BERLIN)["properties"]["inCountry"][0]["beacon"] == beacon("Country", DE)
    # on a property with several targets it stays as given
    db["Person"].update(ANN, {"livesIn": [f"weaviate://localhost/{BERLIN}"]})
    assert db["Person"].get(ANN)["properties"]["livesIn"][0]["beacon"] == f"weaviate://localhost/{BERLIN}"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (MISSING, f"invalid cref: 'cref' City:inCountry: no object with id {MISSING} found"),
        ([{"beacon": beacon("City", BERLIN)}], "class 'City' is not a target of this reference"),
        ([{"beacon": "weaviate://localhost/Country/not-a-uuid"}], "2nd path segment must be uuid"),
        ([{"beacon": beacon("Country", DE), "extra": 1}], "exactly one field, 'beacon'"),
        ("Berlin", "'Berlin' is neither a beacon nor a uuid"),
        (7, "takes a list of references"),
    ],
)
def test_a_bad_reference_is_refused_with_what_to_do(value: object, expected: str) -> None:
    db = build()
    result = db["City"].insert_many([{"properties": {"name": "Lyon", "inCountry": value}}])
    assert not result.ok and expected in result.errors[0].error


def test_reference_endpoints_add_replace_and_delete() -> None:
    db = build()
    people = db["Person"]
    people.add_reference(ANN, "livesIn", {"beacon": beacon("Country", DE)})
    assert [r["beacon"] for r in people.get(ANN)["properties"]["livesIn"]] == [
        beacon("City", BERLIN),
        beacon("Country", DE),
    ]
    people.delete_reference(ANN, "livesIn", beacon("City", BERLIN))
    assert [r["beacon"] for r in people.get(ANN)["properties"]["livesIn"]] == [beacon("Country", DE)]
    people.replace_references(ANN, "livesIn", [beacon("City", PARIS)])
    assert [r["beacon"] for r in people.get(ANN)["properties"]["livesIn"]] == [beacon("City", PARIS)]
    with pytest.raises(ObjectError, match="not a cross-reference property"):
        people.add_reference(ANN, "name", BOB)
    with pytest.raises(ObjectError, match="no object with id"):
        people.add_reference(MISSING, "friends", BOB)
    with pytest.raises(ObjectError, match="no object with id"):
        people.add_reference(ANN, "friends", MISSING)


def test_selection_resolves_two_levels_in_fragment_order_and_drops_deleted_targets() -> None:
    db = build()
    query = """{ Get { Person { name livesIn { ... on City { name inCountry { ... on Country { name } } }
      ... on Country { name _additional { id } } } friends { ... on Person { name } } } } }"""
    rows = {row["name"]: row for row in db.query(query)["data"]["Get"]["Person"]}
    assert rows["Bob"]["livesIn"] == [
        {"name": "Paris", "inCountry": [{"name": "France"}]},
        {"name": "France", "_additional": {"id": FR}},
    ]
    assert rows["Ann"]["friends"] == [{"name": "Bob"}] and rows["Bob"]["friends"] is None
    db["City"].delete(PARIS)
    db["Country"].delete(FR)
    rows = {row["name"]: row for row in db.query(query)["data"]["Get"]["Person"]}
    assert rows["Bob"]["livesIn"] is None  # nothing left to resolve: null, as Weaviate answers
    assert rows["Ann"]["livesIn"] == [{"name": "Berlin", "inCountry": [{"name": "Germany"}]}]


def test_where_paths_through_references_and_reference_counts() -> None:
    db = build()

    def where(clause: str) -> list:
        return sorted(names(db.query("{ Get { Person(where: " + clause + ") { name } } }")))

    assert where('{path: ["livesIn", "City", "name"], operator: Equal, valueText: "Berlin"}') == ["Ann"]
    assert where('{path: ["livesIn", "City", "population"], operator: LessThan, valueInt: 3000}') == ["Bob"]
    two = '{path: ["livesIn", "City", "inCountry", "Country", "name"], operator: Equal, valueText: "Germany"}'
    assert where(two) == ["Ann"]
    assert where('{path: ["livesIn", "Country", "name"], operator: Like, valueText: "Fr*"}') == ["Bob"]
    assert where('{path: ["friends", "Person", "name"], operator: Equal, valueText: "Bob"}') == ["Ann"]
    assert where('{path: ["livesIn"], operator: GreaterThan, valueInt: 1}') == ["Bob"]
    assert where('{path: ["friends"], operator: Equal, valueInt: 0}') == ["Bob"]
    combined = (
        '{operator: And, operands: [{path: ["livesIn"], operator: Equal, valueInt: 1}, '
        '{path: ["livesIn", "City", "name"], operator: NotEqual, valueText: "Paris"}]}'
    )
    assert where(combined) == ["Ann"]


def test_reference_filters_show_in_explain() -> None:
    db = build()
    text = db.explain(
        '{ Get { Person(where: {path: ["livesIn", "City", "name"], operator: Equal, valueText: "Berlin"}) '
        "{ livesIn { ... on City { name } } } } }"
    )
    assert 'where=livesIn->City.name = "Berlin"' in text
    assert "fields=[livesIn->City(name)]" in text


def test_references_survive_the_log_and_a_checkpoint(tmp_path) -> None:
    db = build(tmp_path / "db")
    db["Person"].add_reference(BOB, "friends", ANN)
    db.close()  # a checkpoint
    db = Database(tmp_path / "db")
    db["Person"].delete_reference(BOB, "friends", ANN)
    db["Person"].add_reference(BOB, "livesIn", beacon("City", BERLIN))
    db._folder.close()  # no checkpoint: the next open replays the log
    db = Database(tmp_path / "db")
    query = "{ Get { Person { name friends { ... on Person { name } } livesIn { ... on City { name } } } } }"
    rows = {row["name"]: row for row in db.query(query)["data"]["Get"]["Person"]}
    assert rows["Bob"]["friends"] is None
    assert rows["Bob"]["livesIn"] == [{"name": "Paris"}, {"name": "Berlin"}]
    assert rows["Ann"]["friends"] == [{"name": "Bob"}]
    db.close()


def test_a_reference_property_added_to_a_class_with_objects_is_logged(tmp_path) -> None:
    db = build(tmp_path / "db")
    with pytest.raises(SchemaError, match="only a cross-reference property"):
        db.add_reference_property("City", {"name": "mayor", "dataType": ["text"]})
    with pytest.raises(SchemaError, match="reference property to nonexistent class"):
        db.add_reference_property("City", {"name": "twin", "dataType": ["Town"]})
    db.add_reference_property("City", {"name": "twin", "dataType": ["City"]})
    db["City"].add_reference(BERLIN, "twin", PARIS)
    db._folder.close()  # a crash: the log alone brings the property and the reference back
    db = Database(tmp_path / "db")
    query = '{ Get { City(where: {path: ["twin"], operator: Equal, valueInt: 1}) { name twin { ... on City { name } } } } }'
    assert db.query(query)["data"]["Get"]["City"] == [{"name": "Berlin", "twin": [{"name": "Paris"}]}]
    db.close()  # a checkpoint holds the new definition
    db = Database(tmp_path / "db")
    assert db.schema().get("City").property("twin").targets == ["City"]
    assert db.query(query)["data"]["Get"]["City"] == [{"name": "Berlin", "twin": [{"name": "Paris"}]}]
    db.close()


def test_the_repl_schema_listing_shows_reference_targets() -> None:
    from rankql.runtime.faces.commands import schema_text

    text = schema_text(build())
    assert "livesIn  -> City | Country" in text and "inCountry   -> Country" in text


def test_a_selection_of_only_references_returns_every_object() -> None:
    db = build()
    got = db.query('{ Get { City(sort: [{path: ["name"]}]) { inCountry { ... on Country { name } } } } }')
    assert got["data"]["Get"]["City"] == [
        {"inCountry": [{"name": "Germany"}]},
        {"inCountry": [{"name": "France"}]},
    ]
    got = db.query(
        '{ Get { City(where: {path: ["name"], operator: Equal, valueText: "Paris"}) '
        "{ inCountry { ... on Country { name } } _additional { id } } } }"
    )
    assert got["data"]["Get"]["City"] == [{"inCountry": [{"name": "France"}], "_additional": {"id": PARIS}}]


def test_references_in_group_hits_are_refused_in_words_that_say_so() -> None:
    got = build().query(
        '{ Get { City(nearVector: {vector: [1, 0]}, groupBy: {path: ["population"], groups: 2, '
        "objectsPerGroup: 2}) { _additional { group { hits { name inCountry { ... on Country { name } } "
        "} } } } } }"
    )
    assert got["errors"][0]["message"] == (
        'rankql does not return references of grouped objects ("inCountry" in hits)'
    )


def test_a_class_without_tenants_cannot_reference_one_with_tenants_in_weaviate_words() -> None:
    db = Database()
    db.create_collection(
        {
            "class": "Shop",
            "multiTenancyConfig": {"enabled": True},
            "properties": [{"name": "name", "dataType": ["text"]}],
        }
    )
    db.create_collection({"class": "Brand", "properties": [{"name": "soldAt", "dataType": ["Shop"]}]})
    db["Shop"].tenants.create(["north"])
    shop = db["Shop"].with_tenant("north").insert({"properties": {"name": "corner"}})
    result = db["Brand"].insert_many([{"properties": {"soldAt": [beacon("Shop", shop)]}}])
    assert not result.ok
    assert "cannot reference a multi-tenant enabled class from a non multi-tenant enabled class" in (
        result.errors[0].error
    )
    assert db["Brand"].insert_many([{"properties": {}}]).ok  # objects without the reference are kept
