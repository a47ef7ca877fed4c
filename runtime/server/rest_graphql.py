"""REST routes for GraphQL: POST /v1/graphql and its batch form, answered by Database.query."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..database import Database
from .rest import RestState, WireError
from .wire_schema import cannot_vectorize, unrunnable_vectorizer

_NO_VECTORIZER = "Q609"  # rankql's code for a search that needs a vectorizer the class does not have


def _explain_missing_vectorizer(db: Database, errors: list[dict]) -> None:
    """A class whose vectorizer cannot run here gets Weaviate's "could not vectorize" text and the option."""
    if not any((error.get("extensions") or {}).get("code") == _NO_VECTORIZER for error in errors):
        return
    unrunnable = {}
    with db.read_view():  # the classes of one moment: one dropped meanwhile is not looked up
        for name in db.collections():
            vectorizer = unrunnable_vectorizer(db.collection(name).definition)
            if vectorizer is not None:
                unrunnable[name] = vectorizer
    if not unrunnable:
        return
    for error in errors:
        if (error.get("extensions") or {}).get("code") != _NO_VECTORIZER:
            continue
        message = str(error.get("message", ""))
        for name, vectorizer in unrunnable.items():
            if f'"{name}"' in message or f"'{name}'" in message:
                search = "nearText" if "nearText" in message else "hybrid"
                error["message"] = cannot_vectorize(name, vectorizer, search)
                error["extensions"]["hint"] = "start rankql serve with --substitute-vectorizers"
                break


def run_graphql(db: Database, request: Any) -> dict:
    """One GraphQL request body ({"query": ..., "variables": ...}) -> Weaviate's answer."""
    if not isinstance(request, dict) or not isinstance(request.get("query"), str):
        raise WireError('a GraphQL request is {"query": "{ Get { ... } }"} with the query as a string')
    variables = request.get("variables")
    if variables is not None and not isinstance(variables, dict):
        raise WireError("GraphQL variables must be a JSON object")
    answer = db.query(request["query"], variables)
    if answer.get("errors"):
        _explain_missing_vectorizer(db, answer["errors"])
    else:
        answer.pop("errors", None)  # Weaviate leaves the key out when there are none
    return answer


async def graphql(state: RestState, request: Request) -> Response:
    body = await state.json(request)
    return JSONResponse(await state.query(run_graphql, state.db, body))


async def graphql_batch(state: RestState, request: Request) -> Response:
    body = await state.json(request)
    if not isinstance(body, list):
        raise WireError('a GraphQL batch is a list of requests: [{"query": "..."}, ...]')

    def run_all() -> list[dict]:
        answers = []
        for item in body:
            try:
                answers.append(run_graphql(state.db, item))
            except WireError as exc:  # one bad entry does not sink the others
                answers.append({"errors": [{"message": exc.message}]})
        return answers

    return JSONResponse(await state.query(run_all))


ROUTES: list[tuple[str, Any, list[str]]] = [
    ("/v1/graphql", graphql, ["POST"]),
    ("/v1/graphql/batch", graphql_batch, ["POST"]),
]
