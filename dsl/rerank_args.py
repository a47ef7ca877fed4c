"""Binding rerank(...): Weaviate's property and query, and rankql's window, minScore, blend, onError."""

from __future__ import annotations

from typing import Any

from . import ast
from .arguments import RERANK_ARGS
from .context import BindContext
from .diagnostics import suggestion
from .source import Span
from .syntax import Argument, Value
from .values import read_enum, read_float, read_int, read_string, read_strings


def rerank_args(ctx: BindContext, arguments: list[Argument], span: Span) -> ast.Rerank | None:
    """The arguments of _additional { rerank(...) }, checked together; None after a diagnostic."""
    data: dict[str, Any] = {"span": span}
    seen: dict[str, Argument] = {}
    ok = True
    for arg in arguments:
        name = arg.name.value
        where = f'Argument "{name}" of rerank'
        if name in seen:
            ctx.error("Q204", f'There can be only one argument named "{name}".', arg)
            continue
        seen[name] = arg
        if name not in RERANK_ARGS:
            ctx.error(
                "Q201",
                f'Unknown argument "{name}" on field "rerank".',
                arg.name,
                suggestion(name, RERANK_ARGS) or "rerank takes: " + ", ".join(RERANK_ARGS),
            )
            ok = False
            continue
        mark = ctx.failures
        got = _rerank_arg(ctx, name, arg.value, where)
        if got is None:
            ok = ok and not ctx.failed(mark)
            continue
        data[_RERANK_KEYS.get(name, name)] = got
    if not ok:
        return None
    return check_rerank(ctx, data, span, seen)


def _rerank_arg(
    ctx: BindContext, name: str, value: Value, where: str
) -> str | list[str] | int | float | None:
    if name in ("property", "query", "module"):
        return read_string(ctx, value, where)
    if name == "properties":
        return read_strings(ctx, value, where)
    if name in ("window", "autocut"):
        return read_int(ctx, value, where)
    if name in ("minScore", "blend"):
        return read_float(ctx, value, where)
    return read_enum(ctx, value, "RerankOnError", ("FAIL", "KEEP_ORDER"), where)


def check_rerank(
    ctx: BindContext, data: dict[str, Any], span: Span, args: dict[str, Argument]
) -> ast.Rerank | None:
    if data.get("property") is not None and data.get("properties") is not None:
        ctx.error(
            "Q312",
            "rerank takes property or properties, not both",
            args["properties"],
            "keep one of them",
        )
        return None
    if not data.get("property") and not data.get("properties"):
        ctx.error(
            "Q311",
            "rerank: no properties provided",
            span,
            'name the text to score: rerank(property: "answer", query: "...")',
        )
        return None
    blend = data.get("blend")
    if blend is not None and not 0.0 <= blend <= 1.0:
        ctx.error(
            "Q207",
            f"rerank blend must be between 0 and 1, got {blend}",
            span,
            "blend 1 orders by rerank score only",
        )
        return None
    window = data.get("window")
    if window is not None and window < 1:
        ctx.error("Q207", f"rerank window must be at least 1, got {window}", args["window"].value)
        return None
    return ast.Rerank(**data)


_RERANK_KEYS = {"minScore": "min_score", "onError": "on_error"}
