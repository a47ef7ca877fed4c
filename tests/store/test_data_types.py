"""geoCoordinates, phoneNumber, blob and object properties: values as Weaviate keeps them, its geo distance
(checked against a step-by-step oracle and its own acceptance tests), filters, and both ways of persisting."""

from __future__ import annotations

import math
import os
import random
import signal
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from rankql.runtime import Database
from rankql.runtime.errors import RankqlError
from rankql.runtime.store import thresholds
from rankql.runtime.store.geo import distances_m, float32_degrees

PLACE = {
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
                {"name": "since", "dataType": ["date"]},
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
            "nestedProperties": [{"name": "by", "dataType": ["text"]}, {"name": "n", "dataType": ["int"]}],
        },
    ],
}
# Weaviate's test/helper/sample-schema/cities and its acceptance test of WithinGeoRange
DUSSELDORF = {"latitude": 51.225556, "longitude": 6.782778}
AMSTERDAM = {"latitude": 52.366667, "longitude": 4.9}
BERLIN = {"latitude": 52.520008, "longitude": 13.404954}


def _f32(x: float) -> float:
    return struct.unpack("f", struct.pack("f", x))[0]


def oracle_distance(a: tuple[float, float], b: tuple[float, float]) -> float:
    """geo_spatial.go's geoDist, one operation at a time: float32 where Go computes in float32."""
    lat_a, lon_a, lat_b, lon_b = (_f32(v) for v in (*a, *b))
    pi32, r = _f32(math.pi), 6371e3
    lat_a_rad = _f32(_f32(lat_a * pi32) / 180)
    lat_b_rad = _f32(_f32(lat_b * pi32) / 180)
    d_lat = _f32(lat_b - lat_a) * math.pi / 180
    d_lon = _f32(lon_b - lon_a) * math.pi / 180
    h = math.sin(d_lat / 2) * math.sin(d_lat / 2) + math.cos(lat_a_rad) * math.cos(lat_b_rad) * math.sin(
        d_lon / 2
    ) * math.sin(d_lon / 2)
    return _f32(r * (2 * math.atan2(math.sqrt(h), math.sqrt(1 - h))))


def test_distance_matches_the_oracle_on_random_points() -> None:
    rng = random.Random(7)
    points = [(rng.uniform(-90, 90), rng.uniform(-180, 180)) for _ in range(3000)]
    centre = (rng.uniform(-90, 90), rng.uniform(-180, 180))
    got = distances_m(np.array([p[0] for p in points]), np.array([p[1] for p in points]), *centre)
    want = np.array([oracle_distance(centre, p) for p in points], np.float32)
    assert got.dtype == np.float32
    # numpy's and Go's sin/cos may differ in the last bit of a float64; the float32 result then agrees
    assert np.count_nonzero(got != want) <= 3
    assert np.max(np.abs(got - want) / np.maximum(want, 1)) < 1e-6


def test_known_distances() -> None:
    def km(a: dict, b: dict) -> float:
        return (
            float(
                distances_m(
                    np.array([b["latitude"]]), np.array([b["longitude"]]), a["latitude"], a["longitude"]
                )[0]
            )
            / 1000
        )

    assert 170 < km(DUSSELDORF, AMSTERDAM) < 200  # Weaviate: within 200 km, not within 100 km
    assert km(BERLIN, BERLIN) == 0.0
    assert abs(km({"latitude": 0, "longitude": 0}, {"latitude": 0, "longitude": 180}) - math.pi * 6371) < 0.01


def _places(db: Database) -> object:
    c = db.create_collection(PLACE)
    c.insert_many(
        [
            {"properties": {"name": "Dusseldorf", "location": DUSSELDORF}},
            {"properties": {"name": "Amsterdam", "location": AMSTERDAM, "phone": {"input": "+311234567"}}},
            {"properties": {"name": "Berlin", "location": BERLIN, "photo": "aGVsbG8="}},
            {"properties": {"name": "Missing Island", "location": {"latitude": 0, "longitude": 0}}},
            {
                "properties": {
                    "name": "Nowhere",
                    "phone": {"input": "0171 11122233", "defaultCountry": "de"},
                    "address": {
                        "city": "Köln",
                        "since": "2020-01-01T01:00:00+01:00",
                        "street": {"name": "Ring"},
                    },
                    "visits": [{"by": "ann", "n": 2.0}, {"by": "bob"}],
                }
            },
        ],
        progress=False,
    )
    return c


def _names(db: Database, where: str) -> list[str]:
    out = db.query("{ Get { Place(where: " + where + ") { name } } }")
    assert "errors" not in out, out
    return sorted(row["name"] for row in out["data"]["Get"]["Place"])


def _geo(lat: float, lon: float, metres: float) -> str:
    return (
        '{path: ["location"], operator: WithinGeoRange, valueGeoRange: '
        f"{{geoCoordinates: {{latitude: {lat}, longitude: {lon}}}, distance: {{max: {metres}}}}}}}"
    )


def test_weaviate_acceptance_cases_of_within_geo_range() -> None:
    db = Database()
    _places(db)
    assert _names(db, _geo(51.225556, 6.782778, 100000)) == ["Dusseldorf"]
    assert _names(db, _geo(51.225556, 6.782778, 200000)) == ["Amsterdam", "Dusseldorf"]
    assert _names(db, _geo(0, 0, 20)) == ["Missing Island"]
    assert _names(db, "{operator: Not, operands: [" + _geo(0, 0, 20) + "]}") == [
        "Amsterdam",
        "Berlin",
        "Dusseldorf",
        "Nowhere",
    ]
    assert _names(db, '{path: ["location"], operator: IsNull, valueBoolean: true}') == ["Nowhere"]
    assert _names(db, '{path: ["phone"], operator: IsNull, valueBoolean: false}') == ["Amsterdam", "Nowhere"]


def test_the_boundary_is_inclusive_in_float32() -> None:
    db = Database()
    _places(db)
    exact = float(
        distances_m(
            np.array([AMSTERDAM["latitude"]]), np.array([AMSTERDAM["longitude"]]), 51.225556, 6.782778
        )[0]
    )
    assert "Amsterdam" in _names(db, _geo(51.225556, 6.782778, exact))
    below = float(np.nextafter(np.float32(exact), np.float32(0)))
    assert "Amsterdam" not in _names(db, _geo(51.225556, 6.782778, below))


def test_at_most_the_nearest_800_as_weaviate_geo_index() -> None:
    db = Database()
    c = db.create_collection(
        {
            "class": "Dot",
            "vectorizer": "none",
            "properties": [
                {"name": "n", "dataType": ["int"]},
                {"name": "at", "dataType": ["geoCoordinates"]},
            ],
        }
    )
    c.insert_many(
        [{"properties": {"n": i, "at": {"latitude": i * 1e-4, "longitude": 0}}} for i in range(1000)],
        progress=False,
    )
    out = db.query(
        '{ Get { Dot(limit: 2000, where: {path: ["at"], operator: WithinGeoRange, valueGeoRange: '
        "{geoCoordinates: {latitude: 0, longitude: 0}, distance: {max: 1000000}}}) { n } } }"
    )
    got = sorted(row["n"] for row in out["data"]["Get"]["Dot"])
    assert got == list(range(thresholds.GEO_RANGE_MAX_RESULTS))


def test_values_are_returned_as_weaviate_returns_them() -> None:
    db = Database()
    c = _places(db)
    out = db.query(
        "{ Get { Place { name location { latitude longitude } phone { input internationalFormatted countryCode "
        "national nationalFormatted valid defaultCountry } photo address { city since street { name } } "
        "visits { n by } } } }"
    )
    rows = {row["name"]: row for row in out["data"]["Get"]["Place"]}
    # float32 printed shortest, as Weaviate's acceptance test expects 51.225555 and 52.36667
    assert rows["Dusseldorf"]["location"] == {"latitude": 51.225555, "longitude": 6.782778}
    assert rows["Amsterdam"]["location"] == {"latitude": 52.36667, "longitude": 4.9}
    # Weaviate's test/acceptance/objects and graphql_resolvers expectations
    assert rows["Nowhere"]["phone"] == {
        "input": "0171 11122233",
        "internationalFormatted": "+49 171 11122233",
        "countryCode": 49,
        "national": 17111122233,
        "nationalFormatted": "0171 11122233",
        "valid": True,
        "defaultCountry": "DE",
    }
    assert rows["Amsterdam"]["phone"]["internationalFormatted"] == "+31 1234567"
    assert rows["Amsterdam"]["phone"]["nationalFormatted"] == "1234567"
    assert rows["Berlin"]["photo"] == "aGVsbG8="
    assert rows["Nowhere"]["address"] == {
        "city": "Köln",
        "since": "2020-01-01T00:00:00Z",
        "street": {"name": "Ring"},
    }
    assert rows["Nowhere"]["visits"] == [{"n": 2, "by": "ann"}, {"n": None, "by": "bob"}]
    assert rows["Berlin"]["address"] is None and rows["Berlin"]["phone"] is None
    # REST's form: models.PhoneNumber leaves out empty fields
    uid = next(c.uuid_of(d) for d in c.live_ids() if c.properties_of(d)["name"] == "Amsterdam")
    assert c.get(uid)["properties"]["phone"] == {
        "input": "+311234567",
        "internationalFormatted": "+31 1234567",
        "countryCode": 31,
        "national": 1234567,
        "nationalFormatted": "1234567",
    }


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        ({"location": {"latitude": 1}}, "geoCoordinates is missing required field 'longitude'"),
        ({"location": [1, 2]}, "geoCoordinates must be a map, but got: list"),
        ({"location": {"latitude": "1", "longitude": 2}}, "invalid latitude: must be a number"),
        ({"phone": {"defaultCountry": "NL"}}, "phoneNumber is missing required field 'input'"),
        ({"phone": {"input": "020 1234567"}}, "invalid or missing defaultCountry"),
        ({"phone": {"input": "hello", "defaultCountry": "NL"}}, "the phone number supplied is not a number"),
        ({"phone": {"input": 123}}, "phoneNumber.input must be a string"),
        ({"photo": "not base64!"}, "not a valid blob base64 string"),
        ({"photo": 12}, "not a blob base64 string, but int"),
        (
            {"address": {"town": "x"}},
            "'address' has no nested property 'town' (nested properties: city, since, street)",
        ),
        ({"address": {"since": "yesterday"}}, "nested property 'address.since' (date)"),
        ({"address": "Main St"}, "expected an object for address, got str"),
        ({"visits": {"by": "x"}}, "expected a list of objects for object[]"),
        ({"visits": [{"n": 1.5}]}, "nested property 'visits[0].n' (int)"),
    ],
)
def test_bad_values_are_refused_with_weaviate_words(props: dict, expected: str) -> None:
    c = Database().create_collection(PLACE)
    with pytest.raises(RankqlError) as err:
        c.insert({"properties": props})
    assert expected in err.value.message


def test_coordinates_out_of_range_are_kept_as_weaviate_keeps_them() -> None:
    # Weaviate checks neither range (usecases/objects/validation/properties_validation.go)
    c = Database().create_collection(PLACE)
    uid = c.insert({"properties": {"location": {"latitude": 100.5, "longitude": -200}}})
    assert c.get(uid)["properties"]["location"] == {"latitude": 100.5, "longitude": -200.0}
    assert float32_degrees(0.1) == 0.1


def test_filters_weaviate_refuses() -> None:
    db = Database()
    _places(db)
    for where, expected in (
        (
            '{path: ["address"], operator: IsNull, valueBoolean: true}',
            "nested properties is a preview feature",
        ),
        ('{path: ["photo"], operator: Equal, valueText: "aGVsbG8="}', "can only be filtered with IsNull"),
        ('{path: ["location"], operator: Equal, valueText: "x"}', 'use "valueGeoRange" instead'),
    ):
        out = db.query("{ Get { Place(where: " + where + ") { name } } }")
        assert expected in out["errors"][0]["message"]


def _snapshot(db: Database) -> dict:
    c = db.collection("Place")
    return {c.uuid_of(d): c.get(c.uuid_of(d))["properties"] for d in c.live_ids()}


def test_folder_round_trip(tmp_path: Path) -> None:
    with Database(tmp_path / "db") as db:
        _places(db)
        before = _snapshot(db)
        definition = db.collection("Place").definition
    with Database(tmp_path / "db") as db:
        assert _snapshot(db) == before
        assert db.collection("Place").definition == definition
        assert _names(db, _geo(51.225556, 6.782778, 200000)) == ["Amsterdam", "Dusseldorf"]


CHILD = """
import sys, time
sys.path.insert(0, {tests!r})
from rankql.runtime import Database
from store.test_data_types import _places
db = Database({path!r})
_places(db)
print("ack", flush=True)
time.sleep(60)
"""


def test_the_log_replays_every_type_after_kill_9(tmp_path: Path) -> None:
    path = tmp_path / "db"
    code = CHILD.format(tests=str(Path(__file__).parents[1]), path=str(path))
    proc = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "ack", proc.stderr.read()
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    with Database(path) as db:
        rows = _snapshot(db)
        names = sorted(p["name"] for p in rows.values())
        assert names == ["Amsterdam", "Berlin", "Dusseldorf", "Missing Island", "Nowhere"]
        reference = Database()
        _places(reference)
        assert sorted(rows.values(), key=lambda p: p["name"]) == sorted(
            _snapshot(reference).values(), key=lambda p: p["name"]
        )
        assert _names(db, _geo(0, 0, 20)) == ["Missing Island"]
