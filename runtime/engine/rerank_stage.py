"""The rerank operator: scores the hits ENGINE hands over, reorders them, and applies the rerank extensions."""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from rankql.dsl import ast

from ..errors import RankqlError, RerankError
from .hits import Hit, RerankInfo

# Several rerank properties are joined with a newline: every tokenizer reads it as whitespace, and it
# keeps the boundary between properties visible in a debugger. Empty parts (missing or non-text values)
# are left out, so a missing title adds no stray separator.
PROPERTY_SEPARATOR = "\n"


@dataclass(slots=True)
class RerankRequest:
    """One class field's rerank: the hits ENGINE chose (page, window or group leaders), in first-stage order."""

    key: str  # response key (alias or class name)
    collection: Any  # runtime.store.collection.Collection
    rerank: ast.Rerank
    hits: list[Hit]
    search_query: str | None = None  # nearText concepts joined by a space, the bm25/hybrid query, else None
    span: Any = None  # dsl.source.Span of the rerank field, for error locations


@dataclass(slots=True)
class RerankOutcome:
    """The reranked hits of one request, or why there are none."""

    hits: list[Hit]
    error: RankqlError | None = None  # onError FAIL: the class field becomes null with this error
    warning: str | None = None  # onError KEEP_ORDER: text of a warning entry in `errors`


@dataclass(slots=True)
class _Prepared:
    """A request that reached the model: where its job sits and what it was sent."""

    index: int
    module: str
    job_index: int


def rerank_all(
    db: Any,
    requests: list[RerankRequest],
    headers: dict | None = None,
    around: Callable[[], AbstractContextManager[Any]] = nullcontext,
) -> tuple[list[RerankOutcome], Any]:
    """Rerank every request of one Get with one service call, so models share batches and the cache;
    the call runs inside `around()` (the executor steps out of the query's view there)."""
    from ..rerank import RerankJob, RerankStats

    service = db.rerank
    fallback = bool(getattr(db, "rerank_query_fallback", True))
    outcomes: list[RerankOutcome | None] = [None] * len(requests)
    jobs: list[Any] = []
    prepared: list[_Prepared] = []
    for i, req in enumerate(requests):
        try:
            module = _resolve_module(req, service)
            props = _rerank_properties(req)
            if not req.hits:  # nothing to score: no model call
                outcomes[i] = RerankOutcome(hits=[])
                continue
        except RankqlError as err:
            outcomes[i] = RerankOutcome(hits=list(req.hits), error=err)
            continue
        query = _query_text(req, fallback)
        documents = _documents(req.collection, req.hits, props)
        config = dict(req.collection.module_config.get(module) or {})
        prepared.append(_Prepared(index=i, module=module, job_index=len(jobs)))
        jobs.append(
            RerankJob(module=module, config=config, query=query, documents=documents, headers=headers)
        )

    stats = RerankStats()
    results: list[Any] = []
    if jobs:
        try:
            with around():
                results, stats = service.run(jobs)
        except Exception as exc:  # the service reports failures per job; this guards against a bug there
            failure = exc if isinstance(exc, RerankError) else RerankError(str(exc) or type(exc).__name__)
            results = [None] * len(jobs)
            for item in prepared:
                outcomes[item.index] = _failed(requests[item.index], item.module, "", failure)
    for item in prepared:
        if outcomes[item.index] is not None:
            continue
        outcomes[item.index] = _apply(requests[item.index], item.module, results[item.job_index])
    return [o for o in outcomes if o is not None], stats


# --- resolving what to send ----------------------------------------------------------------------


def _usable_modules(collection: Any, service: Any) -> list[str]:
    """The rerankers a class may use: its schema's list plus registered names its moduleConfig names."""
    modules = list(collection.class_schema.rerankers)
    for name in collection.module_config or {}:
        if name not in modules and (name.startswith("reranker-") or service.knows(name)):
            modules.append(name)
    return modules


def _resolve_module(req: RerankRequest, service: Any) -> str:
    class_name = req.collection.name
    usable = _usable_modules(req.collection, service)
    wanted = req.rerank.module
    if wanted:
        if wanted not in usable:
            configured = ", ".join(usable) if usable else "none"
            raise RerankError(
                f'reranker module "{wanted}" is not configured for class "{class_name}"',
                hint=f"use one of the class's rerankers ({configured}), or name it in the class's moduleConfig",
                code="K101",
            )
        module = wanted
    elif not usable:
        raise RerankError(
            f'Cannot query field "rerank" on type "{class_name}Additional".',
            hint='configure a reranker in the class\'s moduleConfig, e.g. {"reranker-transformers": {}}',
            code="K101",
        )
    elif len(usable) > 1:
        raise RerankError(
            f'class "{class_name}" has several rerankers ({", ".join(usable)}) and rerank names none',
            hint=f'pick one with rerank(module: "{usable[0]}", ...)',
            code="K103",
        )
    else:
        module = usable[0]
    if not service.knows(module):
        raise RerankError(
            f'unknown reranker module "{module}"',
            hint="register it with db.register_reranker(name, reranker) or use a built-in reranker-* module",
            code="K101",
        )
    return module


def _rerank_properties(req: RerankRequest) -> list[str]:
    """The properties to score, checked even for an empty page.

    Defensive: through a query the front end has already refused a missing property (Q311, at bind time,
    stricter than Weaviate, which only fails when there are hits) and an unknown one (Q606); these
    checks guard direct callers of rerank_all."""
    props = req.rerank.documents_from()
    if not props:
        raise RerankError(
            "extend rerank: no properties provided",
            hint='name the text to score: rerank(property: "<text property>", ...)',
            code="K102",
        )
    schema = req.collection.class_schema
    names = {p.name for p in schema.properties}
    for name in props:
        if name not in names:
            known = ", ".join(p.name for p in schema.properties if p.is_text) or "none"
            raise RerankError(
                f'rerank property "{name}" does not exist in class "{req.collection.name}"',
                hint=f"use one of its text properties: {known}",
                code="K102",
            )
    return props


def _query_text(req: RerankRequest, fallback: bool) -> str:
    if req.rerank.query is not None:
        return req.rerank.query
    # Weaviate's server sends "" here; its docs promise the search query, which is our default.
    if fallback and req.search_query is not None:
        return req.search_query
    return ""


def _document(collection: Any, doc_id: int, props: list[str]) -> str:
    """The text scored for one object: text values only (Weaviate scores anything else as "")."""
    values = collection.properties_of(doc_id)
    parts = [values.get(name) for name in props]
    return PROPERTY_SEPARATOR.join(p for p in parts if isinstance(p, str) and p)


def _documents(collection: Any, hits: list[Hit], props: list[str]) -> list[str]:
    """_document for every hit; one property (the common case) skips the join."""
    properties_of = collection.properties_of
    if len(props) != 1:
        return [_document(collection, h.doc_id, props) for h in hits]
    name = props[0]
    out = []
    for h in hits:
        value = properties_of(h.doc_id).get(name)
        out.append(value if isinstance(value, str) else "")
    return out


# --- applying the scores -------------------------------------------------------------------------


def _model_label(module: str, model: str | None) -> str:
    """'<module>:<model>': the service's label when it gives one, else built here."""
    if not model or model == module:
        return module
    if ":" in model:  # already labelled by the service ('reranker-transformers:cross-encoder/...')
        return model
    return f"{module}:{model}"


def _reranked(hit: Hit, info: RerankInfo) -> Hit:
    """A copy of a hit with its rerank info (built directly: dataclasses.replace costs several times more)."""
    return Hit(hit.doc_id, hit.distance, hit.score, hit.explain, hit.secondary, info)


def _failed(req: RerankRequest, module: str, model: str | None, err: RankqlError) -> RerankOutcome:
    reason = err.message if "client rank:" in err.message else f"client rank: {err.message}"
    if req.rerank.on_error == "KEEP_ORDER":
        label = _model_label(module, model)
        status = f"failed: {reason}"
        hits = [_reranked(h, RerankInfo(None, i, label, False, status)) for i, h in enumerate(req.hits)]
        warning = f"rerank of {req.key} failed, first-stage order kept (onError: KEEP_ORDER): {reason}"
        return RerankOutcome(hits=hits, warning=warning)
    return RerankOutcome(hits=list(req.hits), error=RerankError(reason, hint=err.hint, code=err.code))


def _apply(req: RerankRequest, module: str, result: Any) -> RerankOutcome:
    scores = None if result is None else result.scores
    model = None if result is None else result.model
    if result is not None and result.error is not None:
        return _failed(req, module, model, result.error)
    if scores is None or len(scores) != len(req.hits):
        got = "no scores" if scores is None else f"{len(scores)} scores"
        return _failed(req, module, model, RerankError(f"{got} for {len(req.hits)} documents"))
    label = _model_label(module, model)
    cached = list(result.cached) if result.cached else [False] * len(scores)
    hits = [
        _reranked(h, RerankInfo(float(s), i, label, bool(c), "ok"))
        for i, (h, s, c) in enumerate(zip(req.hits, scores, cached, strict=True))
    ]
    keys = _order_values(req.rerank, hits)
    desc = [_desc(k) for k in keys]
    order = sorted(range(len(hits)), key=desc.__getitem__)  # sorted() is stable: ties keep rank
    hits = [hits[i] for i in order]
    keys = [keys[i] for i in order]
    if req.rerank.min_score is not None:
        kept = [i for i, h in enumerate(hits) if h.rerank.score >= req.rerank.min_score]
        hits = [hits[i] for i in kept]
        keys = [keys[i] for i in kept]
    if req.rerank.autocut is not None and req.rerank.autocut > 0:
        hits = hits[: _autocut(keys, req.rerank.autocut)]
    return RerankOutcome(hits=hits)


def _desc(value: float) -> float:
    return math.inf if math.isnan(value) else -value  # a NaN score sorts last


def _order_values(rerank: ast.Rerank, hits: list[Hit]) -> list[float]:
    """What the final order sorts on: the rerank score, or the blend of both stages."""
    rerank_scores = [h.rerank.score for h in hits]
    if rerank.blend is None:
        return rerank_scores
    first = [_first_stage(h) for h in hits]
    nr, nf = _min_max(rerank_scores), _min_max(first)
    return [rerank.blend * r + (1.0 - rerank.blend) * f for r, f in zip(nr, nf, strict=True)]


def _first_stage(hit: Hit) -> float:
    """Higher is better: -distance for vector hits, the bm25/fused score, 0 for a plain listing."""
    if hit.distance is not None:
        return -float(hit.distance)
    if hit.score is not None:
        return float(hit.score)
    return 0.0


def _min_max(values: list[float]) -> list[float]:
    """Min-max normalization within the reranked set; all equal -> 1, as relativeScoreFusion does."""
    low, high = min(values), max(values)
    if high == low or not math.isfinite(high - low):
        return [1.0] * len(values)
    return [(v - low) / (high - low) for v in values]


def _autocut(values: list[float], cut: int) -> int:
    """How many of the ordered values autocut keeps (Weaviate's entities/autocut/autocut.go), through
    ENGINE's implementation."""
    from .autocut import autocut

    return autocut(values, cut)
