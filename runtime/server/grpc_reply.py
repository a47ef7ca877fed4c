"""The executor's answer for one class field, as the SearchReply the v4 client parses.

Values come from the same projection `db.query` uses, then take the wire types Weaviate's replier gives
them (prepare_reply.go and mapping.go in adapters/handlers/grpc/v1): typed property values, float32
distance and score, a double rerank score, ids as 16 big-endian bytes, vectors as float32 bytes.
"""

from __future__ import annotations

import struct
from typing import Any

from rankql.dsl.schema import REFERENCE_TYPE, ClassSchema, PropertySchema, Schema
from weaviate.proto.v1 import base_pb2, search_get_pb2

from .grpc_nested import VALUE_TYPES, set_primitive, set_special
from .grpc_references import fill_references

_SINGLE_FP32 = base_pb2.Vectors.VECTOR_TYPE_SINGLE_FP32


def search_reply(
    rows: list[dict], cls: ClassSchema, request: Any, took: float, schema: Schema | None = None
) -> Any:
    """A SearchReply: plain results, or group_by_results when the request grouped.

    Named vectors come back under their names (`_additional.vectors`); the vector of a class whose one
    vector a client named (the v4 client's "default") under that name. Messages are filled in place
    (add() and field assignment), not built and copied: a page of results costs a few microseconds per
    value."""
    types: dict[str, Any] = {p.name: p if p.data_type in VALUE_TYPES else p.data_type for p in cls.properties}
    vector_names: list[str] = []
    if request.HasField("metadata"):
        vector_names = list(request.metadata.vectors)
        if not vector_names and request.metadata.vector:
            vector_names = cls.vector_names
    reply = search_get_pb2.SearchReply(took=took)
    if request.HasField("group_by"):
        for row in rows:
            _group(reply.group_by_results.add(), row.get("_additional") or {}, cls.name, types, vector_names)
        return reply
    wanted = request.properties if request.HasField("properties") else None
    for row in rows:
        result = reply.results.add()
        _result(result, row, cls.name, types, vector_names)
        fill_references(result.properties, row, wanted, cls, schema)  # grpc_references.py
    return reply


def _result(out: Any, row: dict, collection: str, types: dict[str, Any], vector_names: list[str]) -> None:
    extra = row.get("_additional") or {}
    meta = out.metadata
    _fill_id(meta, extra["id"])
    _fill_vector(meta, extra.get("vector"), [])
    for name, vector in (extra.get("vectors") or {}).items():
        if vector is not None:
            raw = struct.pack(f"<{len(vector)}f", *vector)
            meta.vectors.append(base_pb2.Vectors(name=name, vector_bytes=raw, type=_SINGLE_FP32))
    distance = extra.get("distance")
    if distance is not None:
        meta.distance, meta.distance_present = distance, True
    certainty = extra.get("certainty")
    if certainty is not None:
        meta.certainty, meta.certainty_present = certainty, True
    if extra.get("score") is not None:
        meta.score, meta.score_present = float(extra["score"]), True
    if extra.get("explainScore") is not None:
        meta.explain_score, meta.explain_score_present = extra["explainScore"], True
    if extra.get("creationTimeUnix") is not None:
        meta.creation_time_unix, meta.creation_time_unix_present = int(extra["creationTimeUnix"]), True
    if extra.get("lastUpdateTimeUnix") is not None:
        meta.last_update_time_unix = int(extra["lastUpdateTimeUnix"])
        meta.last_update_time_unix_present = True
    if extra.get("isConsistent") is not None:
        meta.is_consistent, meta.is_consistent_present = bool(extra["isConsistent"]), True
    rerank = extra.get("rerank")
    if rerank:
        meta.rerank_score, meta.rerank_score_present = float(rerank[0]["score"]), True
    _fill_properties(out.properties, row, collection, types)


def _group(out: Any, extra: dict, collection: str, types: dict[str, Any], vector_names: list[str]) -> None:
    group = extra.get("group") or {}
    out.name = str((group.get("groupedBy") or {}).get("value", ""))
    out.min_distance = group.get("minDistance") or 0.0
    out.max_distance = group.get("maxDistance") or 0.0
    out.number_of_objects = group.get("count") or 0
    rerank = extra.get("rerank")
    if rerank:
        out.rerank.score = float(rerank[0]["score"])
    for hit in group.get("hits") or []:
        hit_extra = hit.get("_additional") or {}
        result = out.objects.add()
        meta = result.metadata
        _fill_id(meta, hit_extra["id"])
        _fill_vector(meta, hit_extra.get("vector"), vector_names)
        if hit_extra.get("distance") is not None:
            meta.distance, meta.distance_present = hit_extra["distance"], True
        _fill_properties(result.properties, hit, collection, types)


def _fill_id(meta: Any, text: str) -> None:
    meta.id = text
    meta.id_as_bytes = bytes.fromhex(text.replace("-", ""))  # the 16 bytes, big-endian, as uuid.UUID.bytes


def _fill_vector(meta: Any, vector: list[float] | None, names: list[str]) -> None:
    if vector is None:
        return
    raw = struct.pack(f"<{len(vector)}f", *vector)
    if names:
        # a group hit holds the class-level vector: shown under the name a client gave it
        for name in names:
            meta.vectors.append(base_pb2.Vectors(name=name, vector_bytes=raw, type=_SINGLE_FP32))
    else:
        meta.vector_bytes = raw


def _fill_properties(out: Any, row: dict, collection: str, types: dict[str, Any]) -> None:
    out.target_collection = collection
    fields = out.non_ref_props.fields
    for name, value in row.items():
        if name != "_additional" and types.get(name) != REFERENCE_TYPE:
            set_value(fields[name], value, types.get(name, "text"))


def set_value(out: Any, value: Any, data_type: str | PropertySchema) -> None:
    """Fill one properties_pb2.Value with a property value, typed by the property's data type (the
    property itself for the object-valued types and blob, runtime/server/grpc_nested.py)."""
    if value is None:
        out.null_value = 0
        return
    if isinstance(data_type, PropertySchema):
        set_special(out, value, data_type)
        return
    set_primitive(out, value, data_type)
