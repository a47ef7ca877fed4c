"""The named-vector parts of a gRPC search (target_vectors, targets, vector_for_targets) as rankql's AST.

Weaviate's parse_search_request.go reads them: `targets` wins over the older `target_vectors`; sum and
average need no weights, manualWeights and relativeScore one per target, in the targets' order.
"""

from __future__ import annotations

from typing import Any

from rankql.dsl import ast
from rankql.dsl.schema import ClassSchema

from .grpc_errors import InvalidRequest, NotSupported

# base_search.proto CombinationMethod -> the GraphQL targetCombinationEnum (UNSPECIFIED is the default)
_COMBINATIONS = {0: "minimum", 1: "sum", 2: "minimum", 3: "average", 4: "relativeScore", 5: "manualWeights"}
_MULTI_FP32 = 2  # Vectors.VECTOR_TYPE_MULTI_FP32


def targets_of(msg: Any, where: str) -> ast.Targets | None:
    """The targets a near_* or hybrid message names, or None."""
    if msg.HasField("targets"):
        given = msg.targets
        names = list(given.target_vectors)
        combination = _COMBINATIONS.get(given.combination)
        if combination is None:
            raise InvalidRequest(f"unknown combination method {given.combination}")
        weights = None
        if combination in ast.WEIGHTED_COMBINATIONS:
            if len(given.weights_for_targets) != len(names):
                raise InvalidRequest(
                    f"number of weights ({len(given.weights_for_targets)}) does not match number of targets "
                    f"({len(names)})"
                )
            for i, weight in enumerate(given.weights_for_targets):
                if weight.target != names[i]:
                    raise InvalidRequest(f"target vector {weight.target} not found in target vectors")
            weights = [float(w.weight) for w in given.weights_for_targets]
    else:
        names, combination, weights = list(msg.target_vectors), "minimum", None
    if not names:
        return None
    if len(set(names)) != len(names):
        raise NotSupported(
            f"{where}: a target vector named twice (several query vectors per target) is not supported"
        )
    return ast.Targets(vectors=names, combination=combination, weights=weights)  # type: ignore[arg-type]


def vectors_for_targets(msg: Any, where: str, float32s: Any) -> dict[str, list[float]] | None:
    """near_vector's one query vector per target (vector_for_targets, or the older vector_per_target)."""
    out: dict[str, list[float]] = {}
    for entry in getattr(msg, "vector_for_targets", ()):
        if entry.vector_bytes:
            out[entry.name] = float32s(entry.vector_bytes)
            continue
        if len(entry.vectors) != 1 or entry.vectors[0].type == _MULTI_FP32:
            raise NotSupported(f"{where}: rankql takes one single vector per target (no multi-vectors)")
        out[entry.name] = float32s(entry.vectors[0].vector_bytes)
    for name, raw in getattr(msg, "vector_per_target", {}).items():
        out[name] = float32s(raw)
    return out or None


def check_targets(search: Any, cls: ClassSchema) -> None:
    """Weaviate's gRPC checks: a target the class lacks, several named vectors and none named."""
    if not isinstance(search, ast.NearText | ast.NearVector | ast.NearObject | ast.Hybrid):
        return
    if isinstance(search, ast.Hybrid) and search.alpha <= 0:
        return
    if search.targets is None:
        if len(cls.named_vectors) > 1:
            raise InvalidRequest(
                f"class {cls.name} has multiple vectors, but no target vectors were provided"
            )
        return
    for name in search.targets.vectors:
        if name not in cls.vector_names:
            raise InvalidRequest(
                f"class {cls.name} does not have named vector {name} configured. "
                f"Available named vectors [{' '.join(cls.vector_names)}]"
            )
    if isinstance(search, ast.NearVector) and search.vector_per_target:
        for name in search.targets.vectors:
            if name not in search.vector_per_target:
                raise InvalidRequest(
                    f"near_vector: vector for target {name} is required. All target vectors: "
                    f"[{' '.join(search.targets.vectors)}] all vectors for targets [{' '.join(search.vector_per_target)}]"
                )
