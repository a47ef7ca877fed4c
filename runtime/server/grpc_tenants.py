"""gRPC TenantsGet: the v4 client's collection.tenants.get() and get_by_names() (adapters/handlers/grpc/v1/tenants.go)."""

from __future__ import annotations

from typing import Any

from weaviate.proto.v1 import tenants_pb2

from .grpc_errors import GrpcFailure, InvalidRequest


def tenants_get(db: Any, request: Any) -> Any:
    """Every tenant of the collection, or those named that exist, with their status (HOT or COLD)."""
    if not request.collection:
        raise InvalidRequest("missing collection")
    if request.collection not in db:
        raise GrpcFailure(f"could not find class {request.collection} in schema")
    collection = db.collection(request.collection)
    if request.HasField("names"):
        names = list(request.names.values)
        if not names:
            raise InvalidRequest("must specify at least one tenant name")
        statuses = collection.tenants.statuses(names)
    else:
        statuses = collection.tenants.statuses()
    tenants = [
        tenants_pb2.Tenant(
            name=name,
            activity_status=tenants_pb2.TenantActivityStatus.Value(f"TENANT_ACTIVITY_STATUS_{status}"),
        )
        for name, status in statuses.items()
    ]
    return tenants_pb2.TenantsGetReply(tenants=tenants)
