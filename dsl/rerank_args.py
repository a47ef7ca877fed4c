"""Binding rerank(...): Weaviate's property and query, and rankql's window, minScore, blend, onError."""

from __future__ import annotations

from . import ast
from .arguments import RERANK_ARGS
from .clauses import ClauseReader
from .diagnostics import suggestion
from .syntax import Argument, Value


class RerankReader(ClauseReader):
    """The arguments of _additional.rerank."""

    def rerank_args(self, arguments: list[Argument], span) -> ast.Rerank | None:
        data: dict = {"span": span}
        seen: dict[str, Argument] = {}
        ok = True
        for arg in arguments:
            name = arg.name.value
            where = f'Argument "{name}" of rerank'
            if name in seen:
                self.error("Q204", f'There can be only one argument named "{name}".', arg)
                continue
            seen[name] = arg
            if name not in RERANK_ARGS:
                self.error(
                    "Q201",
                    f'Unknown argument "{name}" on field "rerank".',
                    arg.name,
                    suggestion(name, RERANK_ARGS) or "rerank takes: " + ", ".join(RERANK_ARGS),
                )
                ok = False
                continue
            mark = self.failures
            got = self._rerank_arg(name, arg.value, where)
            if got is None:
                ok = ok and not self.failed(mark)
                continue
            data[_RERANK_KEYS.get(name, name)] = got
        if not ok:
            return None
        return self.check_rerank(data, span, seen)

    def _rerank_arg(self, name: str, value: Value, where: str):
        if name in ("property", "query", "module"):
            return self.read_string(value, where)
        if name == "properties":
            return self.read_strings(value, where)
        if name in ("window", "autocut"):
            return self.read_int(value, where)
        if name in ("minScore", "blend"):
            return self.read_float(value, where)
        return self.read_enum(value, "RerankOnError", ("FAIL", "KEEP_ORDER"), where)

    def check_rerank(self, data: dict, span, args: dict[str, Argument]) -> ast.Rerank | None:
        if data.get("property") is not None and data.get("properties") is not None:
            self.error(
                "Q312",
                "rerank takes property or properties, not both",
                args["properties"],
                "keep one of them",
            )
            return None
        if not data.get("property") and not data.get("properties"):
            self.error(
                "Q311",
                "rerank: no properties provided",
                span,
                'name the text to score: rerank(property: "answer", query: "...")',
            )
            return None
        blend = data.get("blend")
        if blend is not None and not 0.0 <= blend <= 1.0:
            self.error(
                "Q207",
                f"rerank blend must be between 0 and 1, got {blend}",
                span,
                "blend 1 orders by rerank score only",
            )
            return None
        window = data.get("window")
        if window is not None and window < 1:
            self.error("Q207", f"rerank window must be at least 1, got {window}", args["window"].value)
            return None
        return ast.Rerank(**data)


_RERANK_KEYS = {"minScore": "min_score", "onError": "on_error"}
