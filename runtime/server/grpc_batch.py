"""gRPC BatchObjects and BatchDelete: the v4 client's insert_many, batch.* and delete_many.

Properties arrive as a protobuf Struct, where every number is a double: the store types them back
through the class's schema (3.0 into an int property is 3, as Weaviate does). Vectors arrive as
little-endian float32 bytes. Errors are reported per object, by its index in the request.
"""

from __future__ import annotations

import struct
import time
import uuid as uuidlib
from typing import Any

from google.protobuf.json_format import MessageToDict
from rankql.dsl import ast, validate
from weaviate.proto.v1 import batch_delete_pb2, batch_pb2

from ..errors import RankqlError
from .grpc_errors import InvalidRequest
from .grpc_filters import where_from_filters


def batch_objects(db: Any, request: Any) -> Any:
    """Insert every object of the request; a BatchObjectsReply with one error per failed object."""
    started = time.perf_counter()
    errors: list[tuple[int, str]] = []
    by_class: dict[str, list[tuple[int, dict]]] = {}
    for index, obj in enumerate(request.objects):
        try:
            name = db.collection(obj.collection).name
            by_class.setdefault(name, []).append((index, _object(obj)))
        except (RankqlError, InvalidRequest) as exc:
            errors.append((index, exc.message))
    for name, items in by_class.items():
        result = db.collection(name).insert_many([obj for _, obj in items], progress=False)
        for (index, _), outcome in zip(items, result, strict=True):
            if outcome.error is not None:
                errors.append((index, outcome.error))
    reply = batch_pb2.BatchObjectsReply(took=time.perf_counter() - started)
    for index, message in sorted(errors):
        reply.errors.append(batch_pb2.BatchObjectsReply.BatchError(index=index, error=message))
    return reply


def _object(obj: Any) -> dict:
    if obj.tenant:
        raise InvalidRequest("multi-tenancy is not supported: rankql collections have no tenants")
    out: dict[str, Any] = {"properties": _properties(obj.properties)}
    if obj.uuid:
        out["id"] = obj.uuid
    vector = _vector(obj)
    if vector is not None:
        out["vector"] = vector
    return out


def _properties(props: Any) -> dict:
    if props.single_target_ref_props or props.multi_target_ref_props:
        raise InvalidRequest("rankql does not support cross-references yet")
    if props.object_properties or props.object_array_properties:
        raise InvalidRequest("rankql does not support object properties yet")
    out = MessageToDict(props.non_ref_properties) if props.HasField("non_ref_properties") else {}
    for arr in props.number_array_properties:
        raw = arr.values_bytes
        out[arr.prop_name] = list(struct.unpack(f"<{len(raw) // 8}d", raw)) if raw else list(arr.values)
    for arr in props.int_array_properties:
        out[arr.prop_name] = list(arr.values)
    for arr in props.text_array_properties:
        out[arr.prop_name] = list(arr.values)
    for arr in props.boolean_array_properties:
        out[arr.prop_name] = list(arr.values)
    for name in props.empty_list_props:
        out[name] = []
    return out


def _vector(obj: Any) -> list[float] | None:
    raw = obj.vector_bytes
    if not raw and obj.vectors:
        if len(obj.vectors) > 1 or obj.vectors[0].type == 2:  # several named vectors, or a multi-vector
            names = ", ".join(v.name for v in obj.vectors)
            raise InvalidRequest(f"rankql keeps one vector per object, got several ({names})")
        raw = obj.vectors[0].vector_bytes
    if raw:
        return list(struct.unpack(f"<{len(raw) // 4}f", raw))
    return list(obj.vector) or None


def batch_delete(db: Any, request: Any) -> Any:
    """Delete the objects the filter matches (or count them with dry_run); verbose lists each one."""
    started = time.perf_counter()
    if request.tenant:
        raise InvalidRequest("multi-tenancy is not supported: rankql collections have no tenants")
    collection = db.collection(request.collection)
    cls = db.schema().get(collection.name)
    where = where_from_filters(request.filters, cls)
    problems = validate(ast.Query(gets=[ast.GetQuery(class_name=collection.name, where=where)]), db.schema())
    if problems:
        raise InvalidRequest("; ".join(p.message for p in problems))
    uuids = [collection.uuid_of(int(doc)) for doc in collection.filter(where)]
    reply = batch_delete_pb2.BatchDeleteReply(matches=len(uuids))
    deleted = 0
    for text in uuids:
        ok = True if request.dry_run else collection.delete(text)
        deleted += int(ok)
        if request.verbose:
            reply.objects.append(
                batch_delete_pb2.BatchDeleteObject(uuid=uuidlib.UUID(text).bytes, successful=ok)
            )
    reply.successful = deleted
    reply.failed = len(uuids) - deleted
    reply.took = time.perf_counter() - started
    return reply
