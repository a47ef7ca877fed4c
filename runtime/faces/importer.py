"""Reading JSON, JSONL, CSV and TSV records into a collection: key names, type inference, batches with progress."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rankql.runtime.errors import RankqlError
from rankql.runtime.store.values import generate_uuid5

from .inference import infer_definition

__all__ = [
    "ImportError_",
    "ImportSummary",
    "infer_definition",
    "insert_objects",
    "read_records",
    "to_objects",
]

_WORD = re.compile(r"[A-Za-z0-9]+")
# Keys that carry an object's identity in common formats: BEIR's '_id' and a plain 'id' (a name Weaviate
# reserves for the object's uuid) are kept as the docId property.
ID_KEYS = {"_id": "docId", "id": "docId"}
# The keys used as the id column when none is named (the first one a file has).
DEFAULT_ID_COLUMNS = ("id", "_id")
FORMATS = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv"}


class ImportError_(RankqlError):
    """A data file cannot be read or does not fit."""

    code = "I100"


@dataclass
class ImportSummary:
    """How an import went: objects stored, and those rejected with the reason for each."""

    stored: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    skipped_keys: list[str] = field(default_factory=list)
    renamed: dict[str, str] = field(default_factory=dict)  # data key -> property name, where they differ
    id_column: str | None = None  # the key whose value gave each object its uuid
    updated: int = 0  # stored objects whose id was already in the collection: replaced, not added

    def lines(self, limit: int = 10) -> list[str]:
        replaced = f" ({self.updated} replaced an object with the same id)" if self.updated else ""
        out = [f"stored {self.stored} object(s){replaced}, rejected {len(self.rejected)}"]
        if self.id_column is not None:
            out.append(
                f"  ids: uuid5 of column '{self.id_column}', so importing the file again updates these objects"
            )
        if self.renamed:
            renames = ", ".join(f"{key} → {name}" for key, name in self.renamed.items())
            out.append(f"  renamed columns (property names are GraphQL names): {renames}")
        # records refused while reading and those the store refused arrive in two passes: file order here
        for index, reason in sorted(self.rejected, key=lambda item: item[0])[:limit]:
            out.append(f"  record {index + 1}: {reason}")
        if len(self.rejected) > limit:
            out.append(f"  ... and {len(self.rejected) - limit} more")
        if self.skipped_keys:
            out.append("  nested values are not supported, skipped: " + ", ".join(self.skipped_keys))
        return out


def property_name(key: str) -> str:
    """A valid property name for a data key: 'Air Date' -> 'airDate', '_id' -> 'docId'."""
    if key in ID_KEYS:
        return ID_KEYS[key]
    words = _WORD.findall(key)
    if not words:
        return "_" + hashlib.sha1(key.encode()).hexdigest()[:8]  # a name that repeats across runs
    first = words[0][0].lower() + words[0][1:]
    name = first + "".join(w[0].upper() + w[1:] for w in words[1:])
    return name if not name[0].isdigit() else "_" + name


def read_records(path: str | Path) -> list[dict[str, Any]]:
    """Records of a JSON array, a JSON-lines file or a CSV file with a header row."""
    path = Path(path)
    if not path.is_file():
        raise ImportError_(
            f"no such file: {path}", hint="give the path of a .json, .jsonl, .csv or .tsv file"
        )
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ImportError_(
            f"{path.name}: rankql does not read {suffix or 'files without an extension'}",
            hint="give a .json (array of objects), .jsonl (one object a line), .csv or .tsv (header row) file",
        )
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportError_(
            f"{path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})",
            hint="save it as UTF-8",
        ) from None
    if FORMATS[suffix] in ("csv", "tsv"):
        delimiter = "\t" if FORMATS[suffix] == "tsv" else ","
        rows = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
        return [_typed_csv_row(row) for row in rows]
    stripped = text.lstrip()
    if suffix == ".json" or stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportError_(f"{path}: not valid JSON at line {exc.lineno}: {exc.msg}") from exc
        if isinstance(data, dict) and isinstance(data.get("objects"), list):
            data = data["objects"]
        if not isinstance(data, list):
            raise ImportError_(
                f"{path}: expected a JSON array of objects", hint="or one object a line (JSONL)"
            )
        return data
    records = []
    # split on newlines only: str.splitlines also breaks at U+0085 and U+2028, which passages contain
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise ImportError_(f"{path}:{number}: not a JSON object: {exc.msg}") from exc
    return records


def _typed_csv_row(row: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, raw in row.items():
        if key is None:
            continue
        value: Any = raw
        if raw in ("", None):
            value = None
        elif re.fullmatch(r"-?\d+", raw):
            value = int(raw)
        elif re.fullmatch(r"-?\d*\.\d+([eE][-+]?\d+)?", raw):
            value = float(raw)
        elif raw.lower() in ("true", "false"):
            value = raw.lower() == "true"
        out[key] = value
    return out


def id_column_of(records: list[Any], given: str | None) -> str | None:
    """The key whose value identifies a record: --id-column, else the first of DEFAULT_ID_COLUMNS present."""
    keys: dict[str, None] = {}
    for record in records:
        if isinstance(record, dict) and not isinstance(record.get("properties"), dict):
            keys.update(dict.fromkeys(record))
    if given is not None:
        if given not in keys:
            raise ImportError_(
                f"no column '{given}' in the data (columns: {', '.join(keys) or 'none'})",
                hint="--id-column names a key of the records whose value identifies each one",
            )
        return given
    return next((key for key in DEFAULT_ID_COLUMNS if key in keys), None)


def object_uuid(value: Any) -> str:
    """A stable uuid for an id value: the value itself when it is a uuid, else uuid5 as Weaviate's client
    makes one (generate_uuid5: uuid5 of NAMESPACE_DNS and the value as text)."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return generate_uuid5(value)


def to_objects(
    records: Iterable[Any], summary: ImportSummary, id_column: str | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """Objects ready for insert_many, keyed by their record index; bad records go to the summary.

    The id column's value gives the object its uuid (object_uuid), so a second import of the same data
    replaces the objects instead of adding them again; the value is also kept as a property.
    """
    records = list(records)
    id_column = id_column_of(records, id_column)
    summary.id_column = id_column
    objects: list[tuple[int, dict[str, Any]]] = []
    skipped: set[str] = set()
    first_with_id: dict[str, int] = {}
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            summary.rejected.append((index, f"expected a JSON object, got {type(record).__name__}"))
            continue
        if isinstance(record.get("properties"), dict):  # Weaviate's shape: id, properties, vector
            obj = {k: record[k] for k in ("id", "properties", "vector") if record.get(k) is not None}
            objects.append((index, obj))
            continue
        props: dict[str, Any] = {}
        for key, value in record.items():
            if isinstance(value, dict):
                skipped.add(key)
                continue
            name = property_name(key)
            if name != key:
                summary.renamed.setdefault(key, name)
            if value is None or value == []:
                continue
            props[name] = value
        obj: dict[str, Any] = {"properties": props}
        if id_column is not None:
            value = record.get(id_column)
            if value is None or value == "" or isinstance(value, dict | list):
                summary.rejected.append((index, f"no value in the id column '{id_column}'"))
                continue
            obj["id"] = object_uuid(value)
            if obj["id"] in first_with_id:  # as a batch refuses a repeated id: the first record stays
                first = first_with_id[obj["id"]] + 1
                summary.rejected.append((index, f"{id_column} {value!r} repeats record {first}'s"))
                continue
            first_with_id[obj["id"]] = index
        objects.append((index, obj))
    summary.skipped_keys = sorted(skipped)
    return objects


def insert_objects(
    collection: Any,
    objects: list[tuple[int, dict[str, Any]]],
    summary: ImportSummary,
    *,
    advance: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Insert every object in one insert_many call: one write-ahead log record, written once the vectorizer
    finished, so an error or Ctrl-C before then stores nothing. `advance(n)` follows the vectorizer's
    batches; per-object failures are recorded."""
    existing = {
        position
        for position, (_, obj) in enumerate(objects)
        if "id" in obj and collection.doc_id_of(obj["id"]) is not None
    }
    result = collection.insert_many([obj for _, obj in objects], progress=advance or False)
    for position, ((index, _), error) in enumerate(
        zip(objects, batch_errors(result, len(objects)), strict=True)
    ):
        if error is None:
            summary.stored += 1
            summary.updated += position in existing
        else:
            summary.rejected.append((index, error))
    return summary


def batch_errors(result: Any, count: int) -> list[str | None]:
    """The error text (or None) of each object of a BatchResult, whatever its exact shape."""
    entries = getattr(result, "results", None)
    if entries is None:
        entries = getattr(result, "objects", None)
    if entries is None and isinstance(result, list | tuple):
        entries = result
    if entries is None:
        errors = getattr(result, "errors", None) or {}
        if isinstance(errors, dict):
            return [_error_text(errors.get(i)) for i in range(count)]
        return [None] * count
    return [_error_text(getattr(e, "error", e if isinstance(e, str | Exception) else None)) for e in entries]


def _error_text(error: Any) -> str | None:
    if error is None:
        return None
    return getattr(error, "message", None) or str(error)
