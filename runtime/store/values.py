"""Property values: checking and normalizing them per data type, dates in RFC3339, uuids and uuid5 ids."""

from __future__ import annotations

import math
import numbers
import re
import reprlib
import uuid as uuidlib
from datetime import UTC, date, datetime
from typing import Any

from rankql.dsl.schema import base_type


class ValueProblem(ValueError):
    """A value does not fit its property; the message names what was expected."""


INT_MIN, INT_MAX = -(2**63), 2**63 - 1  # Weaviate's int is 64-bit
_SHOW = reprlib.Repr()
_SHOW.maxlevel, _SHOW.maxstring, _SHOW.maxother = 3, 80, 80


def show(value: Any) -> str:
    """A short repr for messages: a few levels of nesting and long texts cut (a value nested thousands
    deep would otherwise exceed the recursion limit while its error is being written)."""
    if isinstance(value, int) and not -(10**40) < value < 10**40:
        return f"an int of {len(str(abs(value))) if value.bit_length() < 14_000 else 'over 4000'} digits"
    try:
        return _SHOW.repr(value)
    except Exception:  # a repr that fails: say what it is, not what it holds
        return f"a {type(value).__name__}"


def text_of(value: Any) -> str:
    """`value` itself when it is text, else its short repr (for names given as something else)."""
    return value if isinstance(value, str) else show(value)


def generate_uuid5(identifier: Any, namespace: Any = "") -> str:
    """Deterministic id as Weaviate's Python client makes it: uuid5(NAMESPACE_DNS, namespace + identifier)."""
    return str(uuidlib.uuid5(uuidlib.NAMESPACE_DNS, str(namespace) + str(identifier)))


def normalize_uuid(value: Any) -> str:
    """The canonical lowercase form of a uuid given as str or uuid.UUID; ValueProblem otherwise."""
    if isinstance(value, uuidlib.UUID):
        return str(value)
    if not isinstance(value, str):
        raise ValueProblem(f"id must be a uuid string, got {type(value).__name__}")
    try:
        parsed = uuidlib.UUID(value)
    except ValueError:
        raise ValueProblem(f"'{value}' is not a valid uuid") from None
    # uuid.UUID also accepts forms Weaviate refuses (braces, 'urn:uuid:', no dashes): keep the canonical only.
    if str(parsed) != value.lower():
        raise ValueProblem(f"'{value}' is not a valid uuid (expected the form 8-4-4-4-12 hex digits)")
    return str(parsed)


def format_date(dt: datetime) -> str:
    """RFC3339 in UTC as Weaviate prints it: '2021-01-01T00:00:00Z', fractions without trailing zeros."""
    dt = dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)
    # strftime does not pad years below 1000 on every platform: spell the fields out.
    text = f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}"
    if dt.microsecond:
        text += "." + f"{dt.microsecond:06d}".rstrip("0")
    return text + "Z"


def parse_date(value: Any) -> datetime:
    """A UTC-aware datetime from a datetime, a date, or an RFC3339 string (which must carry a time zone)."""
    if isinstance(value, datetime):
        # A naive datetime is taken as UTC, as Weaviate's clients send it.
        return _in_utc(value, value) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    if not isinstance(value, str):
        raise ValueProblem(f"expected a date (RFC3339 string or datetime), got {type(value).__name__}")
    text = value.strip()
    if "T" not in text.upper():
        raise ValueProblem(f"'{value}' is not an RFC3339 date, write it like 2021-01-01T00:00:00Z")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueProblem(f"'{value}' is not an RFC3339 date, write it like 2021-01-01T00:00:00Z") from None
    if parsed.tzinfo is None:
        raise ValueProblem(f"'{value}' has no time zone: end it with Z or an offset like +02:00")
    return _in_utc(parsed, value)


def _in_utc(moment: datetime, given: Any) -> datetime:
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+05:00 is in year 0 in UTC
        raise ValueProblem(
            f"{show(str(given))} is out of range: in UTC a date must fall between "
            "0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z"
        ) from None


def _whole(value: numbers.Real) -> bool:
    try:
        number = float(value)
    except OverflowError:
        return False
    return math.isfinite(number) and number.is_integer() and INT_MIN <= number <= INT_MAX


def _scalar(base: str, value: Any) -> Any:
    if base == "text":
        if isinstance(value, str):
            return value
        raise ValueProblem(f"expected text, got {type(value).__name__} {show(value)}")
    if base == "boolean":
        if isinstance(value, bool) or type(value).__name__ == "bool_":
            return bool(value)
        raise ValueProblem(f"expected a boolean, got {type(value).__name__} {show(value)}")
    if base == "int":
        if isinstance(value, bool) or type(value).__name__ == "bool_":
            raise ValueProblem(f"expected an int, got a boolean {show(value)}")
        if isinstance(value, numbers.Integral):
            if not INT_MIN <= value <= INT_MAX:
                raise ValueProblem(f"{show(value)} is outside the 64-bit range of an int")
            return int(value)
        if isinstance(value, numbers.Real) and _whole(value):
            return int(value)  # JSON has one number type: 3.0 is an int, as Weaviate takes it
        raise ValueProblem(f"expected an int, got {type(value).__name__} {show(value)}")
    if base == "number":
        if isinstance(value, bool) or type(value).__name__ == "bool_":
            raise ValueProblem(f"expected a number, got a boolean {show(value)}")
        if isinstance(value, numbers.Real):
            try:
                number = float(value)
            except OverflowError:  # an int like 10**400
                raise ValueProblem(f"{show(value)} is too large for a number (a 64-bit float)") from None
            if not math.isfinite(number):
                raise ValueProblem(f"expected a finite number, got {show(value)}")
            return number
        raise ValueProblem(f"expected a number, got {type(value).__name__} {show(value)}")
    if base == "date":
        return parse_date(value)
    if base == "uuid":
        return normalize_uuid(value)
    raise ValueProblem(f"unsupported data type '{base}'")  # definitions refuse these earlier


def normalize_value(data_type: str, value: Any) -> Any:
    """The stored Python value for `value` under `data_type` (e.g. 'int[]'); ValueProblem if it does not fit."""
    if data_type in SPECIAL_TYPES:
        return _special(data_type, value)
    if data_type[:1].isupper():  # a cross-reference (its dataType is a class): store/references.py
        from .references import normalize_references

        return normalize_references(value)
    base = base_type(data_type)
    if data_type.endswith("[]"):
        if isinstance(value, str | bytes | dict) or not hasattr(value, "__iter__"):
            raise ValueProblem(f"expected a list for {data_type}, got {type(value).__name__}")
        out = []
        for position, item in enumerate(value):
            if item is None:
                raise ValueProblem(f"element {position} is null; {data_type} holds no nulls")
            try:
                out.append(_scalar(base, item))
            except ValueProblem as exc:
                raise ValueProblem(f"element {position}: {exc}") from None
        return out
    return _scalar(base, value)


SPECIAL_TYPES = ("geoCoordinates", "phoneNumber", "blob", "object", "object[]")
# Weaviate's blob check (usecases/objects/validation/properties_validation.go blobVal)
_BASE64 = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$")


def _special(data_type: str, value: Any) -> Any:
    """geoCoordinates, phoneNumber, blob; object values as stored (runtime/store/nested.py checks new ones
    against their nestedProperties before they reach here)."""
    from .geo import GeoProblem, normalize_geo
    from .phone import PhoneProblem, normalize_phone

    try:
        if data_type == "geoCoordinates":
            return normalize_geo(value)
        if data_type == "phoneNumber":
            return normalize_phone(value)
    except (GeoProblem, PhoneProblem) as exc:
        raise ValueProblem(str(exc)) from None
    if data_type == "blob":
        if not isinstance(value, str):
            raise ValueProblem(f"not a blob base64 string, but {type(value).__name__}")
        if not _BASE64.match(value):
            raise ValueProblem("not a valid blob base64 string")
        return value
    if data_type == "object[]":
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ValueProblem(f"expected a list of objects for object[], got {show(value)}")
        return value
    if not isinstance(value, dict):
        raise ValueProblem(f"expected an object, got {show(value)}")
    return value


def to_json_value(data_type: str, value: Any) -> Any:
    """A stored value as plain JSON (dates as RFC3339 text): for saving and for showing."""
    if data_type == "phoneNumber" and isinstance(value, dict):
        # Weaviate's models.PhoneNumber omits empty fields (omitempty): no defaultCountry, valid false...
        return {k: v for k, v in value.items() if v not in ("", 0, False) or k == "input"}
    if base_type(data_type) != "date":
        return value
    if isinstance(value, list):
        return [format_date(v) for v in value]
    return format_date(value)
