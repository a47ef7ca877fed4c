"""Cross-reference properties in the store: definitions, beacons as stored, and the checks of a write.

A reference property's value is a list of beacons, `weaviate://localhost/City/<uuid>` (Weaviate's
entities/schema/crossref); the legacy form without a class is accepted and, when the property has one
target class, completed with it as Weaviate's validator does (usecases/objects/validation).
"""

from __future__ import annotations

import re
import uuid as uuidlib
from collections.abc import Callable
from typing import Any

from rankql.dsl.references import beacon

from ..errors import SchemaError
from .values import ValueProblem, show

_CLASS = re.compile(r"^[A-Z][_0-9A-Za-z]*$")
_PROPERTY_KEYS = ("name", "dataType", "description", "indexFilterable", "indexInverted", "moduleConfig")


def reference_targets(raw: Any) -> list[str] | None:
    """The target classes when `raw` (a dataType) names classes: ["City"], ["City", "Country"]."""
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        return None
    if all(isinstance(t, str) and _CLASS.match(t) for t in raw):
        return list(dict.fromkeys(raw))
    return None


def is_reference_type(data_type: str) -> bool:
    """A stored dataType element that is a class name (primitive types start lower case)."""
    return bool(data_type[:1].isupper())


def reference_property(check: Any, name: str, targets: list[str], prop: dict) -> dict:
    """The normalized definition of a reference property (filterable, never keyword-searchable)."""
    if prop.get("tokenization") is not None:
        check.add(f"property '{name}': tokenization is not allowed for a cross-reference")
    if prop.get("indexSearchable"):
        check.add(f"property '{name}': indexSearchable is only allowed for text and text[] properties")
    filterable = prop.get("indexFilterable", prop.get("indexInverted", True))
    check.boolean(f"property '{name}': indexFilterable", filterable)
    config = prop.get("moduleConfig") or {}
    out = {
        "name": name,
        "dataType": list(targets),
        "indexFilterable": filterable,
        "indexSearchable": False,
        "moduleConfig": dict(config) if isinstance(config, dict) else {},
    }
    if prop.get("description") is not None:
        out["description"] = str(prop["description"])
    return out


def check_targets(definition: dict, known: Callable[[str], bool]) -> None:
    """Every target class exists (or is the class itself): Weaviate's FindPropertyDataTypeWithRefs."""
    problems = []
    for prop in definition["properties"]:
        if not is_reference_type(prop["dataType"][0]):
            continue
        for target in prop["dataType"]:
            if target != definition["class"] and not known(target):
                problems.append(
                    f"property '{prop['name']}': invalid dataType: [{' '.join(prop['dataType'])}]: "
                    "reference property to nonexistent class"
                )
                break
    if problems:
        raise SchemaError("; ".join(problems), hint="create the referenced class first")


# --- values -----------------------------------------------------------------------------------------


def parse_beacon(text: str) -> tuple[str | None, str]:
    """(class or None, uuid) of a local beacon; ValueProblem with Weaviate's crossref.Parse wording."""
    if not text.startswith("weaviate://"):
        raise ValueProblem(
            f"invalid cref URI: {show(text)} is not a beacon like weaviate://localhost/City/<uuid>"
        )
    rest = text[len("weaviate://") :]
    host, _, path = rest.partition("/")
    if host != "localhost":
        raise ValueProblem(
            f"invalid cref URI: only local references (weaviate://localhost/...) exist, got {show(text)}"
        )
    segments = path.split("/")
    if len(segments) == 2:
        cls, ident, position = segments[0], segments[1], 2
    elif len(segments) == 1:
        cls, ident, position = None, segments[0], 1
    else:
        raise ValueProblem(f"invalid cref URI: path must be of format '<class>/<uuid>', but got '/{path}'")
    try:
        parsed = uuidlib.UUID(ident)
    except ValueError:
        raise ValueProblem(
            f"invalid cref URI: {position}nd path segment must be uuid, but got '{ident}'"
        ) from None
    return cls or None, str(parsed)


_LOCAL = "weaviate://localhost/"


def split_stored(text: str) -> tuple[str | None, str]:
    """(class or None, uuid) of a beacon as the store holds it (checked and canonical when written): a
    split, without parsing again, for filters and projection that read every beacon."""
    cls, _, ident = text[len(_LOCAL) :].rpartition("/")
    return cls or None, ident


def _one(item: Any) -> str:
    if isinstance(item, uuidlib.UUID):
        return beacon(None, str(item))
    if isinstance(item, dict):
        keys = set(item) - {"href"}  # Weaviate drops href and reads beacon only
        if keys != {"beacon"} or not isinstance(item["beacon"], str):
            raise ValueProblem(f"a reference holds exactly one field, 'beacon' (text), got {show(item)}")
        item = item["beacon"]
    if not isinstance(item, str):
        raise ValueProblem(f"a reference is a beacon, a uuid or {{'beacon': ...}}, got {type(item).__name__}")
    if item.startswith("weaviate://"):
        cls, ident = parse_beacon(item)
        return beacon(cls, ident)
    try:
        return beacon(None, str(uuidlib.UUID(item)))
    except ValueError:
        raise ValueProblem(f"'{item}' is neither a beacon nor a uuid") from None


def normalize_references(value: Any) -> list[str]:
    """The stored form of a reference value: beacons in order; one reference may be given alone."""
    if isinstance(value, str | dict | uuidlib.UUID):
        value = [value]
    if not isinstance(value, list | tuple):
        raise ValueProblem(f"a reference property takes a list of references, got {type(value).__name__}")
    out = []
    for position, item in enumerate(value):
        try:
            out.append(_one(item))
        except ValueProblem as exc:
            raise ValueProblem(f"reference {position}: {exc}") from None
    return out


def as_json(beacons: list[str]) -> list[dict]:
    """Beacons as Weaviate's REST shows a reference property: [{"beacon", "href"}]."""
    out = []
    for text in beacons:
        cls, ident = parse_beacon(text)
        href = f"/v1/objects/{cls}/{ident}" if cls else f"/v1/objects/{ident}"
        out.append({"beacon": text, "href": href})
    return out


# --- writes -----------------------------------------------------------------------------------------


def check_write(collection: Any, name: str, beacons: list[str], kept: list[str] | None) -> list[str]:
    """The beacons a write stores: the class filled in for a single target, the class one of the
    targets, and each referenced object existing now (beacons the object already held stay as they are)."""
    targets = collection._props[name]["dataType"]
    peers = collection._peers
    out = []
    for text in beacons:
        if kept and text in kept:
            out.append(text)
            continue
        cls, ident = parse_beacon(text)
        if cls is None and len(targets) == 1:
            cls = targets[0]
        if cls is not None and cls not in targets:
            raise ValueProblem(
                f"class '{cls}' is not a target of this reference (dataType {targets}): point at "
                + " or ".join(targets)
            )
        classes = [cls] if cls is not None else targets
        if "multiTenancyConfig" not in collection.definition and all(
            (peer := peers(c)) is not None and "multiTenancyConfig" in peer.definition for c in classes
        ):  # Weaviate's validateReferenceMultiTenancy: such a reference never finds its object
            raise ValueProblem(
                "invalid reference: cannot reference a multi-tenant enabled class from a non multi-tenant "
                "enabled class"
            )
        found = any(
            (peer := (collection if c == collection.name else peers(c))) is not None
            and peer.doc_id_of(ident) is not None
            for c in classes
        )
        if not found:
            raise ValueProblem(
                f"invalid cref: 'cref' {collection.name}:{name}: no object with id {ident} found"
            )
        out.append(beacon(cls, ident))
    return out


# --- the reference endpoints (add, replace, delete one property's references) -------------------------


def change_references(
    collection: Any, uuid: str, name: str, change: Callable[[list[str]], list[str]]
) -> None:
    """Rewrite the references of property `name` of object `uuid` as `change` makes them, in one logged
    update (new beacons checked as an insert checks them)."""
    from ..errors import ObjectError

    c = collection
    if name not in c._refs:
        what = "no such prop" if name not in c._props else "not a cross-reference property"
        raise ObjectError(
            f"property '{name}' of class '{c.name}': {what}",
            hint="references: " + (", ".join(sorted(c._refs)) or "(the class has none)"),
        )
    with c._guard.writing():
        doc = c.doc_id_of(uuid)
        if doc is None:
            raise ObjectError(f"no object with id '{uuid}' in class '{c.name}'")
        current = list((c.objects.props[doc] or {}).get(name) or [])
        changed = change(current)
        if changed != current:  # Weaviate writes nothing when a delete finds no equal beacon
            c.writer.update(uuid, {name: changed}, None, False)


def given_beacons(collection: Any, name: str, refs: Any) -> list[str]:
    """References given to an endpoint, in the stored form (the class filled in for a single target)."""
    from ..errors import ObjectError

    try:
        beacons = normalize_references(refs)
    except ValueProblem as exc:
        raise ObjectError(f"property '{name}': {exc}") from None
    targets = collection._props[name]["dataType"] if name in collection._refs else []
    out = []
    for text in beacons:
        cls, ident = parse_beacon(text)
        out.append(beacon(targets[0], ident) if cls is None and len(targets) == 1 else text)
    return out
