"""The executor's answer for one class field, as the SearchReply the v4 client parses.

Values come from the same projection `db.query` uses, then take the wire types Weaviate's replier gives
them (prepare_reply.go and mapping.go in adapters/handlers/grpc/v1): typed property values, float32
distance and score, a double rerank score, ids as 16 big-endian bytes, vectors as float32 bytes.
"""

from __future__ import annotations

import struct
import uuid
from typing import Any

from rankql.dsl.schema import ClassSchema, base_type
from weaviate.proto.v1 import base_pb2, properties_pb2, search_get_pb2

_SINGLE_FP32 = base_pb2.Vectors.VECTOR_TYPE_SINGLE_FP32


def search_reply(
    rows: list[dict], cls: ClassSchema, request: Any, took: float, named_vector: str | None = None
) -> Any:
    """A SearchReply: plain results, or group_by_results when the request grouped.

    `named_vector` is the class's one named vector (the v4 client's "default"): as in Weaviate, asking
    for the vector of such a class returns it under its name."""
    types = {p.name: p.data_type for p in cls.properties}
    vector_names: list[str] = []
    if request.HasField("metadata"):
        vector_names = list(request.metadata.vectors)
        if not vector_names and request.metadata.vector and named_vector:
            vector_names = [named_vector]
    reply = search_get_pb2.SearchReply(took=took)
    if request.HasField("group_by"):
        for row in rows:
            extra = row.get("_additional") or {}
            reply.group_by_results.append(_group(extra, cls.name, types, vector_names))
        return reply
    for row in rows:
        reply.results.append(_result(row, cls.name, types, vector_names))
    return reply


def _result(row: dict, collection: str, types: dict[str, str], vector_names: list[str]) -> Any:
    extra = row.get("_additional") or {}
    meta = search_get_pb2.MetadataResult()
    _fill_id(meta, extra["id"])
    _fill_vector(meta, extra.get("vector"), vector_names)
    distance = extra.get("distance")
    if distance is not None:
        meta.distance, meta.distance_present = distance, True
    certainty = extra.get("certainty")
    if certainty is not None:
        meta.certainty, meta.certainty_present = certainty, True
    if "score" in extra and extra["score"] is not None:
        meta.score, meta.score_present = float(extra["score"]), True
    if "explainScore" in extra and extra["explainScore"] is not None:
        meta.explain_score, meta.explain_score_present = extra["explainScore"], True
    if extra.get("creationTimeUnix") is not None:
        meta.creation_time_unix, meta.creation_time_unix_present = int(extra["creationTimeUnix"]), True
    if extra.get("lastUpdateTimeUnix") is not None:
        meta.last_update_time_unix = int(extra["lastUpdateTimeUnix"])
        meta.last_update_time_unix_present = True
    rerank = extra.get("rerank")
    if rerank:
        meta.rerank_score, meta.rerank_score_present = float(rerank[0]["score"]), True
    props = _properties(row, collection, types)
    return search_get_pb2.SearchResult(properties=props, metadata=meta)


def _group(extra: dict, collection: str, types: dict[str, str], vector_names: list[str]) -> Any:
    group = extra.get("group") or {}
    out = search_get_pb2.GroupByResult(
        name=str((group.get("groupedBy") or {}).get("value", "")),
        min_distance=group.get("minDistance") or 0.0,
        max_distance=group.get("maxDistance") or 0.0,
        number_of_objects=group.get("count") or 0,
    )
    rerank = extra.get("rerank")
    if rerank:
        out.rerank.score = float(rerank[0]["score"])
    for hit in group.get("hits") or []:
        hit_extra = hit.get("_additional") or {}
        meta = search_get_pb2.MetadataResult()
        _fill_id(meta, hit_extra["id"])
        _fill_vector(meta, hit_extra.get("vector"), vector_names)
        if hit_extra.get("distance") is not None:
            meta.distance, meta.distance_present = hit_extra["distance"], True
        props = _properties(hit, collection, types)
        out.objects.append(search_get_pb2.SearchResult(properties=props, metadata=meta))
    return out


def _fill_id(meta: Any, text: str) -> None:
    meta.id = text
    meta.id_as_bytes = uuid.UUID(text).bytes


def _fill_vector(meta: Any, vector: list[float] | None, names: list[str]) -> None:
    if vector is None:
        return
    raw = struct.pack(f"<{len(vector)}f", *vector)
    if names:
        # rankql keeps one vector per object: each requested named vector is that vector
        for name in names:
            meta.vectors.append(base_pb2.Vectors(name=name, vector_bytes=raw, type=_SINGLE_FP32))
    else:
        meta.vector_bytes = raw


def _properties(row: dict, collection: str, types: dict[str, str]) -> Any:
    fields = {}
    for name, value in row.items():
        if name != "_additional":
            fields[name] = typed_value(value, types.get(name, "text"))
    return search_get_pb2.PropertiesResult(
        target_collection=collection, non_ref_props=properties_pb2.Properties(fields=fields)
    )


def typed_value(value: Any, data_type: str) -> Any:
    """One property value as properties_pb2.Value, typed by the property's data type."""
    if value is None:
        return properties_pb2.Value(null_value=0)
    base = base_type(data_type)
    if data_type.endswith("[]"):
        return properties_pb2.Value(list_value=_list_value(base, value))
    if base == "int":
        return properties_pb2.Value(int_value=int(value))
    if base == "number":
        return properties_pb2.Value(number_value=float(value))
    if base == "boolean":
        return properties_pb2.Value(bool_value=bool(value))
    if base == "date":
        return properties_pb2.Value(date_value=str(value))
    if base == "uuid":
        return properties_pb2.Value(uuid_value=str(value))
    return properties_pb2.Value(text_value=str(value))


def _list_value(base: str, values: list) -> Any:
    if base == "int":
        raw = struct.pack(f"<{len(values)}q", *(int(v) for v in values))
        return properties_pb2.ListValue(int_values=properties_pb2.IntValues(values=raw))
    if base == "number":
        raw = struct.pack(f"<{len(values)}d", *(float(v) for v in values))
        return properties_pb2.ListValue(number_values=properties_pb2.NumberValues(values=raw))
    if base == "boolean":
        return properties_pb2.ListValue(
            bool_values=properties_pb2.BoolValues(values=[bool(v) for v in values])
        )
    if base == "date":
        return properties_pb2.ListValue(
            date_values=properties_pb2.DateValues(values=[str(v) for v in values])
        )
    if base == "uuid":
        return properties_pb2.ListValue(
            uuid_values=properties_pb2.UuidValues(values=[str(v) for v in values])
        )
    return properties_pb2.ListValue(text_values=properties_pb2.TextValues(values=[str(v) for v in values]))
