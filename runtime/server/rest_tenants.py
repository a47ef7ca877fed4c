"""REST routes for tenants: /v1/schema/{class}/tenants (GET, POST, PUT, DELETE) and .../tenants/{name}.

As Weaviate's handlers (adapters/handlers/rest/handlers_schema.go): POST answers with the tenants it
was sent, PUT with the tenants as they are now, DELETE with an empty 200; GET of one tenant and HEAD
answer 404 for a tenant that does not exist; every refusal is a 422.
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..store.tenants import TenantsApi
from .rest import RestState, WireError


def _tenants(state: RestState, request: Request) -> TenantsApi:
    name = request.path_params["class_name"]
    return state.db.collection(name).tenants  # TenantError for a class without multi-tenancy


def _shown(statuses: dict[str, str]) -> list[dict]:
    return [{"name": name, "activityStatus": status} for name, status in statuses.items()]


async def tenants_get(state: RestState, request: Request) -> Response:
    return JSONResponse(_shown(await state.read(lambda: _tenants(state, request).get())))


async def _change(state: RestState, request: Request, verb: str) -> Any:
    body = await state.json(request)
    if not isinstance(body, list):
        raise WireError(f"the body of {verb} tenants is a JSON list of tenants")
    tenants = await state.read(_tenants, state, request)
    # A tenant change takes its own write turn (after the checkpoint lock): never inside a request's turn.
    if verb == "create":
        await run_in_threadpool(tenants.create, body)
        return body
    if verb == "update":
        return await run_in_threadpool(tenants.update, body)
    await run_in_threadpool(tenants.remove, body)
    return None


async def tenants_post(state: RestState, request: Request) -> Response:
    return JSONResponse(await _change(state, request, "create"))


async def tenants_put(state: RestState, request: Request) -> Response:
    return JSONResponse(await _change(state, request, "update"))


async def tenants_delete(state: RestState, request: Request) -> Response:
    await _change(state, request, "remove")
    return Response(status_code=200)


def _one(state: RestState, request: Request) -> dict | None:
    found = _tenants(state, request).get_by_names([request.path_params["tenant"]])
    return _shown(found)[0] if found else None


async def tenant_get(state: RestState, request: Request) -> Response:
    shown = await state.read(_one, state, request)
    return JSONResponse(shown) if shown is not None else Response(status_code=404)


async def tenant_head(state: RestState, request: Request) -> Response:
    return Response(status_code=200 if await state.read(_one, state, request) is not None else 404)


ROUTES: list[tuple[str, Any, list[str]]] = [
    ("/v1/schema/{class_name}/tenants", tenants_get, ["GET"]),
    ("/v1/schema/{class_name}/tenants", tenants_post, ["POST"]),
    ("/v1/schema/{class_name}/tenants", tenants_put, ["PUT"]),
    ("/v1/schema/{class_name}/tenants", tenants_delete, ["DELETE"]),
    # HEAD before GET: Starlette answers HEAD with a route's GET handler otherwise.
    ("/v1/schema/{class_name}/tenants/{tenant}", tenant_head, ["HEAD"]),
    ("/v1/schema/{class_name}/tenants/{tenant}", tenant_get, ["GET"]),
]
