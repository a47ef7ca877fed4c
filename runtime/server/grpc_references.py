"""Cross-references on gRPC: refs in BatchObjects, `properties.ref_properties` of a SearchRequest and
its reply, and filter targets through references (single_target, multi_target, count), as Weaviate's
adapters/handlers/grpc/v1 (parse_search_request.go, filters.go, prepare_reply.go) reads and writes them.
"""

from __future__ import annotations

import struct
import time
from typing import Any

from rankql.dsl import ast
from rankql.dsl.references import beacon
from rankql.dsl.schema import ClassSchema, Schema
from weaviate.proto.v1 import batch_pb2

from ..errors import ObjectError, SchemaError, TenantError
from .grpc_errors import InvalidRequest
from .grpc_nested import VALUE_TYPES, all_fields
from .rest_references import add_batch_reference

# --- batch ------------------------------------------------------------------------------------------


def batch_references(db: Any, request: Any) -> Any:
    """BatchReferences: each reference added as /v1/batch/references adds it; failures by index."""
    started = time.perf_counter()
    reply = batch_pb2.BatchReferencesReply()
    for index, ref in enumerate(request.references):
        to = beacon(ref.to_collection or None, ref.to_uuid)
        try:
            add_batch_reference(db, ref.from_collection, ref.from_uuid.lower(), ref.name, to, ref.tenant)
        except (ObjectError, SchemaError, TenantError) as exc:
            reply.errors.add(index=index, error=exc.message)
    reply.took = time.perf_counter() - started
    return reply


def batch_reference_props(props: Any) -> dict[str, list[str]]:
    """The reference properties of a BatchObject as beacons (single targets without a class: the store
    completes it from the property's one target, as Weaviate's validator does)."""
    out: dict[str, list[str]] = {}
    for ref in props.single_target_ref_props:
        out.setdefault(ref.prop_name, []).extend(beacon(None, u) for u in ref.uuids)
    for ref in props.multi_target_ref_props:
        out.setdefault(ref.prop_name, []).extend(beacon(ref.target_collection, u) for u in ref.uuids)
    return out


# --- search: the request ----------------------------------------------------------------------------


def _linked_class(cls: ClassSchema, prop_name: str, target_collection: str, schema: Schema) -> ClassSchema:
    prop = cls.property(prop_name[:1].lower() + prop_name[1:])
    if prop is None or not prop.is_reference:
        raise InvalidRequest(
            f"get property by name {prop_name} for class {cls.name}: no reference property with name "
            f"'{prop_name}' found in class '{cls.name}'"
        )
    if len(prop.targets) == 1:
        name = prop.targets[0]
    elif not target_collection:
        raise InvalidRequest(
            f"multi target references from collection {cls.name} and property {prop_name} with need an "
            f"explicitlinked collection. Available linked collections are {prop.targets}"
        )
    else:
        name = target_collection
    linked = schema.get(name)
    if linked is None or name not in prop.targets:
        raise InvalidRequest(
            f"class {name} is not a target of reference property {prop.name}: {prop.targets}"
        )
    return linked


def reference_selection(req_props: Any, cls: ClassSchema, schema: Schema | None) -> list[ast.ReferenceField]:
    """The ReferenceFields of a PropertiesRequest's ref_properties (nested ones included)."""
    if req_props is None or not req_props.ref_properties:
        return []
    if schema is None:
        raise InvalidRequest("references cannot be returned here")
    fields = []
    for ref in req_props.ref_properties:
        linked = _linked_class(cls, ref.reference_property, ref.target_collection, schema)
        inner = ref.properties if ref.HasField("properties") else None
        names = (
            [p.name for p in linked.properties if not p.is_reference]
            if inner is None or inner.return_all_nonref_properties
            else [n[:1].lower() + n[1:] for n in inner.non_ref_properties]
        )
        extra = ["id"]
        if ref.HasField("metadata"):
            meta = ref.metadata
            for flag, name in (
                (meta.vector or len(meta.vectors) > 0, "vector"),
                (meta.creation_time_unix, "creationTimeUnix"),
                (meta.last_update_time_unix, "lastUpdateTimeUnix"),
            ):
                if flag:
                    extra.append(name)
        selection: list[ast.SelectionItem] = [
            ast.PropertyField(name=n, fields=all_fields(p) if (p := linked.property(n)) else None)
            for n in names
        ]
        selection.extend(reference_selection(inner, linked, schema))
        selection.append(ast.AdditionalSelection(items=[ast.AdditionalScalar(name=n) for n in extra]))
        name = ref.reference_property[:1].lower() + ref.reference_property[1:]
        fragment = ast.ReferenceFragment(class_name=linked.name, selection=selection)
        fields.append(ast.ReferenceField(name=name, fragments=[fragment]))
    return fields


# --- search: the reply ------------------------------------------------------------------------------


def fill_references(out: Any, row: dict, req_props: Any, cls: ClassSchema, schema: Schema | None) -> None:
    """Fill a PropertiesResult's ref_props from the resolved rows of the projection."""
    if req_props is None or not req_props.ref_properties or schema is None:
        return
    from .grpc_reply import set_value  # the one place values take their wire types

    out.ref_props_requested = True
    for ref in req_props.ref_properties:
        name = ref.reference_property[:1].lower() + ref.reference_property[1:]
        linked = _linked_class(cls, ref.reference_property, ref.target_collection, schema)
        resolved = row.get(name) or []
        if not resolved:
            continue
        types = {p.name: p if p.data_type in VALUE_TYPES else p.data_type for p in linked.properties}
        inner = ref.properties if ref.HasField("properties") else None
        result = out.ref_props.add()
        result.prop_name = name
        for obj in resolved:
            item = result.properties.add()
            item.target_collection = linked.name
            extra = obj.get("_additional") or {}
            item.metadata.id = extra["id"]
            item.metadata.id_as_bytes = bytes.fromhex(extra["id"].replace("-", ""))
            if extra.get("vector") is not None:
                item.metadata.vector_bytes = struct.pack(f"<{len(extra['vector'])}f", *extra["vector"])
            if extra.get("creationTimeUnix") is not None:
                item.metadata.creation_time_unix = int(extra["creationTimeUnix"])
                item.metadata.creation_time_unix_present = True
            if extra.get("lastUpdateTimeUnix") is not None:
                item.metadata.last_update_time_unix = int(extra["lastUpdateTimeUnix"])
                item.metadata.last_update_time_unix_present = True
            fields = item.non_ref_props.fields
            for key, value in obj.items():
                if key != "_additional" and types.get(key) != "cref":
                    set_value(fields[key], value, types.get(key, "text"))
            fill_references(item, obj, inner, linked, schema)


# --- filters ----------------------------------------------------------------------------------------


def filter_path(
    target: Any, cls: ClassSchema | None, schema: Schema | None
) -> tuple[list[str], ClassSchema | None]:
    """The where path of a FilterTarget that goes through references (or counts them), and the class
    its last property belongs to (to type the value)."""
    kind = target.WhichOneof("target")
    if kind == "property":
        return [target.property], cls
    if kind == "count":
        return [target.count.on[:1].lower() + target.count.on[1:]], None  # compared as an int
    if schema is None or cls is None:
        raise InvalidRequest("filters through references need the collection's schema here")
    ref = target.single_target if kind == "single_target" else target.multi_target
    name = ref.on[:1].lower() + ref.on[1:]
    prop = cls.property(name)
    if prop is None or not prop.is_reference:
        raise InvalidRequest(
            f"no such prop with name '{name}' found in class '{cls.name}' in the schema. Check your schema "
            "files for which properties in this class are available"
        )
    if kind == "single_target":
        if len(prop.targets) != 1:
            raise InvalidRequest(
                f"expected reference property with a single target, got {prop.targets} for {name} "
            )
        linked_name = prop.targets[0]
    else:
        linked_name = target.multi_target.target_collection
    linked = schema.get(linked_name)
    rest, leaf = filter_path(ref.target, linked, schema)
    return [name, linked_name, *rest], leaf
