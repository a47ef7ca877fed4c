"""Binding the keyword searches: bm25 and hybrid, with boosted property lists."""

from __future__ import annotations

from typing import Any, Literal

from . import ast
from .arguments import BM25_FIELDS, HYBRID_FIELDS, SEARCH_OPERATOR_FIELDS
from .context import BindContext
from .hybrid_searches import conflicts, sub_search
from .syntax import Value
from .target_args import read_targets
from .values import read_enum, read_float, read_floats, read_int, read_list, read_object, read_string


def boosted_properties(ctx: BindContext, value: Value, where: str) -> list[ast.PropertyRef] | None:
    """["title^2", "body"] as property references; a bad boost is an error (Weaviate reads it as 0)."""
    items = read_list(ctx, value, "String", where)
    if items is None:
        return None
    refs = []
    for item in items:
        text = read_string(ctx, item, where)
        if text is None:
            return None
        name, caret, boost_text = text.partition("^")
        boost = 1.0
        if caret:
            try:
                boost = float(boost_text)
            except ValueError:
                boost = -1.0
            if not 0 <= boost < float("inf"):
                ctx.error(
                    "Q207",
                    f'{where}: invalid boost in "{text}"',
                    item,
                    'write "title^2": a name, ^ and a number',
                )
                return None
        if not name:
            ctx.error("Q207", f'{where}: empty property name in "{text}"', item)
            return None
        refs.append(ast.PropertyRef(name=name, boost=boost, span=item.span))
    return refs or None


def search_operator(ctx: BindContext, value: Value, where: str) -> ast.SearchOperator | None:
    """{operator: And | Or, minimumOrTokensMatch: N}, as Weaviate's common_filters/bm25.go reads it."""
    fields = read_object(ctx, value, "SearchOperatorInpObj", SEARCH_OPERATOR_FIELDS, where)
    if fields is None:
        return None
    if "operator" not in fields:
        ctx.error("Q203", f'{where}: field "operator" is required', value, "add operator: And (or Or)")
        return None
    operator = read_enum(
        ctx,
        fields["operator"].value,
        "SearchOperator",
        ("And", "Or", "AndCross"),
        f'{where} field "operator"',
    )
    minimum = None
    if "minimumOrTokensMatch" in fields:
        minimum = read_int(ctx, fields["minimumOrTokensMatch"].value, f'{where} field "minimumOrTokensMatch"')
    if operator is None:
        return None
    chosen: Literal["And", "Or", "AndCross"] = (
        "And" if operator == "And" else "AndCross" if operator == "AndCross" else "Or"
    )
    return ast.SearchOperator(operator=chosen, minimum_or_tokens_match=minimum, span=value.span)


def bm25(ctx: BindContext, value: Value) -> ast.Bm25 | None:
    where = 'Argument "bm25"'
    fields = read_object(ctx, value, "Bm25InpObj", BM25_FIELDS, where)
    if fields is None:
        return None
    mark = ctx.failures
    query = read_string(ctx, fields["query"].value, f'{where} field "query"') if "query" in fields else None
    props = None
    if "properties" in fields:
        props = boosted_properties(ctx, fields["properties"].value, f'{where} field "properties"')
    if not query:
        if not ctx.failed(mark):
            ctx.error(
                "Q203",
                "keyword search (bm25) must have query set",
                fields["query"].value if "query" in fields else value,
                'add query: "words to search for"',
            )
        return None
    operator = None
    if "searchOperator" in fields:
        operator = search_operator(ctx, fields["searchOperator"].value, f'{where} field "searchOperator"')
    if ctx.failed(mark):
        return None
    return ast.Bm25(query=query, properties=props, search_operator=operator, span=value.span)


def hybrid(ctx: BindContext, value: Value) -> ast.Hybrid | None:
    where = 'Argument "hybrid"'
    fields = read_object(ctx, value, "HybridInpObj", HYBRID_FIELDS, where)
    if fields is None:
        return None
    mark = ctx.failures
    data: dict[str, Any] = {"span": value.span}
    targets = read_targets(ctx, fields, where, "Hybrid")
    if targets is not None:
        data["targets"] = targets
    if "searches" in fields:
        data["searches"] = sub_search(ctx, fields["searches"])
    if "bm25SearchOperator" in fields:
        operator = search_operator(
            ctx, fields["bm25SearchOperator"].value, f'{where} field "bm25SearchOperator"'
        )
        if operator is not None:
            data["bm25_search_operator"] = operator
    for name, key, read in (
        ("query", "query", read_string),
        ("alpha", "alpha", read_float),
        ("vector", "vector", read_floats),
        ("properties", "properties", boosted_properties),
        ("maxVectorDistance", "max_vector_distance", read_float),
    ):
        if name in fields:
            got = read(ctx, fields[name].value, f'{where} field "{name}"')
            if got is not None:
                data[key] = got
    if "fusionType" in fields:
        fusion = read_enum(
            ctx,
            fields["fusionType"].value,
            "FusionType",
            ("rankedFusion", "relativeScoreFusion"),
            f'{where} field "fusionType"',
        )
        if fusion is not None:
            data["fusion_type"] = fusion
    alpha = data.get("alpha")
    if alpha is not None and not 0.0 <= alpha <= 1.0:
        ctx.error(
            "Q304",
            "alpha should be between 0.0 and 1.0",
            fields["alpha"].value,
            "alpha weighs the vector search: 0 is pure bm25, 1 pure vector, 0.75 the default",
        )
    if "vector" in data and not data["vector"]:
        del data["vector"]
    conflicts(ctx, value, data.get("searches"), data.get("vector"))
    if "query" not in data:
        if not data.get("vector") and data.get("searches") is None:
            ctx.error("Q203", "hybrid needs a query (or a vector)", value, 'add query: "words to search for"')
        data["query"] = ""
    if ctx.failed(mark):
        return None
    if "vector" in data:  # every value is checked already: no second pass over the vector by pydantic
        return ast.Hybrid.model_construct(**data)
    return ast.Hybrid(**data)
