"""The Get argument tables, and binding the vector searches: nearText (with moves), nearVector, nearObject."""

from __future__ import annotations

import uuid

from . import ast
from .context import BindContext
from .syntax import ObjectField, Value
from .target_args import read_targets, read_vector_per_target
from .values import read_bool, read_float, read_floats, read_list, read_object, read_string, read_strings

NEAR_TEXT_FIELDS = (
    "concepts",
    "distance",
    "certainty",
    "moveTo",
    "moveAwayFrom",
    "autocorrect",
    "targetVectors",
    "targets",
)
MOVE_FIELDS = ("concepts", "objects", "force")
MOVE_OBJECT_FIELDS = ("id", "beacon")
NEAR_VECTOR_FIELDS = ("vector", "distance", "certainty", "targetVectors", "targets", "vectorPerTarget")
NEAR_OBJECT_FIELDS = ("id", "beacon", "distance", "certainty", "targetVectors", "targets")
BM25_FIELDS = ("query", "properties", "searchOperator")
SEARCH_OPERATOR_FIELDS = ("operator", "minimumOrTokensMatch")
CONSISTENCY_LEVELS = ("ONE", "QUORUM", "ALL")  # accepted and met: one process holds every object
HYBRID_FIELDS = (
    "query",
    "alpha",
    "vector",
    "properties",
    "fusionType",
    "maxVectorDistance",
    "targetVectors",
    "targets",
    "searches",
    "bm25SearchOperator",
)
WHERE_VALUE_FIELDS = ("valueText", "valueString", "valueInt", "valueNumber", "valueBoolean", "valueDate")
WHERE_FIELDS = ("operator", "path", "operands", *WHERE_VALUE_FIELDS, "valueGeoRange")
SORT_FIELDS = ("path", "order")
GROUP_BY_FIELDS = ("path", "groups", "objectsPerGroup")
RERANK_ARGS = (
    "property",
    "properties",
    "query",
    "module",
    "window",
    "minScore",
    "autocut",
    "blend",
    "onError",
)


def certainty_distance(
    ctx: BindContext, fields: dict[str, ObjectField], where: str
) -> tuple[float | None, float | None]:
    certainty = (
        read_float(ctx, fields["certainty"].value, f'{where} field "certainty"')
        if "certainty" in fields
        else None
    )
    distance = (
        read_float(ctx, fields["distance"].value, f'{where} field "distance"')
        if "distance" in fields
        else None
    )
    if certainty is not None and not 0.0 <= certainty <= 1.0:
        ctx.error(
            "Q207",
            f"{where}: certainty must be between 0 and 1, got {certainty}",
            fields["certainty"].value,
        )
    return certainty, distance


def near_text(ctx: BindContext, value: Value) -> ast.NearText | None:
    where = 'Argument "nearText"'
    fields = read_object(ctx, value, "NearTextInpObj", NEAR_TEXT_FIELDS, where)
    if fields is None:
        return None
    target_mark = ctx.failures
    targets = read_targets(ctx, fields, where, "NearText")
    if "autocorrect" in fields:  # read and ignored, as Weaviate without a spellcheck module (text-spellcheck)
        read_bool(ctx, fields["autocorrect"].value, f'{where} field "autocorrect"')
    concepts = None
    if "concepts" not in fields:
        ctx.error(
            "Q203",
            f'{where}: field "concepts" of type "[String]!" is required',
            value,
            'add concepts: ["..."]',
        )
    else:
        mark = ctx.failures
        concepts = read_strings(ctx, fields["concepts"].value, f'{where} field "concepts"')
        if concepts is None and not ctx.failed(mark):
            ctx.error(
                "Q203",
                f'{where}: field "concepts" is required but its variable is null',
                fields["concepts"].value,
            )
        if concepts is not None and not concepts:
            ctx.error(
                "Q207",
                "nearText needs at least one concept",
                fields["concepts"].value,
                'write concepts: ["..."]',
            )
            concepts = None
    certainty, distance = certainty_distance(ctx, fields, where)
    if certainty is not None and distance is not None:
        ctx.error(
            "Q302",
            "nearText cannot provide both distance and certainty",
            value,
            "keep one: certainty (cosine only) or distance",
        )
    move_to = move(ctx, fields["moveTo"], "moveTo") if "moveTo" in fields else None
    away = move(ctx, fields["moveAwayFrom"], "moveAwayFrom") if "moveAwayFrom" in fields else None
    if concepts is None or ctx.failed(target_mark) and targets is None:
        return None
    return ast.NearText(
        concepts=concepts,
        distance=distance,
        certainty=certainty,
        move_to=move_to,
        move_away_from=away,
        targets=targets,
        span=value.span,
    )


def move(ctx: BindContext, field: ObjectField, name: str) -> ast.Move | None:
    where = f'Argument "nearText" field "{name}"'
    fields = read_object(ctx, field.value, "nearTextMoveParameterInpObj", MOVE_FIELDS, where)
    if fields is None:
        return None
    concepts = (
        read_strings(ctx, fields["concepts"].value, f'{where} field "concepts"')
        if "concepts" in fields
        else []
    )
    objects = move_objects(ctx, fields["objects"].value, where) if "objects" in fields else []
    if "force" not in fields:
        ctx.error(
            "Q203", f'{where}: field "force" of type "Float!" is required', field, "add force: 0.5 (0..1)"
        )
        return None
    force = read_float(ctx, fields["force"].value, f'{where} field "force"')
    if force is None or concepts is None or objects is None:
        return None
    if not 0.0 <= force <= 1.0:
        ctx.error("Q307", f"movement: force must be between 0 and 1: got {force}", fields["force"].value)
        return None
    if force > 0 and not concepts and not objects:
        ctx.error(
            "Q307",
            f"'nearText.{name}' parameter needs to have defined either 'concepts' or 'objects' fields",
            field,
            f'add concepts: ["..."] or objects: [{{id: "..."}}] to {name}',
        )
        return None
    return ast.Move(concepts=concepts, objects=objects, force=force, span=field.span)


def move_objects(ctx: BindContext, value: Value, where: str) -> list[ast.MoveObject] | None:
    items = read_list(ctx, value, "nearTextMoveParameterObjects", where)
    if items is None:
        return None
    out = []
    for item in items:
        fields = read_object(
            ctx, item, "nearTextMoveParameterObjects", MOVE_OBJECT_FIELDS, f"{where} objects"
        )
        if fields is None:
            return None
        ident = read_uuid(ctx, fields["id"].value, f"{where} objects id") if "id" in fields else None
        beacon = (
            read_beacon(ctx, fields["beacon"].value, f"{where} objects beacon")
            if "beacon" in fields
            else None
        )
        if ident is None and beacon is None:
            if not fields:
                ctx.error("Q203", "a moveTo object needs an id or a beacon", item, '{id: "<uuid>"}')
            return None
        out.append(ast.MoveObject(id=ident, beacon=beacon, span=item.span))
    return out


def read_uuid(ctx: BindContext, value: Value, where: str) -> str | None:
    text = read_string(ctx, value, where)
    if text is None:
        return None
    try:
        return str(uuid.UUID(text))
    except ValueError:
        ctx.error(
            "Q207",
            f'{where}: "{text}" is not a valid UUID',
            value,
            'write "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"',
        )
        return None


def read_beacon(ctx: BindContext, value: Value, where: str) -> str | None:
    text = read_string(ctx, value, where)
    if text is None:
        return None
    parts = text.split("/")
    ok = text.startswith("weaviate://") and len(parts) in (4, 5)
    if ok:
        try:
            uuid.UUID(parts[-1])
        except ValueError:
            ok = False
    if not ok:
        ctx.error(
            "Q207",
            f'{where}: "{text}" is not a beacon',
            value,
            'write "weaviate://localhost/<Class>/<uuid>"',
        )
        return None
    return text


def _near_fields(
    ctx: BindContext, value: Value, name: str, input_type: str, known: tuple[str, ...]
) -> tuple[dict[str, ObjectField], float | None, float | None] | None:
    """The opening nearVector and nearObject share: their fields, and certainty and distance read (both set
    is Weaviate's conflict error); None when the value is no object."""
    where = f'Argument "{name}"'
    fields = read_object(ctx, value, input_type, known, where)
    if fields is None:
        return None
    certainty, distance = certainty_distance(ctx, fields, where)
    if certainty is not None and distance is not None:
        ctx.error(
            "Q302",
            f"found 'certainty' and 'distance' set in {name} which are conflicting, choose one instead",
            value,
            "keep one of certainty and distance",
        )
    return fields, certainty, distance


def near_vector(ctx: BindContext, value: Value) -> ast.NearVector | None:
    where = 'Argument "nearVector"'
    opened = _near_fields(ctx, value, "nearVector", "NearVectorInpObj", NEAR_VECTOR_FIELDS)
    if opened is None:
        return None
    fields, certainty, distance = opened
    mark = ctx.failures
    targets = read_targets(ctx, fields, where, "NearVector")
    if ctx.failed(mark):
        return None
    if "vectorPerTarget" in fields:
        return _per_target(ctx, value, fields, targets, certainty, distance)
    if "vector" not in fields:
        ctx.error(
            "Q203",
            f'{where}: field "vector" of type "[Float]!" is required',
            value,
            "add vector: [0.1, ...] (or vectorPerTarget: {name: [0.1, ...]})",
        )
        return None
    mark = ctx.failures
    vector = read_floats(ctx, fields["vector"].value, f'{where} field "vector"')
    if vector is None:
        if not ctx.failed(mark):
            ctx.error(
                "Q203",
                f'{where}: field "vector" is required but its variable is null',
                fields["vector"].value,
            )
        return None
    if not vector:
        ctx.error("Q207", "nearVector needs a non-empty vector", fields["vector"].value)
        return None
    # Every value is checked already (the floats finite): the vector is set after validation, so that
    # pydantic makes no second pass over it (model_construct would do the same, at a higher cost).
    search = ast.NearVector(distance=distance, certainty=certainty, targets=targets, span=value.span)
    search.vector = vector
    return search


def _per_target(
    ctx: BindContext,
    value: Value,
    fields: dict[str, ObjectField],
    targets: ast.Targets | None,
    certainty: float | None,
    distance: float | None,
) -> ast.NearVector | None:
    """nearVector with vectorPerTarget: one vector per target; without targets its names are the targets."""
    where = 'Argument "nearVector"'
    if "vector" in fields:
        ctx.error(
            "Q312",
            "vector or vectorPerTarget is required field",
            fields["vector"],
            "give one of them, not both",
        )
        return None
    per_target = read_vector_per_target(
        ctx, fields["vectorPerTarget"].value, f'{where} field "vectorPerTarget"'
    )
    if per_target is None:
        return None
    if targets is None:
        targets = ast.Targets(vectors=list(per_target), span=fields["vectorPerTarget"].span)
    for name in targets.vectors:
        if name not in per_target:
            ctx.error(
                "Q203",
                f"vectorPerTarget for target {name} is not provided",
                fields["vectorPerTarget"].value,
                f"add {name}: [...] to vectorPerTarget",
            )
            return None
    return ast.NearVector(
        distance=distance,
        certainty=certainty,
        targets=targets,
        vector_per_target=per_target,
        span=value.span,
    )


def near_object(ctx: BindContext, value: Value) -> ast.NearObject | None:
    where = 'Argument "nearObject"'
    opened = _near_fields(ctx, value, "nearObject", "NearObjectInpObj", NEAR_OBJECT_FIELDS)
    if opened is None:
        return None
    fields, certainty, distance = opened
    ident = read_uuid(ctx, fields["id"].value, f'{where} field "id"') if "id" in fields else None
    beacon = (
        read_beacon(ctx, fields["beacon"].value, f'{where} field "beacon"') if "beacon" in fields else None
    )
    if "id" not in fields and "beacon" not in fields:
        ctx.error("Q203", "nearObject needs an id or a beacon", value, 'add id: "<uuid of the object>"')
        return None
    if "id" in fields and "beacon" in fields:
        ctx.error(
            "Q312", "nearObject takes an id or a beacon, not both", fields["beacon"], "remove one of them"
        )
        return None
    mark = ctx.failures
    targets = read_targets(ctx, fields, where, "NearObject")
    if ident is None and beacon is None or ctx.failed(mark):
        return None
    return ast.NearObject(
        id=ident, beacon=beacon, distance=distance, certainty=certainty, targets=targets, span=value.span
    )
