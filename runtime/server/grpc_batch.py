"""gRPC BatchObjects and BatchDelete: the v4 client's insert_many, batch.* and delete_many.

Properties arrive as a protobuf Struct, where every number is a double: the store types them back
through the class's schema (3.0 into an int property is 3, as Weaviate does). Vectors arrive as
little-endian float32 bytes. Errors are reported per object, by its index in the request. Objects are
read in a read view, embedded outside any lock, then stored in the database's writer turn.
"""

from __future__ import annotations

import time
import uuid as uuidlib
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.json_format import MessageToDict
from weaviate.proto.v1 import batch_delete_pb2, batch_pb2

from ..errors import RankqlError
from .delete_matching import delete_matching
from .grpc_errors import GrpcFailure, InvalidRequest
from .grpc_filters import where_from_filters
from .grpc_references import batch_reference_props
from .grpc_search import decode_vector, float32s, float64s
from .wire_schema import cannot_vectorize, unrunnable_named, unrunnable_vectorizer


@dataclass
class PreparedBatch:
    """A BatchObjectsRequest read (in a read view), then embedded (outside any lock), waiting to be stored."""

    started: float
    by_class: dict[tuple[str, str | None], list[tuple[int, dict]]] = field(
        default_factory=dict
    )  # (class, tenant)
    errors: list[tuple[int, str]] = field(default_factory=list)
    # per class (and named vector): its vectorizer, the objects without that vector with the text it
    # embeds for each, and the named vector's name (None: the class-level vector)
    to_embed: list[tuple[Any, list[dict], list[str], str | None]] = field(default_factory=list)


def prepare_batch(db: Any, request: Any) -> PreparedBatch:
    """Read every object and the text of each one to embed: needs the collections, so in a read view."""
    batch = PreparedBatch(time.perf_counter())
    for index, obj in enumerate(request.objects):
        try:
            collection = db.collection(obj.collection).for_tenant(obj.tenant or None)
            key = (collection.name, collection.tenant)
            batch.by_class.setdefault(key, []).append((index, _object(obj, collection)))
        except (RankqlError, GrpcFailure) as exc:  # reported for this object; the others go on
            batch.errors.append((index, exc.message))
    for (name, tenant), items in batch.by_class.items():
        collection = db.collection(name).for_tenant(tenant)
        objects = [obj for _, obj in items]
        todo = collection.writer.texts_to_embed(objects)
        if todo:
            batch.to_embed.append(
                (collection.vectorizer, [objects[i] for i, _ in todo], [t for _, t in todo], None)
            )
        for name, texts in collection.writer.named_texts_to_embed(objects):
            vectorizer = collection.named_vectorizers[name]
            batch.to_embed.append((vectorizer, [objects[i] for i, _ in texts], [t for _, t in texts], name))
    return batch


def embed_batch(batch: PreparedBatch) -> None:
    """Give the objects without a vector the vector insert_many would compute (the same text, the same
    model, one call per class): the slow part, run outside any lock so that no write waiting for its turn
    holds queries back meanwhile."""
    for vectorizer, objects, texts, name in batch.to_embed:
        for obj, vector in zip(objects, vectorizer.embed(texts), strict=True):
            if name is None:
                obj["vector"] = vector.tolist()
            else:
                obj.setdefault("vectors", {})[name] = vector.tolist()


def store_batch(db: Any, batch: PreparedBatch) -> Any:
    """Store the prepared objects (in the writer turn); a BatchObjectsReply with one error per failure."""
    errors = list(batch.errors)
    for (name, tenant), items in batch.by_class.items():
        try:
            shard = db.collection(name).for_tenant(tenant)
            result = shard.insert_many([obj for _, obj in items], progress=False)
        except RankqlError as exc:  # the class was deleted (or the tenant set COLD) meanwhile
            errors.extend((index, exc.message) for index, _ in items)
            continue
        for (index, _), outcome in zip(items, result, strict=True):
            if outcome.error is not None:
                errors.append((index, outcome.error))
    reply = batch_pb2.BatchObjectsReply(took=time.perf_counter() - batch.started)
    for index, message in sorted(errors):
        reply.errors.append(batch_pb2.BatchObjectsReply.BatchError(index=index, error=message))
    return reply


def _object(obj: Any, collection: Any) -> dict:
    out: dict[str, Any] = {"properties": _properties(obj.properties)}
    if obj.uuid:
        out["id"] = obj.uuid
    if collection.named:
        return _named_object(obj, collection, out)
    vector = decode_vector(obj, "vector")
    if vector is not None:
        out["vector"] = vector
    elif (vectorizer := unrunnable_vectorizer(collection.definition)) is not None:
        raise InvalidRequest(cannot_vectorize(collection.name, vectorizer))
    return out


def _named_object(obj: Any, collection: Any, out: dict) -> dict:
    """A class with named vectors: each Vectors entry under its name (the store checks the names)."""
    vectors: dict[str, list[float]] = {}
    for entry in obj.vectors:
        if entry.type == 2:  # VECTOR_TYPE_MULTI_FP32
            raise InvalidRequest(f"named vector '{entry.name}': rankql does not support multi-vectors")
        vectors[entry.name] = float32s(entry.vector_bytes, f"named vector '{entry.name}'")
    if obj.vector_bytes or obj.vector:
        out["vector"] = decode_vector(obj, "vector")  # refused by the store with what to send instead
    for name, module in unrunnable_named(collection.definition).items():
        if name not in vectors:
            raise InvalidRequest(cannot_vectorize(collection.name, module) + f" (named vector '{name}')")
    if vectors:
        out["vectors"] = vectors
    return out


def _properties(props: Any) -> dict:
    out = MessageToDict(props.non_ref_properties) if props.HasField("non_ref_properties") else {}
    for obj in props.object_properties:
        out[obj.prop_name] = _properties(obj.value)
    for array in props.object_array_properties:
        out[array.prop_name] = [_properties(value) for value in array.values]
    if hasattr(props, "single_target_ref_props"):  # a nested object's value has no references
        out.update(batch_reference_props(props))
    for arr in props.number_array_properties:
        raw = arr.values_bytes
        out[arr.prop_name] = float64s(raw, f"property '{arr.prop_name}'") if raw else list(arr.values)
    for arr in props.int_array_properties:
        out[arr.prop_name] = list(arr.values)
    for arr in props.text_array_properties:
        out[arr.prop_name] = list(arr.values)
    for arr in props.boolean_array_properties:
        out[arr.prop_name] = list(arr.values)
    for name in props.empty_list_props:
        out[name] = []
    return out


def batch_delete(db: Any, request: Any) -> Any:
    """Delete the objects the filter matches (or count them with dry_run); verbose lists each one."""
    started = time.perf_counter()
    collection = db.collection(request.collection).for_tenant(request.tenant or None)
    where = where_from_filters(request.filters, collection.class_schema, db.schema())
    outcome = delete_matching(collection, where, request.dry_run)
    reply = batch_delete_pb2.BatchDeleteReply(matches=len(outcome.uuids))
    if request.verbose:  # in the writer turn every match is there to delete
        for text in outcome.uuids:
            reply.objects.append(
                batch_delete_pb2.BatchDeleteObject(uuid=uuidlib.UUID(text).bytes, successful=True)
            )
    deleted = len(outcome.uuids) if request.dry_run else outcome.deleted
    reply.successful = deleted
    reply.failed = len(outcome.uuids) - deleted
    reply.took = time.perf_counter() - started
    return reply
