"""Binding valueGeoRange, WithinGeoRange's value: {geoCoordinates: {latitude, longitude}, distance: {max}}."""

from __future__ import annotations

from . import ast
from .context import BindContext
from .syntax import ObjectField, Value
from .values import read_float, read_object

_WHERE = 'Argument "where" field "valueGeoRange"'


def geo_range(ctx: BindContext, value: Value) -> ast.GeoRange | None:
    """Every field is required, as in Weaviate's WhereGeoRangeInpObj (Float! throughout)."""
    fields = read_object(ctx, value, "WhereGeoRangeInpObj", ("geoCoordinates", "distance"), _WHERE)
    if fields is None:
        return None
    coordinates = _floats(
        ctx, value, fields, "geoCoordinates", "WhereGeoRangeGeoCoordinatesInpObj", ("latitude", "longitude")
    )
    distance = _floats(ctx, value, fields, "distance", "WhereGeoRangeDistanceInpObj", ("max",))
    if coordinates is None or distance is None:
        return None
    return ast.GeoRange(
        latitude=coordinates["latitude"],
        longitude=coordinates["longitude"],
        max_distance=distance["max"],
        span=value.span,
    )


def _floats(
    ctx: BindContext,
    owner: Value,
    fields: dict[str, ObjectField],
    name: str,
    type_name: str,
    keys: tuple[str, ...],
) -> dict[str, float] | None:
    where = f'{_WHERE} field "{name}"'
    if name not in fields:
        example = "{latitude: 52.37, longitude: 4.9}" if name == "geoCoordinates" else "{max: 2000}"
        ctx.error("Q203", f'{_WHERE}: field "{name}" is required', owner, f"add {name}: {example}")
        return None
    inner = read_object(ctx, fields[name].value, type_name, keys, where)
    if inner is None:
        return None
    out: dict[str, float] = {}
    for key in keys:
        if key not in inner:
            ctx.error(
                "Q203",
                f'{where}: field "{key}" of type "Float!" is required',
                fields[name].value,
                f"add {key}: a number",
            )
            return None
        number = read_float(ctx, inner[key].value, f'{where} field "{key}"')
        if number is None:
            return None
        out[key] = number
    return out
