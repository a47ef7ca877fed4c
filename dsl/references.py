"""Cross-references in the language: binding `prop { ... on Class { ... } }`, and checking reference
selections and reference paths in `where` against the whole schema (Weaviate's local/get reference
fields and entities/filters' path rules)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from . import ast
from .context import BindContext
from .diagnostics import Diagnostic, suggestion
from .schema import ClassSchema, PropertySchema, Schema
from .syntax import Field, FragmentSpread, Selection

_WHERE = "invalid 'where' filter: "
_COUNT_OPERATORS = ("Equal", "NotEqual", "GreaterThan", "GreaterThanEqual", "LessThan", "LessThanEqual")
SelectionBinder = Callable[[BindContext, list[Selection], str], list[ast.SelectionItem]]


def union_name(cls: str, prop: str) -> str:
    """The GraphQL union type Weaviate names for a reference property: Article + inCity -> ArticleInCityObj."""
    return f"{cls}{prop[:1].upper()}{prop[1:]}Obj"


def beacon(class_name: str | None, uuid: str) -> str:
    """`weaviate://localhost/City/<uuid>`, or the legacy form without a class."""
    return f"weaviate://localhost/{class_name}/{uuid}" if class_name else f"weaviate://localhost/{uuid}"


# --- binding ----------------------------------------------------------------------------------------


def reference_field(
    ctx: BindContext, field: Field, cls: str, bind_selection: SelectionBinder
) -> ast.ReferenceField | None:
    """A property with a selection: each entry must be an inline fragment `... on Class { ... }`."""
    name = field.name.value
    owner = union_name(cls, name)
    if field.arguments:
        ctx.error("Q210", f'field "{name}" on "{cls}" takes no arguments', field.arguments[0])
    fragments: list[ast.ReferenceFragment] = []
    plain: list[ast.PropertyField] = []
    for sel in field.selections or []:
        if isinstance(sel, Field):
            plain.append(ast.PropertyField(name=sel.name.value, span=sel.span))  # validation says why
            continue
        if not isinstance(sel, FragmentSpread):
            continue
        if sel.type_condition is None:
            hint = "name the class: ... on City { name }"
            what = "named fragments are not supported" if sel.name is not None else "a fragment needs a type"
            ctx.error("Q104", f"{what} in the selection of {owner}", sel, hint)
            continue
        target = sel.type_condition.value
        inner = bind_selection(ctx, sel.selections or [], target)
        fragments.append(ast.ReferenceFragment(class_name=target, selection=inner, span=sel.span))
    if not fragments and not plain:
        return None
    ref = ast.ReferenceField(
        name=name,
        fragments=fragments,
        alias=field.alias.value if field.alias is not None else None,
        span=field.span,
    )
    ref.plain_fields.extend(plain)
    return ref


def describe_reference(field: ast.ReferenceField) -> str:
    """A reference field as the plan shows it: `inCity->City(name, _additional.id)`."""
    parts = []
    for fragment in field.fragments:
        inner: list[str] = []
        for item in fragment.selection:
            if isinstance(item, ast.PropertyField):
                inner.append(item.key)
            elif isinstance(item, ast.ReferenceField):
                inner.append(describe_reference(item))
            else:
                inner.extend(f"_additional.{i.key}" for i in item.items)
        parts.append(f"{fragment.class_name}({', '.join(inner)})")
    return f"{field.key}->" + "|".join(parts)


def resolution_paths(items: list[ast.SelectionItem], prefix: str = "") -> list[str]:
    """Every reference a selection resolves, as a path: livesIn->City, livesIn->City.inCountry->Country."""
    out: list[str] = []
    for item in items:
        if isinstance(item, ast.ReferenceField):
            for fragment in item.fragments:
                path = f"{prefix}{item.name}->{fragment.class_name}"
                out.append(path)
                out.extend(resolution_paths(fragment.selection, path + "."))
    return out


# --- validation -------------------------------------------------------------------------------------


def _diag(code: str, message: str, node: object, hint: str | None = None) -> Diagnostic:
    return Diagnostic(code, message, getattr(node, "span", None), hint)


def reference_selections(
    items: list[ast.SelectionItem], cls: ClassSchema, schema: Schema, nested: bool = False
) -> Iterator[Diagnostic]:
    """Reference fields name reference properties and their target classes; inside a fragment the
    properties exist on the target and _additional holds what a resolved reference carries."""
    for item in items:
        if isinstance(item, ast.PropertyField):
            prop = cls.property(item.name)
            if nested and prop is None:
                hint = suggestion(item.name, cls.property_names)
                yield _diag("Q602", f'Cannot query field "{item.name}" on type "{cls.name}".', item, hint)
            elif prop is not None and prop.is_reference and item.fields:
                # `livesIn { name }`: plain fields where an inline fragment must name the target class
                for plain in item.fields:
                    yield _plain_field_diag(plain, cls, item.name, prop)
            elif prop is not None and prop.is_reference:
                yield _diag(
                    "Q503",
                    f'Field "{item.name}" of type "[{union_name(cls.name, item.name)}]" must have a sub '
                    "selection.",
                    item,
                    f"select through the target class: {item.name} {{ ... on {prop.targets[0]} {{ ... }} }}",
                )
        elif isinstance(item, ast.AdditionalSelection):
            if nested:
                yield from _reference_additional(item, cls)
        else:
            yield from _reference_field(item, cls, schema)


def _plain_field_diag(
    plain: ast.PropertyField, cls: ClassSchema, name: str, prop: PropertySchema
) -> Diagnostic:
    return _diag(
        "Q506",
        f'Cannot query field "{plain.name}" on type "{union_name(cls.name, name)}". Did you mean to use an '
        f'inline fragment on "{prop.targets[0]}"?',
        plain,
        f"select through the target class: {name} {{ ... on {prop.targets[0]} {{ {plain.name} }} }}",
    )


def _reference_field(field: ast.ReferenceField, cls: ClassSchema, schema: Schema) -> Iterator[Diagnostic]:
    prop = cls.property(field.name)
    if prop is None:
        hint = suggestion(field.name, cls.property_names)
        yield _diag("Q602", f'Cannot query field "{field.name}" on type "{cls.name}".', field, hint)
        return
    if not prop.is_reference:
        yield _diag(
            "Q504",
            f'Field "{field.name}" must not have a selection since type "{prop.data_type}" has no subfields.',
            field,
            "remove the { ... } after it: only cross-reference properties take a selection",
        )
        return
    owner = union_name(cls.name, field.name)
    for plain in field.plain_fields:
        yield _plain_field_diag(plain, cls, field.name, prop)
    for fragment in field.fragments:
        target = schema.get(fragment.class_name)
        if fragment.class_name not in prop.targets or target is None:
            known = fragment.class_name in schema.class_names
            message = (
                f'Fragment cannot be spread here as objects of type "{owner}" can never be of type '
                f'"{fragment.class_name}".'
                if known
                else f'Unknown type "{fragment.class_name}".'
            )
            hint = suggestion(fragment.class_name, prop.targets) or "targets: " + ", ".join(prop.targets)
            yield _diag("Q630", message, fragment, hint)
            continue
        yield from reference_selections(fragment.selection, target, schema, nested=True)


def _reference_additional(extra: ast.AdditionalSelection, cls: ClassSchema) -> Iterator[Diagnostic]:
    for item in extra.items:
        name = item.name if isinstance(item, ast.AdditionalScalar) else item.key
        if not isinstance(item, ast.AdditionalScalar) or item.name not in ast.REFERENCE_ADDITIONAL:
            yield _diag(
                "Q630",
                f'"_additional {{ {name} }}" is not available on a cross-reference of class "{cls.name}"',
                item,
                "a resolved reference carries: " + ", ".join(ast.REFERENCE_ADDITIONAL),
            )


# --- where ------------------------------------------------------------------------------------------


def is_reference_path(where: ast.Where, cls: ClassSchema) -> bool:
    """Whether a where leaf goes through a reference, or counts one (path of one reference property)."""
    path = where.path or []
    if len(path) > 1:
        return True
    prop = cls.property(path[0]) if path else None
    return prop is not None and prop.is_reference


def reference_where(
    where: ast.Where, cls: ClassSchema, schema: Schema
) -> tuple[ClassSchema, ast.Where] | list[Diagnostic]:
    """The class and the leaf a reference path ends at (["inCity", "City", "name"] -> City, name), or
    the diagnostics of a path that does not fit the schema."""
    path = list(where.path or [])
    if len(path) % 2 != 1:
        return [
            _diag(
                "Q631",
                _WHERE + f"path {path} must have an odd number of segments",
                where,
                'write [<reference property>, <Class>, <property>], e.g. ["inCity", "City", "name"]',
            )
        ]
    current = cls
    while len(path) > 1:
        name, target_name = path[0], path[1]
        prop = current.property(name)
        if prop is None or not prop.is_reference:
            what = "no such prop" if prop is None else "not a cross-reference property"
            message = (
                f"no such prop with name '{name}' found in class '{current.name}' in the schema. "
                "Check your schema files for which properties in this class are available"
                if prop is None
                else f"property '{name}' of class '{current.name}' is {prop.data_type}, {what}"
            )
            hint = (
                suggestion(name, current.property_names) if prop is None else "a path goes through references"
            )
            return [_diag("Q631", _WHERE + message, where, hint)]
        target = schema.get(target_name)
        if target is None:
            hint = suggestion(target_name, prop.targets) or "targets: " + ", ".join(prop.targets)
            return [_diag("Q631", _WHERE + f'class "{target_name}" does not exist in schema', where, hint)]
        if target_name not in prop.targets:
            return [
                _diag(
                    "Q631",
                    _WHERE + f"property '{name}' of class '{current.name}' does not point at class "
                    f"'{target_name}'",
                    where,
                    "targets: " + ", ".join(prop.targets),
                )
            ]
        current, path = target, path[2:]
    return current, where.model_copy(update={"path": path})


def count_leaf(where: ast.Where, prop_name: str, cls: ClassSchema) -> Iterator[Diagnostic]:
    """A where leaf directly on a reference property counts its references: valueInt only."""
    prop = cls.property(prop_name)
    targets = prop.targets if prop is not None else []
    if where.value_type != "valueInt":
        yield _diag(
            "Q631",
            _WHERE + f'Property "{prop_name}" is a ref prop to the class "{targets[0] if targets else "?"}". '
            'Only "valueInt" can be used on a ref prop directly to count the number of refs. Or did you '
            "mean to filter on a primitive prop of the referenced class? In this case make sure your path "
            "contains 3 elements in the form of [<propName>, <ClassNameOfReferencedClass>, "
            "<primitvePropOnClass>]",
            where,
            f'count with valueInt, or filter through it: path: ["{prop_name}", "{targets[0] if targets else "Class"}", "<property>"]',
        )
    elif where.operator not in _COUNT_OPERATORS:
        yield _diag(
            "Q631",
            _WHERE + f"operator {where.operator} cannot count references; use " + ", ".join(_COUNT_OPERATORS),
            where,
        )
    elif isinstance(where.value, int) and where.value < 0:
        yield _diag("Q631", _WHERE + f"a reference count cannot be compared with {where.value}", where)


LeafCheck = Callable[[ast.Where, ClassSchema], Iterator[Diagnostic]]


def reference_filters(
    get: ast.GetQuery | ast.AggregateQuery, cls: ClassSchema, schema: Schema, check_leaf: LeafCheck
) -> Iterator[Diagnostic]:
    """Every where leaf that goes through a reference or counts one; the leaf a path ends at is checked
    on its class by `check_leaf` (the rules of a plain leaf)."""
    stack = [get.where] if get.where is not None else []
    while stack:
        node = stack.pop()
        if node.operator in ast.LOGICAL_OPERATORS:
            stack.extend(reversed(node.operands))
        elif node.path and is_reference_path(node, cls):
            yield from _reference_leaf(node, cls, schema, check_leaf)


def _reference_leaf(
    node: ast.Where, cls: ClassSchema, schema: Schema, check_leaf: LeafCheck
) -> Iterator[Diagnostic]:
    path = node.path or []
    if len(path) == 1:
        yield from count_leaf(node, path[0], cls)
        return
    found = reference_where(node, cls, schema)
    if isinstance(found, list):
        yield from found
        return
    target, inner = found
    if is_reference_path(inner, target):
        yield from _reference_leaf(inner, target, schema, check_leaf)
    else:
        yield from check_leaf(inner, target)
