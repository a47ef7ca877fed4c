"""gRPC Aggregate: an AggregateRequest as an Aggregate class field, run by the engine, answered as an
AggregateReply (weaviate-client's generated classes; fields as Weaviate's grpc/v1/aggregate.proto)."""

from __future__ import annotations

import time
from typing import Any

from rankql.dsl import ast, validate
from rankql.dsl.schema import ClassSchema, Schema
from rankql.dsl.source import Source
from weaviate.proto.v1 import aggregate_pb2

from ..engine.aggregate import run_aggregates
from .grpc_errors import GrpcFailure, InvalidRequest, NotSupported
from .grpc_filters import where_from_filters
from .grpc_search import _hybrid, _near_object, _near_text, _near_vector

_SOURCE = Source("", "<grpc>")  # the request has no text: errors carry no line and column
# Request flag -> the GraphQL aggregation name, per kind of the request's `aggregation` oneof.
_FLAGS = {
    "count": "count",
    "type": "type",
    "sum": "sum",
    "mean": "mean",
    "mode": "mode",
    "median": "median",
    "maximum": "maximum",
    "minimum": "minimum",
    "top_occurences": "topOccurrences",
    "total_true": "totalTrue",
    "total_false": "totalFalse",
    "percentage_true": "percentageTrue",
    "percentage_false": "percentageFalse",
}
_REPLY_NAMES = {graphql: wire for wire, graphql in _FLAGS.items()}
_KIND = {"int": "int", "number": "number", "text": "text", "boolean": "boolean", "date": "date"}


def bind_aggregate_request(request: Any, cls: ClassSchema, schema: Schema | None = None) -> ast.Query:
    """The Query of one AggregateRequest against the class `cls`."""
    for unsupported in ("near_image", "near_audio", "near_video", "near_depth", "near_thermal", "near_imu"):
        if request.HasField(unsupported):
            raise NotSupported(f"{unsupported} is not supported by rankql")
    search: Any = None
    if request.HasField("near_vector"):
        search = _near_vector(request.near_vector)
    elif request.HasField("near_object"):
        search = _near_object(request.near_object)
    elif request.HasField("near_text"):
        search = _near_text(request.near_text)
    elif request.HasField("hybrid"):
        search = _hybrid(request.hybrid)
    selection = []
    if request.objects_count:
        selection.append(ast.AggregateField(name="meta", fields=["count"]))
    group_by = None
    if request.HasField("group_by"):
        group_by = [request.group_by.property]
        selection.append(ast.AggregateField(name="groupedBy", fields=["path", "value"]))
    for agg in request.aggregations:
        kind = agg.WhichOneof("aggregation")
        if kind not in _KIND:
            raise NotSupported(f"{kind} aggregations are not supported by rankql")
        msg = getattr(agg, kind)
        fields = [
            graphql for wire, graphql in _FLAGS.items() if hasattr(msg, wire) and getattr(msg, wire) is True
        ]
        top_limit = ast.TOP_OCCURRENCES_LIMIT
        if kind == "text" and msg.HasField("top_occurences_limit"):
            top_limit = msg.top_occurences_limit
        top = ["value", "occurs"] if "topOccurrences" in fields else []
        selection.append(
            ast.AggregateField(name=agg.property, fields=fields, top_fields=top, top_limit=top_limit)
        )
    aggregate = ast.AggregateQuery(
        class_name=cls.name,
        search=search,
        where=where_from_filters(request.filters, cls, schema) if request.HasField("filters") else None,
        object_limit=request.object_limit if request.HasField("object_limit") else None,
        group_by=group_by,
        limit=request.limit if request.HasField("limit") and group_by else None,
        tenant=request.tenant or None,
        selection=selection,
    )
    return ast.Query(gets=[], aggregates=[aggregate])


def run_aggregate(db: Any, request: Any) -> Any:
    """One AggregateRequest through the validator and the engine, answered as an AggregateReply."""
    started = time.perf_counter()
    if request.collection not in db:
        raise GrpcFailure(f"could not find class {request.collection} in schema")
    schema = db.schema()
    cls = schema.get(db.collection(request.collection).name)
    query = bind_aggregate_request(request, cls, schema)
    problems = validate(query, schema)
    if problems:
        raise InvalidRequest("; ".join(p.message for p in problems))
    (run,) = run_aggregates(db, _SOURCE, query)
    if run.errors or run.data is None:
        raise GrpcFailure("; ".join(e["message"] for e in run.errors) or "the aggregation failed")
    agg = query.aggregates[0]
    took = time.perf_counter() - started
    if agg.group_by is None:
        (entry,) = run.data
        return aggregate_pb2.AggregateReply(took=took, single_result=_single(entry, agg, cls))
    groups = [_group(entry, agg, cls) for entry in run.data]
    return aggregate_pb2.AggregateReply(
        took=took, grouped_results=aggregate_pb2.AggregateReply.Grouped(groups=groups)
    )


def _aggregations(entry: dict, agg: ast.AggregateQuery, cls: ClassSchema) -> Any:
    reply = aggregate_pb2.AggregateReply.Aggregations
    out = []
    for item in agg.selection:
        if item.name in ("meta", "groupedBy"):
            continue
        prop = cls.property(item.name)
        kind = (prop.data_type if prop else "text").removesuffix("[]")
        kind = "text" if kind == "uuid" else kind
        values = {_REPLY_NAMES[k]: v for k, v in entry[item.key].items() if v is not None}
        if "top_occurences" in values:
            items = [
                reply.Aggregation.Text.TopOccurrences.TopOccurrence(**t) for t in values["top_occurences"]
            ]
            values["top_occurences"] = reply.Aggregation.Text.TopOccurrences(items=items)
        if kind == "int":
            values = {k: (v if k in ("mean", "median") else int(v)) for k, v in values.items()}
        message = {
            "int": reply.Aggregation.Integer,
            "number": reply.Aggregation.Number,
            "text": reply.Aggregation.Text,
            "boolean": reply.Aggregation.Boolean,
            "date": reply.Aggregation.Date,
        }[kind](**values)
        out.append(reply.Aggregation(property=item.name, **{kind: message}))
    return reply(aggregations=out)


def _count(entry: dict) -> int | None:
    meta = entry.get("meta")
    return meta["count"] if meta else None


def _single(entry: dict, agg: ast.AggregateQuery, cls: ClassSchema) -> Any:
    return aggregate_pb2.AggregateReply.Single(
        objects_count=_count(entry), aggregations=_aggregations(entry, agg, cls)
    )


def _group(entry: dict, agg: ast.AggregateQuery, cls: ClassSchema) -> Any:
    name = (agg.group_by or [""])[0]
    prop = cls.property(name)
    kind = (prop.data_type if prop else "text").removesuffix("[]")
    text = entry["groupedBy"]["value"]
    value: dict[str, Any]
    if kind == "int":
        value = {"int": int(text)}
    elif kind == "number":
        value = {"number": float(text)}
    elif kind == "boolean":
        value = {"boolean": text == "true"}
    else:
        value = {"text": text}
    grouped_by = aggregate_pb2.AggregateReply.Group.GroupedBy(path=[name], **value)
    return aggregate_pb2.AggregateReply.Group(
        objects_count=_count(entry), aggregations=_aggregations(entry, agg, cls), grouped_by=grouped_by
    )
