"""REST routes for the server itself and the schema: /v1/meta, /.well-known, /v1/nodes, /v1/schema."""

from __future__ import annotations

import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..database import Database
from ..errors import SchemaError
from ..models import DEFAULT_EMBEDDING_MODEL
from ..store.definition import BUILTIN_MODULES, normalize_definition
from ..store.definition_update import check_update, check_weaviate_rules
from ..store.references import reference_targets
from .rest import GRPC_MAX_MESSAGE_SIZE, NODE_NAME, WEAVIATE_VERSION, RestState, WireError
from .wire_schema import shown_vectorizer, to_rankql
from .wire_shown import to_wire

log = logging.getLogger("rankql.server")


def announce_substitution(definition: dict) -> None:
    extras = definition.get("wireConfig") or {}
    if extras.get("substituted"):
        log.warning(
            "class %s: vectorizer %s does not run here; embedding with the shipped MiniLM "
            "(text2vec-transformers, %s) instead (--substitute-vectorizers)",
            definition["class"],
            extras["vectorizer"],
            DEFAULT_EMBEDDING_MODEL,
        )


def announce_substitutions(db: Database) -> None:
    """Say once, at start, which classes of an opened database embed with a substitute."""
    for name in db.collections():
        announce_substitution(db.collection(name).definition)


async def meta(state: RestState, request: Request) -> Response:
    modules: dict[str, Any] = {name: {} for name in BUILTIN_MODULES}
    modules["text2vec-transformers"] = {"model": {"name": DEFAULT_EMBEDDING_MODEL}}
    return JSONResponse(
        {
            "hostname": f"http://{request.url.hostname}:{request.url.port}",
            "modules": modules,
            "version": WEAVIATE_VERSION,
            "grpcMaxMessageSize": GRPC_MAX_MESSAGE_SIZE,
        }
    )


async def ready(state: RestState, request: Request) -> Response:
    return Response(status_code=200)


async def openid(state: RestState, request: Request) -> Response:
    return Response(status_code=404)  # no OIDC: clients then use API keys or nothing


def _node(db: Database, only: str | None, verbose: bool) -> dict:
    names = [db.collection(only).name] if only is not None else db.collections()
    counts = {name: len(db.collection(name)) for name in names}
    node: dict[str, Any] = {
        "batchStats": {"queueLength": 0, "ratePerSecond": 0},
        "gitHash": "rankql",
        "name": NODE_NAME,
        "shards": None,
        "stats": {"objectCount": sum(counts.values()), "shardCount": len(counts)},
        "status": "HEALTHY",
        "version": WEAVIATE_VERSION,
    }
    if verbose:
        node["shards"] = [
            {
                "class": name,
                "compressed": False,
                "loaded": True,
                "name": f"{name.lower()}-shard",
                "objectCount": count,
                "vectorIndexingStatus": "READY",
                "vectorQueueLength": 0,
            }
            for name, count in counts.items()
        ]
    return node


async def nodes(state: RestState, request: Request) -> Response:
    only = request.path_params.get("class_name")
    verbose = request.query_params.get("output", "minimal") == "verbose"
    node = await state.read(_node, state.db, only, verbose)
    return JSONResponse({"nodes": [node]})


async def schema_get(state: RestState, request: Request) -> Response:
    def read() -> list[dict]:
        return [to_wire(state.db.collection(name).definition) for name in state.db.collections()]

    return JSONResponse({"classes": await state.read(read)})


def _create(state: RestState, body: Any) -> dict:
    definition = to_rankql(body, substitute=state.substitute_vectorizers)
    collection = state.db.create_collection(definition)
    announce_substitution(collection.definition)
    return to_wire(collection.definition)


async def schema_post(state: RestState, request: Request) -> Response:
    body = await state.json(request)
    return JSONResponse(await state.write(_create, state, body))


def _find(db: Database, name: str) -> Any:
    return db.collection(name) if name in db else None


async def class_get(state: RestState, request: Request) -> Response:
    collection = await state.read(_find, state.db, request.path_params["class_name"])
    if collection is None:
        return Response(status_code=404)
    return JSONResponse(to_wire(collection.definition))


async def class_delete(state: RestState, request: Request) -> Response:
    def delete() -> None:
        name = request.path_params["class_name"]
        if name in state.db:  # Weaviate answers 200 for a class that does not exist
            state.db.delete_collection(name)

    await state.write(delete)
    return Response(status_code=200)


def _from_wire(db: Database, current: dict, wire: dict) -> dict:
    """A class as the wire shows it, in rankql's normalized form (vectorizers substituted as `current`'s)."""
    extras = current.get("wireConfig") or {}
    substitute = bool(extras.get("substituted")) or any(
        kept.get("substituted") for kept in (extras.get("vectorConfig") or {}).values()
    )
    # Rerankers registered on the database are modules the definition may name.
    return normalize_definition(to_rankql(wire, substitute=substitute), db._registered_names())


def _as_stored(current: Any, shown: Any, proposed: Any) -> Any:
    """`proposed` with every part a client sent back as it was shown (`shown`: `current` read back from
    the wire) as `current` stores it: the wire fills in defaults that the stored class leaves out (a
    vectorizer's settings on every property, say), and those are no change."""
    if proposed == shown:
        return current
    if isinstance(proposed, dict) and isinstance(shown, dict) and isinstance(current, dict):
        out = {}
        for key, value in proposed.items():
            if key in current:
                out[key] = _as_stored(current[key], shown.get(key), value)
            elif key not in shown or value != shown[key]:
                out[key] = value  # new, or changed: a default the wire showed is left out as stored
        return out
    if isinstance(proposed, list) and isinstance(shown, list) and isinstance(current, list):
        stored = {p.get("name"): p for p in current if isinstance(p, dict)}
        seen = {p.get("name"): p for p in shown if isinstance(p, dict)}
        return [
            _as_stored(stored[p["name"]], seen.get(p["name"]), p)
            if isinstance(p, dict) and p.get("name") in stored
            else p
            for p in proposed
        ]
    return proposed


def _replace_definition(state: RestState, name: str, wire: dict) -> dict:
    """A new definition for an existing class: only what rankql can apply without re-indexing changes."""
    db = state.db
    collection = _find(db, name)
    if collection is None:
        raise WireError(f"class '{name}' not found", 404)
    current = collection.definition
    proposed = _as_stored(current, _from_wire(db, current, to_wire(current)), _from_wire(db, current, wire))
    if proposed["class"] != current["class"]:
        raise WireError(f"class name in the body ('{proposed['class']}') differs from the path ('{name}')")
    tenants = collection.tenant_shards
    empty = len(collection) == 0 and not (tenants and tenants.items)
    if empty and ("multiTenancyConfig" in proposed) == ("multiTenancyConfig" in current):
        check_weaviate_rules(current, proposed)  # what Weaviate refuses even for an empty class
        try:
            check_update(current, proposed, db._registered_names())
        except SchemaError:
            # nothing indexed yet (and no tenant, loaded or not): the class is made again as defined now
            db.delete_collection(current["class"])
            return to_wire(db.create_collection(proposed).definition)
    db.update_collection_settings(name, proposed)  # Weaviate's mutable settings, or its error
    return to_wire(collection.definition)


async def class_put(state: RestState, request: Request) -> Response:
    body = await state.json(request)
    name = request.path_params["class_name"]
    return JSONResponse(await state.write(_replace_definition, state, name, body))


async def property_post(state: RestState, request: Request) -> Response:
    prop = await state.json(request)
    name = request.path_params["class_name"]
    if not isinstance(prop, dict) or not isinstance(prop.get("name"), str):
        raise WireError(
            'a property needs a name and a dataType, e.g. {"name": "title", "dataType": ["text"]}'
        )

    def add() -> dict:
        collection = _find(state.db, name)
        if collection is None:
            raise WireError(f"class '{name}' not found", 404)
        wire = to_wire(collection.definition)
        if any(p["name"].lower() == prop["name"].lower() for p in wire["properties"]):
            raise SchemaError(f"property '{prop['name']}' already exists in class '{wire['class']}'")
        incoming = dict(prop)
        vectorizer = shown_vectorizer(collection.definition)
        if vectorizer != "none" and reference_targets(prop.get("dataType")) is None:
            # Weaviate fills the vectorizer's per-property settings in
            config = dict(incoming.get("moduleConfig") or {})
            config.setdefault(vectorizer, {"skip": False, "vectorizePropertyName": False})
            incoming["moduleConfig"] = config
        wire["properties"].append(incoming)
        proposed = _from_wire(state.db, collection.definition, wire)
        added = proposed["properties"][-1]
        # what rankql only shows back (indexRangeFilters, a vectorizer it does not run) is kept, as on create
        kept = ((proposed.get("wireConfig") or {}).get("properties") or {}).get(added["name"])
        state.db.add_property(collection.name, added, shown=kept)  # objects there have no value for it
        wire = to_wire(collection.definition)
        return next(p for p in wire["properties"] if p["name"] == prop["name"])

    return JSONResponse(await state.write(add))


async def shards(state: RestState, request: Request) -> Response:
    collection = await state.read(_find, state.db, request.path_params["class_name"])
    if collection is None:
        raise WireError(f"class '{request.path_params['class_name']}' not found", 404)
    if collection.tenant_shards is not None:  # each loaded (HOT) tenant is a shard, as Weaviate lists them
        hot = [name for name, status in collection.tenant_shards.statuses().items() if status == "HOT"]
        return JSONResponse([{"name": name, "status": "READY", "vectorQueueSize": 0} for name in hot])
    shard = {"name": f"{collection.name.lower()}-shard", "status": "READY", "vectorQueueSize": 0}
    return JSONResponse([shard])


ROUTES = [
    ("/v1/meta", meta, ["GET"]),
    ("/v1/.well-known/ready", ready, ["GET"]),
    ("/v1/.well-known/live", ready, ["GET"]),
    ("/v1/.well-known/openid-configuration", openid, ["GET"]),
    ("/v1/nodes", nodes, ["GET"]),
    ("/v1/nodes/{class_name}", nodes, ["GET"]),
    ("/v1/schema", schema_get, ["GET"]),
    ("/v1/schema", schema_post, ["POST"]),
    ("/v1/schema/{class_name}", class_get, ["GET"]),
    ("/v1/schema/{class_name}", class_put, ["PUT"]),
    ("/v1/schema/{class_name}", class_delete, ["DELETE"]),
    ("/v1/schema/{class_name}/properties", property_post, ["POST"]),
    ("/v1/schema/{class_name}/shards", shards, ["GET"]),
]
