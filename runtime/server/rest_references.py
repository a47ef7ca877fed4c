"""REST routes for cross-references: /v1/objects/{class}/{id}/references/{prop} (POST add, PUT replace,
DELETE remove) and /v1/batch/references, as Weaviate's usecases/objects/references_*.go answer them."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..errors import ObjectError, SchemaError, TenantError
from .rest import RestState, WireError

_BEACON = "weaviate://localhost/"


def _source(state: RestState, request: Request) -> tuple[Any, str, str] | None:
    """(collection, object id, property) of the path; None when the class or the object is not there."""
    name = request.path_params["class_name"]
    uuid = request.path_params["id"].lower()
    if name not in state.db:
        return None
    collection = state.db.collection(name).for_tenant(request.query_params.get("tenant"))  # ?tenant=
    if collection.doc_id_of(uuid) is None:
        return None
    return collection, uuid, request.path_params["prop"]


def _change(state: RestState, request: Request, body: Any, how: str) -> bool:
    found = _source(state, request)
    if found is None:
        return False
    collection, uuid, prop = found
    if how == "add":
        if not isinstance(body, dict):
            raise WireError('a reference is {"beacon": "weaviate://localhost/<Class>/<uuid>"}')
        collection.add_reference(uuid, prop, body)
    elif how == "replace":
        if not isinstance(body, list):
            raise WireError('the references of a property are a list: [{"beacon": "..."}, ...]')
        collection.replace_references(uuid, prop, body)
    else:
        if not isinstance(body, dict):
            raise WireError('a reference is {"beacon": "weaviate://localhost/<Class>/<uuid>"}')
        collection.delete_reference(uuid, prop, body)
    return True


async def reference_add(state: RestState, request: Request) -> Response:
    body = await state.json(request)
    done = await state.write(_change, state, request, body, "add")
    return Response(status_code=200 if done else 404)


async def reference_replace(state: RestState, request: Request) -> Response:
    body = await state.json(request)
    done = await state.write(_change, state, request, body, "replace")
    return Response(status_code=200 if done else 404)


async def reference_delete(state: RestState, request: Request) -> Response:
    body = await state.json(request)
    done = await state.write(_change, state, request, body, "delete")
    return Response(status_code=204 if done else 404)


def _parse_from(text: Any) -> tuple[str, str, str]:
    """`weaviate://localhost/<Class>/<uuid>/<property>` -> (class, uuid, property)."""
    parts = text[len(_BEACON) :].split("/") if isinstance(text, str) and text.startswith(_BEACON) else []
    if len(parts) != 3 or not all(parts):
        raise ObjectError(
            f"invalid 'from': {text!r} is not of the form weaviate://localhost/<Class>/<uuid>/<property>"
        )
    return parts[0], parts[1].lower(), parts[2]


def add_batch_reference(db: Any, cls: str, uuid: str, prop: str, to: Any, tenant: str | None) -> None:
    """One reference of a batch (REST /v1/batch/references or gRPC BatchReferences), as Weaviate checks it."""
    if cls not in db:
        raise ObjectError(f'source class "{cls}" not found in schema')
    collection = db.collection(cls).for_tenant(tenant or None)  # the source object's tenant
    if prop not in collection._props:
        raise ObjectError(f"property {prop} does not exist for class {collection.name}")
    collection.add_reference(uuid, prop, to)


def _batch_one(state: RestState, item: Any) -> None:
    if not isinstance(item, dict) or "from" not in item or "to" not in item:
        raise ObjectError(
            'a batch reference is {"from": "weaviate://localhost/<Class>/<uuid>/<prop>", "to": beacon}'
        )
    cls, uuid, prop = _parse_from(item["from"])
    add_batch_reference(state.db, cls, uuid, prop, item["to"], item.get("tenant"))


def _batch(state: RestState, items: list) -> list[dict]:
    out = []
    for item in items:
        echo = {k: item.get(k) for k in ("from", "to")} if isinstance(item, dict) else {}
        try:
            _batch_one(state, item)
            echo["result"] = {"status": "SUCCESS"}
        except (ObjectError, SchemaError, TenantError) as exc:
            echo["result"] = {"errors": {"error": [{"message": exc.message}]}, "status": "FAILED"}
        out.append(echo)
    return out


async def batch_references(state: RestState, request: Request) -> Response:
    body = await state.json(request)
    if not isinstance(body, list):
        raise WireError('a reference batch is a list: [{"from": ..., "to": ...}, ...]')
    return JSONResponse(await state.write(_batch, state, body))


ROUTES: list[tuple[str, Any, list[str]]] = [
    ("/v1/objects/{class_name}/{id}/references/{prop}", reference_add, ["POST"]),
    ("/v1/objects/{class_name}/{id}/references/{prop}", reference_replace, ["PUT"]),
    ("/v1/objects/{class_name}/{id}/references/{prop}", reference_delete, ["DELETE"]),
    ("/v1/batch/references", batch_references, ["POST"]),
]
