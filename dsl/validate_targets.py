"""Checks of named-vector searches against the class: targets known, one named when several exist, and
the vectorizer and distance of each target searched."""

from __future__ import annotations

from collections.abc import Iterator

from . import ast
from .diagnostics import Diagnostic, suggestion
from .schema import ClassSchema, NamedVectorSchema
from .validate_where import diag as _diag

VectorSearch = ast.NearText | ast.NearVector | ast.NearObject | ast.Hybrid


def vector_search(get: ast.GetQuery) -> VectorSearch | None:
    """The search of `get` that reads vectors (hybrid only when its vector half runs)."""
    search = get.search
    if isinstance(search, ast.Hybrid) and search.alpha <= 0:
        return None
    return search if isinstance(search, VectorSearch) else None


def targets_of(search: VectorSearch | None, cls: ClassSchema) -> list[str | None]:
    """The targets a search runs on: those named, the one named vector, or None (the class vector)."""
    if search is not None and search.targets is not None:
        return list(search.targets.vectors)
    if len(cls.named_vectors) == 1:
        return list(cls.named_vectors)
    return [None]


def searched(get: ast.GetQuery, cls: ClassSchema) -> list[NamedVectorSchema]:
    """The vectorizer and distance of every vector the search reads (the class vector when none; nothing
    when the target is ambiguous, which target_vectors reports)."""
    search = vector_search(get)
    if (search is None or search.targets is None) and len(cls.named_vectors) > 1:
        return []
    return [cls.vector_schema(t) for t in targets_of(search, cls) if _known(t, cls)]


def _known(target: str | None, cls: ClassSchema) -> bool:
    return target is None or target in cls.vector_names


def unknown_target_message(cls: ClassSchema, target: str) -> str:
    """Weaviate's words (adapters/handlers/grpc/v1/parse_search_request.go)."""
    names = " ".join(cls.vector_names)
    return (
        f"class {cls.name} does not have named vector {target} configured. Available named vectors [{names}]"
    )


def target_vectors(get: ast.GetQuery, cls: ClassSchema) -> Iterator[Diagnostic]:
    search = vector_search(get)
    if search is not None and search.targets is not None:
        for name in search.targets.vectors:
            if not _known(name, cls):
                hint = suggestion(name, cls.vector_names) or (
                    "named vectors: " + ", ".join(cls.vector_names)
                    if cls.vector_names
                    else "the class has one unnamed vector: drop targetVectors"
                )
                yield _diag("Q620", unknown_target_message(cls, name), search.targets, hint)
        sub = search.searches if isinstance(search, ast.Hybrid) else None
        per_target = (sub.vector_per_target if isinstance(sub, ast.NearVector) else None) or {}
        for name in search.targets.vectors if per_target else ():
            if name not in per_target:  # hybrid's targets read searches.nearVector's vectorPerTarget
                message = f"vectorPerTarget for target {name} is not provided"
                yield _diag("Q203", message, sub, f"add {name}: [...] to vectorPerTarget")
        if (
            len(search.targets.vectors) > 1
            and isinstance(search, ast.NearSearch)
            and search.certainty is not None
        ):
            yield _diag(
                "Q622",
                "multiple target vectors are not supported with certainty",
                search,
                "use distance, or search one target vector",
            )
    elif search is not None and len(cls.named_vectors) > 1:
        yield _diag(
            "Q621",
            "multiple vectorizers configuration found, please specify target vector name",
            search,
            f'add targetVectors: ["{next(iter(cls.named_vectors))}"] (named vectors: '
            + ", ".join(cls.named_vectors)
            + ")",
        )
    extra = get.additional
    for item in extra.items if extra else []:
        if isinstance(item, ast.VectorsField):
            for name in item.names:
                if name not in cls.vector_names:
                    hint = suggestion(name, cls.vector_names) or (
                        "named vectors: " + ", ".join(cls.vector_names)
                        if cls.vector_names
                        else "the class has no named vectors: select _additional { vector }"
                    )
                    message = f'Cannot query field "{name}" on type "{cls.name}AdditionalVectors".'
                    yield _diag("Q623", message, item, hint)
