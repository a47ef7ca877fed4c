"""Replaying a collection's logged writes when a folder is opened: the same objects, times and vectors."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..errors import TenantError
from .segments import _loader
from .values import normalize_uuid
from .writes import CollectionWriter, _Prepared

if TYPE_CHECKING:
    from .collection import Collection


def _check_put(header: dict) -> None:
    """A put record as rankql writes it, or ValueError (the caller reports a damaged or crafted log)."""
    objects = header.get("objects")
    if not isinstance(objects, list) or type(header.get("stamp")) is not int:
        raise ValueError("a put without a list of objects and a time stamp")
    dim = header.get("dim")
    if dim is not None and (type(dim) is not int or dim <= 0):
        raise ValueError(f"a put with a vector length of {dim!r}")
    for entry in objects:
        if not (isinstance(entry, list) and len(entry) == 4):
            raise ValueError("a put object that is not [uuid, created, properties, has_vector]")
        uuid, created, props, has_vector = entry
        if type(created) is not int or not isinstance(props, dict) or type(has_vector) is not bool:
            raise ValueError("a put object with a malformed created time, properties or vector flag")
        if normalize_uuid(uuid) != uuid:
            raise ValueError(f"a put object with the uuid {uuid!r} in a form rankql never writes")


def replay_put(writer: CollectionWriter, header: dict, blob: bytes) -> None:
    """Apply a logged put again; the vectors come from the record, so no vectorizer runs."""
    _check_put(header)
    c = writer.collection
    loaders = {name: _loader(data_type) for name, data_type in c._types.items()}
    dim = header.get("dim")
    count = sum(1 for entry in header["objects"] if entry[3])
    size = count * dim * 4 if dim else 0
    rows = np.frombuffer(blob[:size], dtype="<f4").reshape(-1, dim) if dim else None
    named = _named_rows(header, blob[size:], len(header["objects"]))
    if set(named) - set(c.named):
        raise ValueError(
            f"a put with named vectors the class does not have: {sorted(set(named) - set(c.named))}"
        )
    prepared = []
    row = 0
    for position, (uuid, created, props, has_vector) in enumerate(header["objects"]):
        vector = None
        if has_vector:
            if rows is None or row >= len(rows):
                raise ValueError("a put names more vectors than it holds")
            vector = rows[row].astype(np.float32)
            row += 1
        values = {k: loaders[k](v) for k, v in props.items()}
        old = c.objects.by_uuid.get(uuid)
        vectors = {name: rows_of[position] for name, rows_of in named.items() if position in rows_of}
        prepared.append(_Prepared(position, uuid, values, vector, old, int(created), vectors))
    ids, vec_ids, matrix = writer._layout(prepared)
    layout = writer._named_layout(prepared, ids)

    def publish() -> None:
        if matrix is not None:
            c.vectors.add(vec_ids, matrix)
        for name, (n_ids, n_rows) in layout.items():
            c.named[name].add(n_ids, n_rows)

    writer._apply(
        prepared, ids, vec_ids, publish if matrix is not None or layout else None, int(header["stamp"])
    )


def _named_rows(header: dict, blob: bytes, objects: int) -> dict[str, dict[int, np.ndarray]]:
    """The named vectors of a put record: name -> position of the object -> its vector."""
    out: dict[str, dict[int, np.ndarray]] = {}
    start = 0
    for entry in header.get("named") or []:
        if not (isinstance(entry, list) and len(entry) == 3):
            raise ValueError("a put names its named vectors in a form rankql never writes")
        name, dim, positions = entry
        if (
            type(dim) is not int
            or dim <= 0
            or not all(type(i) is int and 0 <= i < objects for i in positions)
        ):
            raise ValueError(f"a put with named vector {name!r} malformed")
        size = len(positions) * dim * 4
        if start + size > len(blob):
            raise ValueError("a put names more vectors than it holds")
        rows = np.frombuffer(blob[start : start + size], dtype="<f4").reshape(-1, dim)
        out[str(name)] = {i: rows[j].astype(np.float32) for j, i in enumerate(positions)}
        start += size
    return out


def replay_delete(writer: CollectionWriter, header: dict) -> None:
    c = writer.collection
    for uuid in header["uuids"]:
        doc_id = c.doc_id_of(uuid)
        if doc_id is not None:
            writer._unindex(doc_id)
    c.objects.touch()


def replay_tenants(collection: Collection, header: dict) -> None:
    """Apply a logged tenant change again (a tenant set HOT loads from the checkpoint holding it)."""
    from .persist import load_tenant
    from .tenants import parse_tenants

    if collection.tenant_shards is None:
        raise ValueError(f"a tenant change of class '{collection.name}', which has no multi-tenancy")
    action = header.get("action")
    rows = header.get("tenants")
    if not isinstance(rows, list) or not all(isinstance(r, list) and len(r) == 2 for r in rows):
        raise ValueError("a tenant change without a list of [name, status]")
    try:
        if action == "remove":
            changes = [(str(name), "") for name, _ in rows]
        else:
            listed = [{"name": n, "activityStatus": s} for n, s in rows]
            changes = parse_tenants(listed, allow_empty_status=False)
    except TenantError as exc:
        raise ValueError(exc.message) from None
    collection.tenant_shards.apply(
        str(action), changes, lambda tenant: load_tenant(tenant, collection._registered)
    )
