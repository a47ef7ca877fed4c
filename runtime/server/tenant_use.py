"""Requests that name a tenant: Weaviate's auto-creation and auto-activation, before the request runs."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def prepare_tenants(db: Any, requests: Iterable[tuple[Any, Any]], for_write: bool) -> None:
    """For each (class, tenant) a request names: create the tenant (autoTenantCreation, writes only) or set
    it HOT (autoTenantActivation) when the class allows it. A tenant change is a write of its own, so
    this runs before the request's write turn or read view; what is still wrong the request reports."""
    for class_name, tenant in dict.fromkeys(requests):
        if (
            not tenant
            or not isinstance(tenant, str)
            or not isinstance(class_name, str)
            or class_name not in db
        ):
            continue
        tenants = db.collection(class_name).tenant_shards
        if tenants is not None:
            tenants.ensure(tenant, for_write=for_write)
