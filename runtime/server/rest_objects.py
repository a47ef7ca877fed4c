"""REST routes for objects: /v1/objects (one at a time, listing) and /v1/batch/objects (insert, delete)."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..errors import ObjectError, SchemaError, TenantError
from ..store.collection import Collection
from .delete_matching import MAX_DELETE, delete_matching
from .rest import RestState, WireError
from .rest_where import where_from_json
from .tenant_use import prepare_tenants
from .wire_schema import cannot_vectorize, unrunnable_named, unrunnable_vectorizer, vector_name

DEFAULT_LIST_LIMIT = 25  # Weaviate's QUERY_DEFAULTS_LIMIT for GET /v1/objects


def _includes_vector(request: Request) -> bool:
    return "vector" in request.query_params.get("include", "").split(",")


def shown_object(collection: Collection, uuid: str, *, with_vector: bool) -> dict | None:
    """An object as Weaviate's REST API shows it; the vector under its name for a named-vector class."""
    obj = collection.get(uuid)
    if obj is None:
        return None
    vector = obj.pop("vector")
    vectors = obj.pop("vectors", None)
    if with_vector and vectors:  # named vectors (vectorConfig), by name
        obj["vectors"] = vectors
    named = vector_name(collection.definition)
    if with_vector and vector is not None:
        if named is None:
            obj["vector"] = vector
        else:
            obj["vectors"] = {named: vector}
    if collection.tenant is not None:
        obj["tenant"] = collection.tenant
    return obj


def rankql_object(collection: Collection, body: Any, *, position: str = "the object") -> dict:
    """The object dict Collection.insert takes, from a Weaviate object body; ObjectError if it cannot be."""
    if not isinstance(body, dict):
        raise ObjectError(f"{position} must be a JSON object with class, properties and vector")
    obj: dict[str, Any] = {"properties": body.get("properties") or {}}
    if body.get("id") is not None:
        obj["id"] = body["id"]
    vector = body.get("vector")
    vectors = body.get("vectors")
    if collection.named:
        return _with_named_vectors(collection, obj, vector, vectors)
    if isinstance(vectors, dict) and vectors:
        named = vector_name(collection.definition)
        unknown = sorted(set(vectors) - {named})
        if unknown:
            raise ObjectError(
                f"class '{collection.name}' has no named vector {', '.join(repr(n) for n in unknown)}"
                + (
                    f": its one vector is '{named}'"
                    if named
                    else ": it has one unnamed vector (send 'vector')"
                )
            )
        vector = vectors[named]
    if vector is not None and vector != []:
        obj["vector"] = vector
    elif (vectorizer := unrunnable_vectorizer(collection.definition)) is not None:
        raise ObjectError(cannot_vectorize(collection.name, vectorizer))
    return obj


def _with_named_vectors(collection: Collection, obj: dict, vector: Any, vectors: Any) -> dict:
    """A class with named vectors: `vectors` by name go to the store, which checks them; a named vector
    whose vectorizer does not run here must be given."""
    if vector is not None and vector != []:
        obj["vector"] = vector  # refused by the store with what to send instead
    if vectors is not None:
        obj["vectors"] = vectors
    given = vectors if isinstance(vectors, dict) else {}
    for name, module in unrunnable_named(collection.definition).items():
        if given.get(name) in (None, []):
            raise ObjectError(cannot_vectorize(collection.name, module) + f" (named vector '{name}')")
    return obj


def _insert(state: RestState, body: Any) -> dict:
    if not isinstance(body, dict) or not isinstance(body.get("class"), str):
        raise WireError('an object needs a class: {"class": "Article", "properties": {...}}')
    collection = state.db.collection(body["class"]).for_tenant(body.get("tenant"))
    uuid = collection.insert(rankql_object(collection, body))
    return shown_object(collection, uuid, with_vector=True) or {}


async def object_post(state: RestState, request: Request) -> Response:
    body = await state.json(request)
    if isinstance(body, dict):
        await run_in_threadpool(
            prepare_tenants, state.db, [(body.get("class"), body.get("tenant"))], for_write=True
        )
    return JSONResponse(await state.write(_insert, state, body))


def _positive(raw: str | None, name: str, default: int) -> int:
    if raw is None:
        return default
    if not raw.isdigit():
        raise WireError(f"query parameter '{name}' must be a non-negative integer, got '{raw}'")
    return int(raw)


def _list(state: RestState, request: Request) -> dict:
    params = request.query_params
    limit = _positive(params.get("limit"), "limit", DEFAULT_LIST_LIMIT)
    offset = _positive(params.get("offset"), "offset", 0)
    after = params.get("after")
    class_name = params.get("class")
    if after is not None and class_name is None:
        raise WireError("the 'after' cursor needs a 'class' parameter: list one class at a time")
    if after is not None and offset:
        raise WireError("'after' and 'offset' cannot be combined: use one way of paging")
    names = [class_name] if class_name is not None else state.db.collections()
    with_vector = _includes_vector(request)
    found: list[dict] = []
    skipped = 0
    tenant = params.get("tenant")
    for name in names:
        collection = state.db.collection(name)
        if class_name is None and (collection.tenant_shards is not None) != bool(tenant):
            continue  # listing every class: those that fit the request's tenant (or its lack of one)
        collection = collection.for_tenant(tenant)
        for doc_id in collection.list_ids().tolist():
            uuid = collection.uuid_of(doc_id)
            if after is not None and uuid <= after.lower():
                continue
            if skipped < offset:
                skipped += 1
                continue
            if len(found) >= limit:
                break
            shown = shown_object(collection, uuid, with_vector=with_vector)
            if shown is not None:
                found.append(shown)
    return {"deprecations": None, "objects": found, "totalResults": len(found)}


async def object_list(state: RestState, request: Request) -> Response:
    return JSONResponse(await state.read(_list, state, request))


def _locate(state: RestState, request: Request, tenant: Any = None) -> tuple[Collection | None, str]:
    """The collection (a tenant's shard with `?tenant=`) holding the object of the path
    (/objects/{class}/{id} or /objects/{id})."""
    uuid = request.path_params["id"].lower()
    class_name = request.path_params.get("class_name")
    tenant = tenant or request.query_params.get("tenant")
    if class_name is not None:
        if class_name not in state.db:
            return None, uuid
        return state.db.collection(class_name).for_tenant(tenant), uuid
    for name in state.db.collections():
        collection = state.db.collection(name)
        if (collection.tenant_shards is not None) != bool(tenant):
            continue
        collection = collection.for_tenant(tenant)
        if collection.doc_id_of(uuid) is not None:
            return collection, uuid
    return None, uuid


async def object_get(state: RestState, request: Request) -> Response:
    def read() -> dict | None:
        collection, uuid = _locate(state, request)
        if collection is None:
            return None
        return shown_object(collection, uuid, with_vector=_includes_vector(request))

    shown = await state.read(read)
    return JSONResponse(shown) if shown is not None else Response(status_code=404)


async def object_head(state: RestState, request: Request) -> Response:
    def exists() -> bool:
        collection, uuid = _locate(state, request)
        return collection is not None and collection.doc_id_of(uuid) is not None

    return Response(status_code=204 if await state.read(exists) else 404)


async def object_delete(state: RestState, request: Request) -> Response:
    def delete() -> bool:
        collection, uuid = _locate(state, request)
        return collection is not None and collection.delete(uuid)

    return Response(status_code=204 if await state.write(delete) else 404)


def _update(state: RestState, request: Request, body: Any, replace: bool) -> dict | None:
    given_tenant = body.get("tenant") if isinstance(body, dict) else None  # the v4 client sends it here
    collection, uuid = _locate(state, request, given_tenant)
    if collection is None or collection.doc_id_of(uuid) is None:
        return None
    if not isinstance(body, dict):
        raise WireError("the body must be a JSON object with properties (and vector)")
    if body.get("id") is not None and str(body["id"]).lower() != uuid:
        raise WireError(f"the id in the body ('{body['id']}') differs from the id in the path ('{uuid}')")
    given = rankql_object(collection, {**body, "id": uuid}) if replace else None
    vector = given.get("vector") if given is not None else body.get("vector")
    vectors = None
    if collection.named:
        vectors = given.get("vectors") if given is not None else body.get("vectors")
    elif not replace and isinstance(body.get("vectors"), dict):
        vector = rankql_object(collection, {"vectors": body["vectors"], "vector": [0.0]}).get("vector")
    collection.update(uuid, body.get("properties") or {}, vector=vector, replace=replace, vectors=vectors)
    return shown_object(collection, uuid, with_vector=True)


async def object_put(state: RestState, request: Request) -> Response:
    body = await state.json(request)
    shown = await state.write(_update, state, request, body, True)
    return JSONResponse(shown) if shown is not None else Response(status_code=404)


async def object_patch(state: RestState, request: Request) -> Response:
    body = await state.json(request)
    shown = await state.write(_update, state, request, body, False)
    return Response(status_code=204 if shown is not None else 404)


def _batch_result(shown: dict, error: str | None) -> dict:
    if error is None:
        shown["result"] = {"status": "SUCCESS"}
    else:
        shown["result"] = {"errors": {"error": [{"message": error}]}, "status": "FAILED"}
    return shown


def _batch_insert(state: RestState, objects: list) -> list[dict]:
    """Insert per class, one insert_many each; results in request order, failures per object."""
    answers: list[dict | None] = [None] * len(objects)
    by_class: dict[tuple[str, str | None], list[tuple[int, dict]]] = {}
    shards: dict[tuple[str, str | None], Collection] = {}
    for position, body in enumerate(objects):
        echo = dict(body) if isinstance(body, dict) else {}
        try:
            if not isinstance(body, dict) or not isinstance(body.get("class"), str):
                raise ObjectError(f"object {position} needs a class")
            collection = state.db.collection(body["class"]).for_tenant(body.get("tenant"))
            key = (collection.name, collection.tenant)
            shards[key] = collection
            by_class.setdefault(key, []).append((position, rankql_object(collection, body)))
        except (ObjectError, SchemaError, TenantError) as exc:
            answers[position] = _batch_result(echo, exc.message)
    for (name, tenant), items in by_class.items():
        collection = shards[(name, tenant)]
        results = collection.insert_many([obj for _, obj in items])
        for (position, _obj), result in zip(items, results, strict=True):
            sent = objects[position]
            echo = {
                "class": name,
                "id": result.id or sent.get("id"),
                "properties": sent.get("properties") or {},
            }
            if tenant is not None:
                echo["tenant"] = tenant
            if result.ok:
                doc_id = collection.doc_id_of(result.id)
                if doc_id is not None:
                    echo["creationTimeUnix"] = collection.created_ms(doc_id)
                    echo["lastUpdateTimeUnix"] = collection.updated_ms(doc_id)
            answers[position] = _batch_result(echo, result.error)
    return [a for a in answers if a is not None]


async def batch_post(state: RestState, request: Request) -> Response:
    body = await state.json(request)
    objects = body.get("objects") if isinstance(body, dict) else None
    if not isinstance(objects, list):
        raise WireError('a batch is {"objects": [...]}: a list of objects with class and properties')
    named = [(o.get("class"), o.get("tenant")) for o in objects if isinstance(o, dict)]
    await run_in_threadpool(prepare_tenants, state.db, named, for_write=True)
    return JSONResponse(await state.write(_batch_insert, state, objects))


def _batch_delete(state: RestState, body: Any, tenant: str | None = None) -> dict:
    match = body.get("match") if isinstance(body, dict) else None
    if not isinstance(match, dict) or not isinstance(match.get("class"), str) or "where" not in match:
        raise WireError('a batch delete is {"match": {"class": "Article", "where": {...}}}')
    output = body.get("output", "minimal")
    if output not in ("minimal", "verbose"):
        raise WireError(f"output must be 'minimal' or 'verbose', got {output!r}")
    dry_run = bool(body.get("dryRun", False))
    collection = state.db.collection(match["class"]).for_tenant(tenant)
    outcome = delete_matching(collection, where_from_json(match["where"]), dry_run)
    status = "DRYRUN" if dry_run else "SUCCESS"  # in the writer turn every match is there to delete
    summary: dict[str, Any] = {
        "failed": 0 if dry_run else len(outcome.uuids) - outcome.deleted,
        "limit": MAX_DELETE,
        "matches": len(outcome.uuids),
        "objects": [{"id": u, "status": status} for u in outcome.uuids] if output == "verbose" else None,
        "successful": outcome.deleted,
    }
    return {"dryRun": dry_run, "match": match, "output": output, "results": summary}


async def batch_delete(state: RestState, request: Request) -> Response:
    body = await state.json(request)
    tenant = request.query_params.get("tenant")
    return JSONResponse(await state.write(_batch_delete, state, body, tenant))


ROUTES: list[tuple[str, Any, list[str]]] = [
    ("/v1/objects", object_post, ["POST"]),
    ("/v1/objects", object_list, ["GET"]),
    # HEAD before GET: Starlette answers HEAD with a route's GET handler otherwise.
    ("/v1/objects/{class_name}/{id}", object_head, ["HEAD"]),
    ("/v1/objects/{class_name}/{id}", object_get, ["GET"]),
    ("/v1/objects/{class_name}/{id}", object_put, ["PUT"]),
    ("/v1/objects/{class_name}/{id}", object_patch, ["PATCH"]),
    ("/v1/objects/{class_name}/{id}", object_delete, ["DELETE"]),
    ("/v1/objects/{id}", object_head, ["HEAD"]),
    ("/v1/objects/{id}", object_get, ["GET"]),
    ("/v1/objects/{id}", object_delete, ["DELETE"]),
    ("/v1/batch/objects", batch_post, ["POST"]),
    ("/v1/batch/objects", batch_delete, ["DELETE"]),
]
