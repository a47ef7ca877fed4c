"""Reading JSON, JSONL and CSV records into a collection: key names, type inference, batches with progress."""

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

_WORD = re.compile(r"[A-Za-z0-9]+")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
# Keys that carry an object's identity in common formats: BEIR's '_id' becomes the docId property.
ID_KEYS = {"_id": "docId"}
CHUNK = 128


class ImportError_(RankqlError):
    """A data file cannot be read or does not fit."""

    code = "I100"


@dataclass
class ImportSummary:
    """How an import went: objects stored, and those rejected with the reason for each."""

    stored: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)
    skipped_keys: list[str] = field(default_factory=list)

    def lines(self, limit: int = 10) -> list[str]:
        out = [f"stored {self.stored} object(s), rejected {len(self.rejected)}"]
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
        raise ImportError_(f"no such file: {path}", hint="give the path of a .json, .jsonl or .csv file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportError_(
            f"{path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start})",
            hint="save it as UTF-8",
        ) from None
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return [_typed_csv_row(row) for row in csv.DictReader(io.StringIO(text, newline=""))]
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


def to_objects(records: Iterable[Any], summary: ImportSummary) -> list[tuple[int, dict[str, Any]]]:
    """Objects ready for insert_many, keyed by their record index; bad records go to the summary."""
    objects: list[tuple[int, dict[str, Any]]] = []
    skipped: set[str] = set()
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
            if value is None or value == []:
                continue
            props[property_name(key)] = value
        obj = {"properties": props}
        if "docId" in props:  # stable ids: the same record gets the same uuid on every import
            obj["id"] = str(uuid.uuid5(uuid.NAMESPACE_DNS, str(props["docId"])))
        objects.append((index, obj))
    summary.skipped_keys = sorted(skipped)
    return objects


def _kind(value: Any) -> str:
    if isinstance(value, list):
        inner = [_kind(v) for v in value if v is not None]
        if inner and set(inner) <= {"int", "number"}:
            return "number[]" if "number" in inner else "int[]"
        return (inner[0] if inner and not inner[0].endswith("[]") else "text") + "[]"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str) and _RFC3339.match(value):
        return "date"
    return "text"


def _data_type(values: list[Any]) -> str:
    """The first value decides, as Weaviate's auto-schema does; ints and floats together make number."""
    kinds = [_kind(v) for v in values]
    if set(kinds) <= {"int", "number"}:
        return "number" if "number" in kinds else "int"
    if set(kinds) <= {"int[]", "number[]"}:
        return "number[]" if "number[]" in kinds else "int[]"
    return kinds[0]


def infer_definition(
    class_name: str,
    objects: list[tuple[int, dict[str, Any]]],
    *,
    vectorizer: str = "text2vec-transformers",
    reranker: str | None = "reranker-similarity",
) -> dict[str, Any]:
    """A class definition whose properties fit the objects (first-seen order)."""
    values: dict[str, list[Any]] = {}
    for _, obj in objects:
        for key, value in obj.get("properties", {}).items():
            values.setdefault(key, []).append(value)
    properties = []
    for name, seen in values.items():
        prop: dict[str, Any] = {"name": name, "dataType": [_data_type(seen)]}
        if name == "docId":  # identifiers match whole, never by word
            prop["tokenization"] = "field"
        properties.append(prop)
    definition: dict[str, Any] = {"class": class_name, "vectorizer": vectorizer, "properties": properties}
    module_config: dict[str, Any] = {}
    if vectorizer != "none":
        module_config[vectorizer] = {"vectorizeClassName": False}
    if reranker:
        module_config[reranker] = {}
    if module_config:
        definition["moduleConfig"] = module_config
    return definition


def insert_objects(
    collection: Any,
    objects: list[tuple[int, dict[str, Any]]],
    summary: ImportSummary,
    *,
    advance: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Insert in chunks (so progress moves while the vectorizer embeds); per-object failures are recorded."""
    for start in range(0, len(objects), CHUNK):
        chunk = objects[start : start + CHUNK]
        result = collection.insert_many([obj for _, obj in chunk], progress=False)
        for (index, _), error in zip(chunk, batch_errors(result, len(chunk)), strict=True):
            if error is None:
                summary.stored += 1
            else:
                summary.rejected.append((index, error))
        if advance is not None:
            advance(len(chunk))
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
