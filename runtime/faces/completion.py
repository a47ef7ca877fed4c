"""Schema-aware completion for the REPL: what may be typed at the cursor of a partial Get query."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, get_args

from rankql.dsl import arguments as args
from rankql.dsl.aggregate_args import AGGREGATE_ARGS
from rankql.dsl.ast import (
    ADDITIONAL_SCALARS,
    AGGREGATIONS,
    COMPARE_OPERATORS,
    LOGICAL_OPERATORS,
    REFERENCE_ADDITIONAL,
    RERANK_FIELDS,
    TARGET_COMBINATIONS,
    TOP_OCCURRENCES_FIELDS,
    FusionType,
    OnError,
    SortOrder,
)
from rankql.dsl.binder import CLASS_ARGS
from rankql.dsl.schema import ClassSchema, Schema
from rankql.dsl.selection import GROUP_FIELDS
from rankql.dsl.target_args import TARGETS_FIELDS

# Everything below comes from the front end's own tables, so completion cannot drift from the binder.
CLASS_ARGUMENTS = CLASS_ARGS
# Fields of the input objects an argument takes, keyed by the argument (or field) that opens them.
OBJECT_FIELDS: dict[str, tuple[str, ...]] = {
    "nearText": args.NEAR_TEXT_FIELDS,
    "moveTo": args.MOVE_FIELDS,
    "moveAwayFrom": args.MOVE_FIELDS,
    "objects": args.MOVE_OBJECT_FIELDS,
    "nearVector": args.NEAR_VECTOR_FIELDS,
    "nearObject": args.NEAR_OBJECT_FIELDS,
    "bm25": args.BM25_FIELDS,
    "hybrid": args.HYBRID_FIELDS,
    "where": args.WHERE_FIELDS,
    "operands": args.WHERE_FIELDS,
    "sort": args.SORT_FIELDS,
    "groupBy": args.GROUP_BY_FIELDS,
    "targets": TARGETS_FIELDS,
    "searches": ("nearText", "nearVector"),
    "valueGeoRange": ("geoCoordinates", "distance"),
    "geoCoordinates": ("latitude", "longitude"),
    "distance": ("max",),
}
RERANK_ARGUMENTS = args.RERANK_ARGS
OPERATORS = LOGICAL_OPERATORS + COMPARE_OPERATORS
ENUM_VALUES: dict[str, tuple[str, ...]] = {
    "fusionType": get_args(FusionType),
    "operator": OPERATORS,
    "order": get_args(SortOrder),
    "onError": get_args(OnError),
    "valueBoolean": ("true", "false"),
    "combinationMethod": TARGET_COMBINATIONS,
}
DOT_COMMANDS = (
    ".explain",
    ".schema",
    ".collections",
    ".load",
    ".vars",
    ".timing",
    ".format",
    ".help",
    ".quit",
)

FRAGMENT = "... on"  # the owner of a `... on Class { }` frame inside a cross-reference
_FRAGMENT_AT_END = re.compile(r"\.\.\.\s*on\s+$")
_TOKEN = re.compile(r'"""[\s\S]*?(?:"""|$)|"(?:\\.|[^"\\\n])*"?|#[^\n]*|[A-Za-z_]\w*|[{}()\[\]:]|\S', re.M)
_WORD_AT_END = re.compile(r"[A-Za-z_]\w*$")


@dataclass
class Frame:
    """An open bracket: its kind, the name written before it, and whether it holds input values."""

    bracket: str
    owner: str | None
    class_name: str | None = None
    is_input: bool = False


@dataclass
class Suggestion:
    """What completion offers: the word being typed and the candidates that may replace it."""

    prefix: str
    candidates: list[str] = field(default_factory=list)


def _scan(text: str) -> tuple[list[Frame], str | None, bool]:
    """Open brackets at the end of text, the argument name awaiting a value, and whether in a string."""
    stack: list[Frame] = []
    last_name: str | None = None
    pending_key: str | None = None  # 'name:' seen, its value not started
    recent: list[str] = []  # the last tokens, to see '... on Class {'
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        recent = [*recent[-5:], token]
        top = stack[-1] if stack else None
        if token.startswith("#"):
            continue
        if token.startswith('"'):
            if token.startswith('"""'):
                if len(token) < 6 or not token.endswith('"""'):
                    return stack, pending_key, True
            elif len(token) < 2 or not token.endswith('"'):
                return stack, pending_key, True
            pending_key = None
            continue
        if token in "{([":
            is_input = token in "([" or pending_key is not None or bool(top and top.is_input)
            owner = pending_key or last_name
            if owner is None and top is not None and top.bracket == "[":
                owner = top.owner  # objects inside a list belong to the list's argument
            cls = top.class_name if top else None
            if top is not None and top.owner in ("Get", "Aggregate") and not top.is_input:
                cls = last_name
            if recent[:4] == [".", ".", ".", "on"] and token == "{":  # a cross-reference's fragment
                owner, cls = FRAGMENT, last_name
            stack.append(Frame(token, owner, cls, is_input))
            pending_key = last_name = None
        elif token in "})]":
            closed = stack.pop() if stack else None
            pending_key = None
            # 'Class(...) {' and 'rerank(...) {': the selection belongs to the field whose arguments closed
            last_name = closed.owner if closed is not None and token == ")" else None
        elif token == ":":
            pending_key = last_name
            last_name = None
        elif token[0].isalpha() or token[0] == "_":
            if pending_key is not None and top is not None and not top.is_input:
                last_name, pending_key = token, None  # 'alias: Field'
            elif pending_key is not None:
                last_name = pending_key = None  # an enum value or name written as a value
            else:
                last_name = token
        else:
            pending_key = None
            last_name = None
    return stack, pending_key, False


def suggest(text: str, schema: Schema | None) -> Suggestion:
    """Candidates for the word at the end of text (the text before the cursor)."""
    match = _WORD_AT_END.search(text)
    prefix = match.group(0) if match else ""
    head = text[: len(text) - len(prefix)]
    if not text.strip():
        return Suggestion("", [])
    stack, key, in_string = _scan(head)
    schema = schema or Schema()
    if in_string:
        names = _names_in_string(stack, key, schema)
        return Suggestion(prefix, [n for n in names if n.lower().startswith(prefix.lower())])
    candidates = _candidates(stack, key, head, schema)
    return Suggestion(prefix, [c for c in candidates if c.lower().startswith(prefix.lower())])


# Arguments whose value is a list of property names: where/sort 'path', bm25/hybrid 'properties'.
PROPERTY_LISTS = ("path", "properties", "groupBy")  # groupBy: Aggregate's list of one property


def _property_names(frame: Frame | None, schema: Schema, text_only: bool = False) -> list[str]:
    cls = schema.get(frame.class_name) if frame and frame.class_name else None
    return [p.name for p in cls.properties if p.is_text or not text_only] if cls else []


def _names_in_string(stack: list[Frame], key: str | None, schema: Schema) -> list[str]:
    """Property names to finish a string the cursor is in: ["ti|"] in a path, property: "an|" in rerank."""
    frame = stack[-1] if stack else None
    if frame is not None and frame.bracket == "[" and frame.owner in PROPERTY_LISTS:
        return _property_names(frame, schema, text_only=frame.owner == "properties")
    if frame is not None and frame.bracket == "[" and frame.owner == "targetVectors":
        cls = schema.get(frame.class_name or "")
        return cls.vector_names if cls else []
    if key == "property" and frame is not None and frame.is_input:
        return _property_names(frame, schema, text_only=True)
    return []


def _value_candidates(key: str, frame: Frame | None, schema: Schema) -> list[str]:
    if key in ENUM_VALUES:
        return list(ENUM_VALUES[key])
    cls = schema.get(frame.class_name) if frame and frame.class_name else None
    if cls is None:
        return []
    if key in ("property",):
        return [f'"{p.name}"' for p in cls.properties if p.is_text]
    if key in ("path", "properties"):
        return [f'["{p.name}"]' for p in cls.properties]
    if key == "module":
        return [f'"{m}"' for m in cls.rerankers]
    if key == "targetVectors":
        return [f'["{n}"]' for n in cls.vector_names]
    return []


def _candidates(stack: list[Frame], key: str | None, head: str, schema: Schema) -> list[str]:
    frame = stack[-1] if stack else None
    if key is not None and frame is not None and frame.is_input:
        return _value_candidates(key, frame, schema)
    if frame is None:
        return [] if head.strip() else ["{", "query"]
    if frame.bracket == "[":
        if frame.owner == "targetVectors":
            cls = schema.get(frame.class_name or "")
            return [f'"{n}"' for n in cls.vector_names] if cls else []
        if frame.owner not in PROPERTY_LISTS:
            return []
        return [f'"{n}"' for n in _property_names(frame, schema, text_only=frame.owner == "properties")]
    owner = frame.owner
    if frame.bracket == "{":
        if len(stack) == 1:
            return ["Get", "Aggregate"]
        references = _reference_fields(stack, head, schema)
        if references is not None:
            return references
        if owner in ("Get", "Aggregate"):
            return list(schema.class_names)
        aggregate = _aggregate_fields(stack, schema)
        if aggregate is not None:
            return aggregate
        if owner == "_additional":
            cls = schema.get(frame.class_name or "")
            extra = list(ADDITIONAL_SCALARS) + ["group"]
            if cls is not None and cls.vector_names:
                extra.append("vectors")
            if cls is None or cls.rerankers:
                extra.append("rerank")
            return extra
        if owner == "rerank":
            return list(RERANK_FIELDS)
        if owner in ("vectors", "weights", "vectorPerTarget"):
            cls = schema.get(frame.class_name or "")
            return cls.vector_names if cls else []
        if owner == "group":
            return list(GROUP_FIELDS)
        if owner == "groupedBy":
            return ["path", "value"]
        if owner == "hits":
            cls = schema.get(frame.class_name or "")
            return ([p.name for p in cls.properties] if cls else []) + ["_additional"]
        if owner in OBJECT_FIELDS:
            return list(OBJECT_FIELDS[owner])
        if len(stack) >= 2 and stack[-2].owner == "Get":
            return _selection(schema.get(frame.class_name or owner or ""))
        return _property_fields(stack, schema)
    # '(' : arguments of a class field or of rerank
    if owner == "rerank":
        return list(RERANK_ARGUMENTS)
    if len(stack) >= 2 and stack[-2].owner == "Aggregate":
        return list(AGGREGATE_ARGS)
    if len(stack) >= 2 and stack[-2].owner == "Get":
        cls = schema.get(owner or "")
        if (
            cls is not None
            and not cls.has_text_vectorizer
            and not any(v.vectorizer != "none" for v in cls.named_vectors.values())
        ):
            return [a for a in CLASS_ARGUMENTS if a != "nearText"]
        return list(CLASS_ARGUMENTS)
    return []


def _aggregate_fields(stack: list, schema: Any) -> list[str] | None:
    """Inside an Aggregate class field: its fields, or the aggregations a property's data type offers."""
    if len(stack) >= 2 and stack[-2].owner == "Aggregate":
        cls = schema.get(stack[-1].class_name or stack[-1].owner or "")
        return ["meta", "groupedBy"] + ([p.name for p in cls.properties] if cls else [])
    if len(stack) >= 3 and stack[-3].owner == "Aggregate":
        owner = stack[-1].owner
        if owner == "meta":
            return ["count"]
        cls = schema.get(stack[-1].class_name or "")
        prop = cls.property(owner or "") if cls else None
        if prop is None:
            return None
        kind = prop.data_type.removesuffix("[]")
        return list(AGGREGATIONS.get("text" if kind in ("uuid", "blob") else kind, ()))
    if len(stack) >= 4 and stack[-4].owner == "Aggregate" and stack[-1].owner == "topOccurrences":
        return list(TOP_OCCURRENCES_FIELDS)
    return None


def _reference_fields(stack: list[Frame], head: str, schema: Schema) -> list[str] | None:
    """Inside a cross-reference: its fragments (`... on City`), then the target class's selection."""
    frame = stack[-1]
    if frame.owner == FRAGMENT:
        return _selection(schema.get(frame.class_name or ""))
    if frame.owner == "_additional" and len(stack) >= 2 and stack[-2].owner == FRAGMENT:
        return list(REFERENCE_ADDITIONAL)
    cls = schema.get(frame.class_name or "") if len(stack) >= 3 else None
    prop = cls.property(frame.owner or "") if cls is not None else None
    if prop is None or not prop.is_reference:
        return None
    if _FRAGMENT_AT_END.search(head):
        return list(prop.targets)
    return [f"... on {target}" for target in prop.targets]


def _property_fields(stack: list[Frame], schema: Schema) -> list[str]:
    """Inside `location { ` or `address { street { `: the fields of that geoCoordinates, phoneNumber or
    object property (followed down through nested objects)."""
    starts = [i for i, f in enumerate(stack[:-1]) if f.owner == "Get" and not f.is_input]
    if not starts or starts[-1] + 2 >= len(stack):
        return []
    cls = schema.get(stack[starts[-1] + 1].class_name or stack[starts[-1] + 1].owner or "")
    path = [f.owner or "" for f in stack[starts[-1] + 2 :]]
    prop = cls.property(path[0]) if cls is not None else None
    for name in path[1:]:
        prop = prop.nested_property(name) if prop is not None else None
    return list(prop.field_names()) if prop is not None else []


def _selection(cls: ClassSchema | None) -> list[str]:
    names = [p.name for p in cls.properties] if cls else []
    return names + ["_additional"]
