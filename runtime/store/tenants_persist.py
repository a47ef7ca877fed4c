"""A multi-tenant class in a checkpoint: `tenants.json` and one folder per tenant under `tenants/`.

A loaded tenant is written like any collection; an unloaded (COLD) one has its files hard-linked from
the checkpoint that holds them (copied where links cannot be made), so they stay on disk unchanged
and need no memory. Opening loads HOT tenants and only notes where COLD ones are.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .folder_checks import damaged
from .tenants import COLD, HOT, Tenant, TenantsApi, TenantShards, check_name

LISTING = "tenants.json"


def save_tenants(
    collection: Any, folder: Path, final: Path, save_one: Callable[..., dict]
) -> dict[str, list]:
    """Write every tenant of `collection` (a checkpoint's copy) under `folder`; the files already known."""
    shards: TenantShards = collection.tenant_shards
    (folder / "tenants").mkdir()
    listing = []
    known: dict[str, list] = {}
    for position, tenant in enumerate(shards.items.values()):
        sub = f"tenants/{position:06d}"
        if tenant.shard is not None:
            linked = save_one(tenant.shard, folder / sub, final / sub)
        else:
            linked = _link(tenant, folder / sub)
        known.update({f"{sub}/{name}": entry for name, entry in (linked or {}).items()})
        tenant.source = final / sub
        tenant.files = _entries(tenant, linked)
        listing.append([tenant.name, tenant.status, sub])
    (folder / LISTING).write_text(json.dumps({"tenants": listing}), encoding="utf-8")
    return known


def _entries(tenant: Tenant, linked: dict | None) -> dict[str, list] | None:
    """The manifest entries of a tenant's folder when all are known (an unloaded tenant's always are)."""
    return dict(linked) if tenant.shard is None and linked is not None else None


def _link(tenant: Tenant, target: Path) -> dict[str, list] | None:
    """Hard-link an unloaded tenant's files into `target`; their entries when known."""
    source = tenant.source
    if source is None:
        raise damaged(f"tenant '{tenant.name}' is unloaded but its files are nowhere")
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if path.is_dir():
            (target / rel).mkdir(parents=True, exist_ok=True)
            continue
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target / rel)
        except OSError:  # a file system without hard links
            shutil.copy2(path, target / rel)
    return tenant.files


def load_tenants(
    collection: Any, folder: Path, files: dict[str, list], load_one: Callable[..., Any]
) -> TenantsApi:
    """The tenants of a class folder: HOT ones loaded, COLD ones left on disk."""
    shards = TenantsApi(collection)
    try:
        listing = json.loads((folder / LISTING).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise damaged(
            f"the class '{collection.name}' has multi-tenancy but no readable {LISTING}: {exc}"
        ) from None
    rows = listing.get("tenants") if isinstance(listing, dict) else None
    if not isinstance(rows, list):
        raise damaged(f"{LISTING} of class '{collection.name}' holds no list of tenants")
    for index, row in enumerate(rows):
        if not (isinstance(row, list) and len(row) == 3 and all(isinstance(x, str) for x in row)):
            raise damaged(f"{LISTING} of class '{collection.name}' has a malformed row {index}")
        name, status, sub = row
        check_name(name, index)
        if status not in (HOT, COLD) or sub != f"tenants/{index:06d}" or name in shards.items:
            raise damaged(f"{LISTING} of class '{collection.name}' has a malformed row {index}")
        prefix = f"{sub}/"
        own = {rel[len(prefix) :]: entry for rel, entry in files.items() if rel.startswith(prefix)}
        tenant = Tenant(name, status, None, folder / sub, own)
        if status == HOT:
            tenant.shard = load_one(folder / sub, collection._registered, own, tenant=name)
        shards.items[name] = tenant
        shards.attach(tenant)
    return shards
