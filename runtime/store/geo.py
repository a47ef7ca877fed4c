"""geoCoordinates: values as Weaviate keeps them (float32 degrees) and its haversine distance in metres.

Weaviate's distance (adapters/repos/db/vector/hnsw/distancer/geo_spatial.go) is the haversine formula on
a sphere of radius 6,371,000 m, with the coordinates in float32: degrees to radians is rounded to float32,
the rest computed in float64, the result rounded to float32 and compared with the float32 maximum
(a point is in range when its distance is at most the maximum). The same steps are taken here over a
whole column at once; docs/query-language.md#data-types says where results can differ.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

EARTH_RADIUS_M = 6371e3
_PI32 = np.float32(math.pi)
_180_32 = np.float32(180)


class GeoProblem(ValueError):
    """A geoCoordinates value that does not fit; the message names what was expected."""


def float32_degrees(value: float) -> float:
    """The float32 Weaviate stores, as the shortest decimal that reads back to it (how Go prints it)."""
    return float(str(np.float32(value)))


def _coordinate(raw: Any, name: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, numbers.Real):
        raise GeoProblem(f"invalid {name}: must be a number, got {type(raw).__name__}")
    number = float(raw)
    if not math.isfinite(number) or not math.isfinite(float(np.float32(number))):
        raise GeoProblem(f"invalid {name}: {raw!r} is not a finite float32")
    return float32_degrees(number)


def normalize_geo(value: Any) -> dict[str, float]:
    """{latitude, longitude} as stored. Like Weaviate (usecases/objects/validation), ranges are not
    checked and other keys are ignored; longitude is read first, so it is the one named when both miss."""
    if not isinstance(value, dict):
        raise GeoProblem(f"geoCoordinates must be a map, but got: {type(value).__name__}")
    for name in ("longitude", "latitude"):
        if name not in value or value[name] is None:
            raise GeoProblem(f"geoCoordinates is missing required field '{name}'")
    longitude = _coordinate(value["longitude"], "longitude")
    latitude = _coordinate(value["latitude"], "latitude")
    return {"latitude": latitude, "longitude": longitude}


def distances_m(lats: np.ndarray, lons: np.ndarray, latitude: float, longitude: float) -> np.ndarray:
    """float32 metres from (latitude, longitude) to each stored point, in Weaviate's arithmetic."""
    lat_a, lon_a = np.float32(latitude), np.float32(longitude)
    lat_b = np.asarray(lats, np.float32)
    lon_b = np.asarray(lons, np.float32)
    lat_a_rad = np.float64(lat_a * _PI32 / _180_32)
    lat_b_rad = (lat_b * _PI32 / _180_32).astype(np.float64)
    d_lat = (lat_b - lat_a).astype(np.float64) * math.pi / 180
    d_lon = (lon_b - lon_a).astype(np.float64) * math.pi / 180
    half_lat, half_lon = np.sin(d_lat / 2), np.sin(d_lon / 2)
    a = half_lat * half_lat + np.cos(lat_a_rad) * np.cos(lat_b_rad) * half_lon * half_lon
    c = 2 * np.arctan2(np.sqrt(a), np.sqrt(1 - a))
    return (EARTH_RADIUS_M * c).astype(np.float32)


def within(distances: np.ndarray, max_distance: float) -> np.ndarray:
    """In range: the float32 distance is at most the float32 maximum (Weaviate drops `dist > max`)."""
    return distances <= np.float32(max_distance)


class GeoColumn:
    """A geoCoordinates column as arrays: the docs that have a value, their float32 latitudes, longitudes."""

    def __init__(self, column: list) -> None:
        docs = [doc for doc, value in enumerate(column) if isinstance(value, dict)]
        self.docs = np.asarray(docs, np.int64)
        self.lats = np.asarray([column[d]["latitude"] for d in docs], np.float32)
        self.lons = np.asarray([column[d]["longitude"] for d in docs], np.float32)

    def within(self, latitude: float, longitude: float, max_distance: float, live: np.ndarray) -> np.ndarray:
        """Sorted docs in range; of more than GEO_RANGE_MAX_RESULTS, the nearest (as Weaviate's geo index)."""
        from .thresholds import GEO_RANGE_MAX_RESULTS

        alive = live[self.docs[self.docs < len(live)]] if len(self.docs) else np.empty(0, bool)
        docs = self.docs[: len(alive)][alive]
        dist = distances_m(
            self.lats[: len(alive)][alive], self.lons[: len(alive)][alive], latitude, longitude
        )
        keep = within(dist, max_distance)
        docs, dist = docs[keep], dist[keep]
        if len(docs) > GEO_RANGE_MAX_RESULTS:
            nearest = np.lexsort((docs, dist))[:GEO_RANGE_MAX_RESULTS]
            docs = docs[nearest]
        return np.sort(docs)
