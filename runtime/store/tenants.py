"""The tenants of a multi-tenant class: each its own shard (a Collection with its own indexes) and status.

Weaviate's rules (usecases/schema/tenant.go, adapters/repos/db/multitenancy/validator.go): a tenant
name is 1-64 letters, digits, `_` or `-`; a status is HOT or COLD (ACTIVE and INACTIVE are the newer
names for them, and a tenant is shown with the older ones); adding a tenant that exists does nothing,
removing one that does not exist does nothing, updating one that does not exist is an error. Only a
HOT tenant answers queries and takes writes. A COLD tenant of a folder database is unloaded: its files
stay in the checkpoint, and setting it HOT loads them again (docs/multi-tenancy.md).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import TenantError
from .definition_update import redefine

if TYPE_CHECKING:
    from .collection import Collection

HOT, COLD = "HOT", "COLD"
STATUSES = {"HOT": HOT, "ACTIVE": HOT, "COLD": COLD, "INACTIVE": COLD}
_OFFLOADED = ("FROZEN", "OFFLOADED")
_NAME = re.compile(r"^[A-Za-z0-9\-_]{1,64}$")
MAX_UPDATE = 100  # Weaviate's ErrMsgMaxAllowedTenants
_OPS = 1 << 40  # a tenant change outweighs any sum of shard versions: the total only grows


@dataclass(eq=False)
class Tenant:
    """One tenant: its status, and its shard while loaded (None: a COLD tenant whose files are at `source`)."""

    name: str
    status: str
    shard: Collection | None
    source: Path | None = None  # where its files are in the current checkpoint (a folder database)
    files: dict[str, list] | None = None  # their manifest entries there, when known
    removed: bool = False
    live: Tenant | None = field(default=None, repr=False)  # a checkpoint's copy: the tenant it copies


def without_tenant(class_name: str) -> TenantError:
    return TenantError(
        f"class {class_name} has multi-tenancy enabled, but request was without tenant",
        hint=f"name a tenant: tenant: \"A\" in the query, or db['{class_name}'].with_tenant('A')",
    )


def with_tenant_refused(class_name: str) -> TenantError:
    return TenantError(
        f"class {class_name} has multi-tenancy disabled, but request was with tenant",
        hint="leave the tenant out, or create the class with multiTenancyConfig: {enabled: true}",
    )


def not_found(name: str) -> TenantError:
    return TenantError(
        f'tenant not found: "{name}"', hint="create it first: collection.tenants.create([...])"
    )


def not_active(name: str) -> TenantError:
    return TenantError(
        f"tenant not active: '{name}'",
        hint=f"set it HOT: collection.tenants.update([{{'name': '{name}', 'activityStatus': 'HOT'}}])",
    )


def check_name(name: Any, index: int) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        what = (
            "empty tenant name"
            if name in ("", None)
            else (
                f" '{name}' is not a valid tenant name. should only contain alphanumeric characters "
                "(a-z, A-Z, 0-9), underscore (_), and hyphen (-), with a length between 1 and 64 characters"
            )
        )
        raise TenantError(f"tenant name at index {index}: {what}")
    return name


def check_status(name: str, status: Any, *, allow_empty: bool) -> str:
    """HOT or COLD from any of Weaviate's names for them; TenantError for the rest."""
    if status in (None, "") and allow_empty:
        return HOT
    found = STATUSES.get(status) if isinstance(status, str) else None
    if found is not None:
        return found
    if status in _OFFLOADED:
        raise TenantError(
            "can't offload tenants, because offload-s3 module is not enabled",
            hint="rankql keeps every tenant on local disk: use COLD (INACTIVE) to unload one",
        )
    shown = "" if status is None else status
    raise TenantError(f"invalid activity status '{shown}' for tenant \"{name}\"")


def parse_tenants(items: Any, *, allow_empty_status: bool) -> list[tuple[str, str]]:
    """[(name, status)] from names, {"name", "activityStatus"} dicts, or a list of either; no duplicates."""
    if isinstance(items, str | dict):
        items = [items]
    if not isinstance(items, Iterable):
        raise TenantError(
            f"tenants must be a list of names or {{'name', 'activityStatus'}} objects, got {type(items).__name__}"
        )
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        if isinstance(item, dict):
            unknown = set(item) - {"name", "activityStatus"}
            if unknown:
                raise TenantError(f"tenant at index {index}: unknown field '{sorted(unknown)[0]}'")
            name, status = check_name(item.get("name"), index), item.get("activityStatus")
        else:
            name, status = check_name(item, index), None
        if name in seen:
            raise TenantError(f"tenant name {name} existed multiple times")
        seen.add(name)
        out.append((name, check_status(name, status, allow_empty=allow_empty_status)))
    return out


class TenantShards:
    """The tenants of one multi-tenant class (held by its Collection as `tenants`), in creation order."""

    def __init__(self, root: Collection) -> None:
        self.root = root
        self.items: dict[str, Tenant] = {}
        self.ops = 0  # grows with every change of the tenants themselves

    @property
    def version(self) -> int:
        return self.ops * _OPS + sum(t.shard.version for t in self.items.values() if t.shard is not None)

    @property
    def auto_creation(self) -> bool:
        return bool(self.root.definition["multiTenancyConfig"]["autoTenantCreation"])

    @property
    def auto_activation(self) -> bool:
        return bool(self.root.definition["multiTenancyConfig"]["autoTenantActivation"])

    def new_shard(self, name: str) -> Collection:
        from .collection import Collection

        root = self.root
        return Collection(root.definition, registered=root._registered, guard=root._guard, tenant=name)

    def attach(self, tenant: Tenant) -> None:
        """Make a tenant's shard answer to it (its writes check the tenant's status)."""
        if tenant.shard is not None:
            tenant.shard.tenancy = tenant
            tenant.shard._guard = self.root._guard
            tenant.shard._peers = partial(self.peer, tenant=tenant.name)
            if tenant.shard.definition != self.root.definition:  # changed while the tenant was on disk
                redefine(tenant.shard, self.root.definition)

    def peer(self, name: str, tenant: str) -> Collection | None:
        """The class a tenant's references point at: a class without tenants as it is, a multi-tenant
        one by the same tenant's shard (Weaviate keeps references between tenants of one name)."""
        other = self.root._peers(name)
        shards = other.tenant_shards if other is not None else None
        if shards is None:
            return other
        found = shards.items.get(tenant)
        return found.shard if found is not None else None

    # -- looking tenants up ------------------------------------------------------------------------

    def shard(self, name: Any) -> Collection:
        """The loaded shard of a HOT tenant; Weaviate's errors for no tenant, an unknown or a COLD one."""
        if not name:
            raise without_tenant(self.root.name)
        tenant = self.items.get(name)
        if tenant is None:
            raise not_found(str(name))
        if tenant.status != HOT or tenant.shard is None:
            raise not_active(name)
        return tenant.shard

    def statuses(self, names: Iterable[str] | None = None) -> dict[str, str]:
        """{name: HOT or COLD} of every tenant, or of those named that exist."""
        if names is None:
            return {name: t.status for name, t in self.items.items()}
        return {name: self.items[name].status for name in names if name in self.items}

    def __contains__(self, name: object) -> bool:
        return name in self.items

    def __len__(self) -> int:
        return len(self.items)

    # -- changes (the Database's Tenants API logs them; a replay applies them again) ----------------

    def apply(
        self, action: str, changes: list[tuple[str, str]], load: Callable[[Tenant], Collection]
    ) -> None:
        """Apply a logged tenant change: create (existing names skipped), update, or remove."""
        for name, status in changes:
            tenant = self.items.get(name)
            if action == "create":
                if tenant is None:
                    tenant = self.items[name] = Tenant(name, status, self.new_shard(name))
                    self.attach(tenant)
            elif action == "update":
                if tenant is None:
                    raise KeyError(name)
                if status == HOT and tenant.shard is None:
                    tenant.shard = load(tenant)
                    self.attach(tenant)
                tenant.status = status
            elif action == "remove":
                if tenant is not None:
                    tenant.removed = True
                    del self.items[name]
            else:
                raise ValueError(f"unknown tenant action {action!r}")
        self.ops += 1

    def unload_cold(self) -> int:
        """Drop the shards of COLD tenants whose files are in the checkpoint; how many were dropped."""
        dropped = 0
        for tenant in self.items.values():
            if tenant.status == COLD and tenant.shard is not None and tenant.source is not None:
                tenant.shard = None
                dropped += 1
        if dropped:
            self.ops += 1
        return dropped

    def cold_loaded(self) -> bool:
        return any(t.status == COLD and t.shard is not None for t in self.items.values())

    # -- checkpoints -------------------------------------------------------------------------------

    def frozen(self, snapshot: Callable[[Collection], Collection]) -> TenantShards:
        """A copy for a checkpoint: loaded shards snapshotted, unloaded ones by where their files are."""
        out = type(self).__new__(type(self))
        out.root, out.ops = self.root, self.ops
        out.items = {
            name: Tenant(
                name,
                t.status,
                snapshot(t.shard) if t.shard is not None else None,
                t.source,
                t.files,
                live=t,
            )
            for name, t in self.items.items()
        }
        return out

    def adopt(self, written: TenantShards) -> None:
        """After a checkpoint: each tenant's files are now where `written` put them."""
        for copy in written.items.values():
            live = copy.live
            if live is None or live.removed or self.items.get(live.name) is not live:
                continue
            live.source, live.files = copy.source, copy.files
            if copy.shard is not None and live.shard is not None:
                live.shard._segments = copy.shard._segments  # the next checkpoint links them


class TenantsApi(TenantShards):
    """`collection.tenants` of a multi-tenant collection: create, get, update and remove tenants.

    Each change is one write-ahead log record. With a folder, a tenant set COLD is unloaded once a
    checkpoint holds its files; setting it HOT loads it again.
    """

    def create(self, tenants: Any) -> list[dict]:
        """Add tenants: names, or {"name", "activityStatus"} (HOT by default); existing names are skipped."""
        changes = parse_tenants(tenants, allow_empty_status=True)
        self._change("create", changes)
        return [{"name": name, "activityStatus": status} for name, status in changes]

    def update(self, tenants: Any) -> list[dict]:
        """Set the status of existing tenants: [{"name": ..., "activityStatus": "HOT" | "COLD"}]."""
        changes = parse_tenants(tenants, allow_empty_status=False)
        if len(changes) > MAX_UPDATE:
            raise TenantError(
                "maximum number of tenants allowed to be updated simultaneously is 100. "
                "Please reduce the number of tenants in your request and try again"
            )
        self._change("update", changes)
        return [{"name": name, "activityStatus": self.items[name].status} for name, _ in changes]

    def remove(self, tenants: Any) -> None:
        """Remove tenants (names or {"name"} dicts) with their objects; unknown names are skipped."""
        if isinstance(tenants, str | dict):
            tenants = [tenants]
        names = []
        for index, item in enumerate(tenants if isinstance(tenants, Iterable) else [tenants]):
            name = item.get("name") if isinstance(item, dict) else item
            if not name or not isinstance(name, str):
                raise TenantError(f"empty tenant name at index {index}")
            names.append(name)
        self._change("remove", [(name, "") for name in dict.fromkeys(names)])

    def get(self) -> dict[str, str]:
        """{name: "HOT" | "COLD"} of every tenant, in creation order."""
        with self.root._guard.reading():
            return self.statuses()

    def get_by_names(self, names: Iterable[str]) -> dict[str, str]:
        """{name: status} of the named tenants that exist."""
        with self.root._guard.reading():
            return self.statuses(list(names))

    def exists(self, name: str) -> bool:
        return name in self.items

    def ensure(self, name: str, *, for_write: bool) -> None:
        """Before a request to tenant `name`: create it (autoTenantCreation, writes only) or set it HOT
        (autoTenantActivation), as Weaviate does when the class allows it; otherwise nothing."""
        tenant = self.items.get(name)
        if tenant is None and for_write and self.auto_creation and _NAME.match(name):
            self._change("create", [(name, HOT)])
        elif tenant is not None and tenant.status != HOT and self.auto_activation:
            self._change("update", [(name, HOT)])

    def _change(self, action: str, changes: list[tuple[str, str]]) -> None:
        root = self.root
        guard = root._guard
        if guard.writing_here():
            # A checkpoint takes its lock, then the writer's turn: taking them the other way round could
            # wait forever. Outside a turn a tenant change is one write of its own anyway.
            raise TenantError(
                "tenants cannot be created, updated or removed inside db.write_turn()",
                hint="change tenants before or after the write turn",
            )
        with guard.tenant_lock:  # no checkpoint moves tenant files while one is loaded
            with guard.writing():
                loaded = self._prepare(action, changes)
                guard.log(
                    {"op": "tenants", **root.log_key, "action": action, "tenants": [list(c) for c in changes]}
                )
                try:
                    with guard.exclusive():
                        self.apply(action, changes, lambda tenant: loaded[tenant.name])
                except BaseException:
                    guard.unlog()
                    raise
            guard.logged()
            if guard.settle is not None and self.cold_loaded():
                guard.settle()

    def _prepare(self, action: str, changes: list[tuple[str, str]]) -> dict[str, Collection]:
        """Inside the writer's turn: check an update names existing tenants, load those set HOT."""
        if action != "update":
            return {}
        missing = [name for name, _ in changes if name not in self.items]
        if missing:
            raise TenantError(
                ", ".join(f"shard not found: {name}" for name in missing),
                hint="create the tenant first: collection.tenants.create([...])",
            )
        from .persist import load_tenant

        return {
            name: load_tenant(self.items[name], self.root._registered)
            for name, status in changes
            if status == HOT and self.items[name].shard is None
        }
