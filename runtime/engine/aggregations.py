"""The aggregations of one property over a set of objects, with Weaviate's definitions.

Read from Weaviate's adapters/repos/db/aggregator: `count` counts values (each item of an array), not
objects; the median is the middle value, or the mean of the two middle ones for an even count; the mode is
the most frequent value, the smallest of those tied; topOccurrences orders by occurrences, then by value.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any


def values_of(column: list, doc_ids: Iterable[int]) -> list:
    """The non-null values of a property for the given objects; array items one by one."""
    out: list = []
    for doc_id in doc_ids:
        value = column[doc_id] if doc_id < len(column) else None
        if value is None:
            continue
        if isinstance(value, list):
            out.extend(v for v in value if v is not None)
        else:
            out.append(value)
    return out


def median(sorted_values: list) -> Any:
    n = len(sorted_values)
    mid = n // 2
    if n % 2:
        return sorted_values[mid]
    return (sorted_values[mid - 1] + sorted_values[mid]) / 2


def mode(values: list) -> Any:
    counts = Counter(values)
    return min(counts, key=lambda v: (-counts[v], v))


def numeric(values: list, fields: list[str], is_int: bool) -> dict[str, Any]:
    count = len(values)
    out: dict[str, Any] = {}
    ordered = sorted(values)
    for name in fields:
        if name == "count":
            out[name] = count
        elif name == "sum":
            out[name] = sum(values) if is_int else float(sum(float(v) for v in values))
        elif not values:
            out[name] = None
        elif name == "minimum":
            out[name] = ordered[0] if is_int else float(ordered[0])
        elif name == "maximum":
            out[name] = ordered[-1] if is_int else float(ordered[-1])
        elif name == "mean":
            out[name] = float(sum(values)) / count
        elif name == "median":
            out[name] = float(median(ordered))
        elif name == "mode":
            found = mode(values)
            out[name] = found if is_int else float(found)
    return out


def boolean(values: list, fields: list[str]) -> dict[str, Any]:
    count = len(values)
    true = sum(1 for v in values if v is True)
    computed = {
        "count": count,
        "totalTrue": true,
        "totalFalse": count - true,
        "percentageTrue": true / count if count else None,
        "percentageFalse": (count - true) / count if count else None,
    }
    return {name: computed[name] for name in fields}


def text(values: list, fields: list[str], top_fields: list[str], top_limit: int, data_type: str) -> dict:
    out: dict[str, Any] = {}
    for name in fields:
        if name == "count":
            out[name] = len(values)
        elif name == "type":
            out[name] = data_type
        elif name == "topOccurrences":
            counts = Counter(str(v) for v in values)
            top = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top_limit]
            out[name] = [
                {f: (value if f == "value" else occurs) for f in top_fields} for value, occurs in top
            ]
    return out


def _instant(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def rfc3339(moment: datetime) -> str:
    text = moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return text.replace(".000000Z", "Z")


def date(values: list, fields: list[str]) -> dict[str, Any]:
    # Seconds since the epoch as exact integers of microseconds, so the mean of the two middle dates is exact.
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    micros = sorted((_instant(v) - epoch) // _MICRO for v in values)

    def shown(us: float) -> str:
        return rfc3339(datetime.fromtimestamp(0, UTC) + _MICRO * int(us))

    out: dict[str, Any] = {}
    for name in fields:
        if name == "count":
            out[name] = len(micros)
        elif not micros:
            out[name] = None
        elif name == "minimum":
            out[name] = shown(micros[0])
        elif name == "maximum":
            out[name] = shown(micros[-1])
        elif name == "median":
            out[name] = shown(median(micros))
        elif name == "mode":
            out[name] = shown(mode(micros))
    return out


_MICRO = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC) - datetime(1970, 1, 1, tzinfo=UTC)


def aggregate_property(
    column: list, doc_ids: list[int], data_type: str, fields: list[str], top_fields: list[str], top_limit: int
) -> dict[str, Any]:
    """The selected aggregations of one property over the objects `doc_ids`."""
    values = values_of(column, doc_ids)
    kind = data_type.removesuffix("[]")
    if kind in ("int", "number"):
        return numeric(values, fields, kind == "int")
    if kind == "boolean":
        return boolean(values, fields)
    if kind == "date":
        return date(values, fields)
    return text(values, fields, top_fields, top_limit, data_type)
