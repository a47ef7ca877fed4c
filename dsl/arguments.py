"""Binding the arguments of a Get class field: searches, where, sort, groupBy, pagination, rerank."""

from __future__ import annotations

import uuid

from . import ast
from .syntax import Argument, ObjectField, Value
from .values import Reader

NEAR_TEXT_FIELDS = (
    "concepts",
    "distance",
    "certainty",
    "moveTo",
    "moveAwayFrom",
    "autocorrect",
    "targetVectors",
)
MOVE_FIELDS = ("concepts", "objects", "force")
MOVE_OBJECT_FIELDS = ("id", "beacon")
NEAR_VECTOR_FIELDS = ("vector", "distance", "certainty", "targetVectors")
NEAR_OBJECT_FIELDS = ("id", "beacon", "distance", "certainty", "targetVectors")
BM25_FIELDS = ("query", "properties", "searchOperator")
HYBRID_FIELDS = (
    "query",
    "alpha",
    "vector",
    "properties",
    "fusionType",
    "maxVectorDistance",
    "targetVectors",
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
# Arguments Weaviate has that rankql does not implement: a clear "not supported" instead of "unknown".
UNSUPPORTED = {
    "targetVectors": "named vectors are not supported; rankql keeps one vector per object",
    "autocorrect": "autocorrect belongs to text2vec-contextionary, which rankql does not have",
    "searchOperator": "bm25 searchOperator is not supported; bm25 matches any query token (Or)",
    "bm25SearchOperator": "bm25SearchOperator is not supported; bm25 matches any query token (Or)",
    "searches": "hybrid sub-searches are not supported; give hybrid a vector, or let it embed the query",
    "valueGeoRange": "rankql has no geoCoordinates properties",
}


class ArgumentReader(Reader):
    """Typed readers for each Get argument; they record diagnostics and return None on error."""

    def unsupported(self, field: ObjectField | Argument, owner: str) -> None:
        name = field.name.value
        self.error(
            "Q210", f'"{name}" in {owner} is not supported by rankql', field.name, UNSUPPORTED.get(name)
        )

    def certainty_distance(self, fields: dict, where: str) -> tuple[float | None, float | None]:
        certainty = (
            self.read_float(fields["certainty"].value, f'{where} field "certainty"')
            if "certainty" in fields
            else None
        )
        distance = (
            self.read_float(fields["distance"].value, f'{where} field "distance"')
            if "distance" in fields
            else None
        )
        if certainty is not None and not 0.0 <= certainty <= 1.0:
            self.error(
                "Q207",
                f"{where}: certainty must be between 0 and 1, got {certainty}",
                fields["certainty"].value,
            )
        return certainty, distance

    def near_text(self, value: Value) -> ast.NearText | None:
        where = 'Argument "nearText"'
        fields = self.read_object(value, "NearTextInpObj", NEAR_TEXT_FIELDS, where)
        if fields is None:
            return None
        for name in ("targetVectors", "autocorrect"):
            if name in fields:
                self.unsupported(fields[name], "nearText")
        concepts = None
        if "concepts" not in fields:
            self.error(
                "Q203",
                f'{where}: field "concepts" of type "[String]!" is required',
                value,
                'add concepts: ["..."]',
            )
        else:
            mark = self.failures
            concepts = self.read_strings(fields["concepts"].value, f'{where} field "concepts"')
            if concepts is None and not self.failed(mark):
                self.error(
                    "Q203",
                    f'{where}: field "concepts" is required but its variable is null',
                    fields["concepts"].value,
                )
            if concepts is not None and not concepts:
                self.error(
                    "Q207",
                    "nearText needs at least one concept",
                    fields["concepts"].value,
                    'write concepts: ["..."]',
                )
                concepts = None
        certainty, distance = self.certainty_distance(fields, where)
        if certainty is not None and distance is not None:
            self.error(
                "Q302",
                "nearText cannot provide both distance and certainty",
                value,
                "keep one: certainty (cosine only) or distance",
            )
        move_to = self.move(fields["moveTo"], "moveTo") if "moveTo" in fields else None
        away = self.move(fields["moveAwayFrom"], "moveAwayFrom") if "moveAwayFrom" in fields else None
        if concepts is None:
            return None
        return ast.NearText(
            concepts=concepts,
            distance=distance,
            certainty=certainty,
            move_to=move_to,
            move_away_from=away,
            span=value.span,
        )

    def move(self, field: ObjectField, name: str) -> ast.Move | None:
        where = f'Argument "nearText" field "{name}"'
        fields = self.read_object(field.value, "nearTextMoveParameterInpObj", MOVE_FIELDS, where)
        if fields is None:
            return None
        concepts = (
            self.read_strings(fields["concepts"].value, f'{where} field "concepts"')
            if "concepts" in fields
            else []
        )
        objects = self.move_objects(fields["objects"].value, where) if "objects" in fields else []
        if "force" not in fields:
            self.error(
                "Q203", f'{where}: field "force" of type "Float!" is required', field, "add force: 0.5 (0..1)"
            )
            return None
        force = self.read_float(fields["force"].value, f'{where} field "force"')
        if force is None or concepts is None or objects is None:
            return None
        if not 0.0 <= force <= 1.0:
            self.error("Q307", f"movement: force must be between 0 and 1: got {force}", fields["force"].value)
            return None
        if force > 0 and not concepts and not objects:
            self.error(
                "Q307",
                f"'nearText.{name}' parameter needs to have defined either 'concepts' or 'objects' fields",
                field,
                f'add concepts: ["..."] or objects: [{{id: "..."}}] to {name}',
            )
            return None
        return ast.Move(concepts=concepts, objects=objects, force=force, span=field.span)

    def move_objects(self, value: Value, where: str) -> list[ast.MoveObject] | None:
        items = self.read_list(value, "nearTextMoveParameterObjects", where)
        if items is None:
            return None
        out = []
        for item in items:
            fields = self.read_object(
                item, "nearTextMoveParameterObjects", MOVE_OBJECT_FIELDS, f"{where} objects"
            )
            if fields is None:
                return None
            ident = self.read_uuid(fields["id"].value, f"{where} objects id") if "id" in fields else None
            beacon = (
                self.read_beacon(fields["beacon"].value, f"{where} objects beacon")
                if "beacon" in fields
                else None
            )
            if ident is None and beacon is None:
                if not fields:
                    self.error("Q203", "a moveTo object needs an id or a beacon", item, '{id: "<uuid>"}')
                return None
            out.append(ast.MoveObject(id=ident, beacon=beacon, span=item.span))
        return out

    def read_uuid(self, value: Value, where: str) -> str | None:
        text = self.read_string(value, where)
        if text is None:
            return None
        try:
            return str(uuid.UUID(text))
        except ValueError:
            self.error(
                "Q207",
                f'{where}: "{text}" is not a valid UUID',
                value,
                'write "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"',
            )
            return None

    def read_beacon(self, value: Value, where: str) -> str | None:
        text = self.read_string(value, where)
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
            self.error(
                "Q207",
                f'{where}: "{text}" is not a beacon',
                value,
                'write "weaviate://localhost/<Class>/<uuid>"',
            )
            return None
        return text

    def near_vector(self, value: Value) -> ast.NearVector | None:
        where = 'Argument "nearVector"'
        fields = self.read_object(value, "NearVectorInpObj", NEAR_VECTOR_FIELDS, where)
        if fields is None:
            return None
        if "targetVectors" in fields:
            self.unsupported(fields["targetVectors"], "nearVector")
        certainty, distance = self.certainty_distance(fields, where)
        if certainty is not None and distance is not None:
            self.error(
                "Q302",
                "found 'certainty' and 'distance' set in nearVector which are conflicting, choose one instead",
                value,
                "keep one of certainty and distance",
            )
        if "vector" not in fields:
            self.error(
                "Q203",
                f'{where}: field "vector" of type "[Float]!" is required',
                value,
                "add vector: [0.1, ...]",
            )
            return None
        mark = self.failures
        vector = self.read_floats(fields["vector"].value, f'{where} field "vector"')
        if vector is None:
            if not self.failed(mark):
                self.error(
                    "Q203",
                    f'{where}: field "vector" is required but its variable is null',
                    fields["vector"].value,
                )
            return None
        if not vector:
            self.error("Q207", "nearVector needs a non-empty vector", fields["vector"].value)
            return None
        return ast.NearVector(vector=vector, distance=distance, certainty=certainty, span=value.span)

    def near_object(self, value: Value) -> ast.NearObject | None:
        where = 'Argument "nearObject"'
        fields = self.read_object(value, "NearObjectInpObj", NEAR_OBJECT_FIELDS, where)
        if fields is None:
            return None
        if "targetVectors" in fields:
            self.unsupported(fields["targetVectors"], "nearObject")
        certainty, distance = self.certainty_distance(fields, where)
        if certainty is not None and distance is not None:
            self.error(
                "Q302",
                "found 'certainty' and 'distance' set in nearObject which are conflicting, choose one instead",
                value,
                "keep one of certainty and distance",
            )
        ident = self.read_uuid(fields["id"].value, f'{where} field "id"') if "id" in fields else None
        beacon = (
            self.read_beacon(fields["beacon"].value, f'{where} field "beacon"')
            if "beacon" in fields
            else None
        )
        if "id" not in fields and "beacon" not in fields:
            self.error("Q203", "nearObject needs an id or a beacon", value, 'add id: "<uuid of the object>"')
            return None
        if "id" in fields and "beacon" in fields:
            self.error(
                "Q312", "nearObject takes an id or a beacon, not both", fields["beacon"], "remove one of them"
            )
            return None
        if ident is None and beacon is None:
            return None
        return ast.NearObject(
            id=ident, beacon=beacon, distance=distance, certainty=certainty, span=value.span
        )
