"""Binding where filters, sort, groupBy and rerank(...) arguments, with Weaviate's messages."""

from __future__ import annotations

from datetime import datetime

from . import ast
from .arguments import GROUP_BY_FIELDS, SORT_FIELDS, WHERE_FIELDS, WHERE_VALUE_FIELDS
from .keyword_args import KeywordReader
from .syntax import Value

OPERATORS = ast.LOGICAL_OPERATORS + ast.COMPARE_OPERATORS
_LIST_OPERATORS = ("ContainsAny", "ContainsAll", "ContainsNone")
_WHERE = "invalid 'where' filter: "


class ClauseReader(KeywordReader):
    """where, sort, groupBy and rerank arguments."""

    def where(self, value: Value, depth: int = 0) -> ast.Where | None:
        fields = self.read_object(value, "WhereInpObj", WHERE_FIELDS, 'Argument "where"')
        if fields is None:
            return None
        if "valueGeoRange" in fields:
            self.unsupported(fields["valueGeoRange"], "where")
            return None
        if "operator" not in fields:
            self.error(
                "Q208", _WHERE + "operator is required", value, "add operator: Equal (or And, Or, Not, ...)"
            )
            return None
        operator = self.read_enum(
            fields["operator"].value, "WhereOperatorEnum", OPERATORS, 'Argument "where" field "operator"'
        )
        if operator is None:
            return None
        values = sorted(
            (name for name in WHERE_VALUE_FIELDS if name in fields), key=lambda n: fields[n].start
        )
        if operator in ast.LOGICAL_OPERATORS:
            return self.logical(value, operator, fields, values, depth)
        if "operands" in fields:
            self.error(
                "Q208",
                _WHERE + f"operator '{operator}' does not take operands",
                fields["operands"],
                "combine filters with operator: And, Or or Not and put them in operands",
            )
            return None
        path = self.where_path(value, fields)
        if path is None:
            return None
        if not values:
            self.error(
                "Q208",
                _WHERE
                + f"operator '{operator}' needs a value: valueText, valueInt, valueNumber, valueBoolean or valueDate",
                value,
            )
            return None
        if len(values) > 1:
            self.error(
                "Q208",
                _WHERE + f"a filter takes one value field, found {' and '.join(values)}",
                fields[values[1]],
            )
            return None
        field_name = values[0]
        value_type = "valueText" if field_name == "valueString" else field_name
        if operator == "IsNull" and value_type != "valueBoolean":
            self.error(
                "Q208",
                _WHERE + f"operator IsNull requires a booleanValue, got {value_type} instead",
                fields[field_name],
                "write valueBoolean: true (is null) or false (is not null)",
            )
            return None
        if operator == "Like" and value_type != "valueText":
            self.error(
                "Q208", _WHERE + f"operator Like needs valueText, got {value_type}", fields[field_name]
            )
            return None
        typed = self.where_value(fields[field_name].value, value_type, operator)
        if typed is None:
            return None
        return ast.Where(operator=operator, path=path, value_type=value_type, value=typed, span=value.span)

    def logical(
        self, value: Value, operator: str, fields: dict, values: list[str], depth: int
    ) -> ast.Where | None:
        if "path" in fields:
            self.error(
                "Q208",
                _WHERE
                + f"operator '{operator}' not compatible with field 'path', remove 'path' or switch to "
                "compare operator (eg. Equal, NotEqual, etc.)",
                fields["path"],
            )
            return None
        if values:
            self.error(
                "Q208",
                _WHERE
                + f"operator '{operator}' not compatible with field '{values[0]}', remove value field or "
                "switch to compare operator (eg. Equal, NotEqual, etc.)",
                fields[values[0]],
            )
            return None
        items = (
            self.read_list(fields["operands"].value, "WhereInpObj", 'Argument "where" field "operands"')
            if "operands" in fields
            else []
        )
        if items is None:
            return None
        if not items:
            self.error(
                "Q208",
                _WHERE + f"operator '{operator}', but no operands set - add at least one operand",
                value,
            )
            return None
        if operator == "Not" and len(items) != 1:
            self.error(
                "Q208",
                _WHERE + "operator 'Not' takes exactly one operand",
                fields["operands"],
                "wrap several in And or Or",
            )
            return None
        operands = [self.where(item, depth + 1) for item in items]
        if any(op is None for op in operands):
            return None
        return ast.Where(operator=operator, operands=operands, span=value.span)

    def where_path(self, value: Value, fields: dict) -> list[str] | None:
        if "path" not in fields:
            self.error(
                "Q208",
                _WHERE + "field 'path': must have at least one element",
                value,
                'add path: ["property"]',
            )
            return None
        path = self.read_strings(fields["path"].value, 'Argument "where" field "path"')
        if path is not None and not path:
            self.error("Q208", _WHERE + "field 'path': must have at least one element", fields["path"].value)
            return None
        return path

    def where_value(self, value: Value, value_type: str, operator: str):
        where = f'Argument "where" field "{value_type}"'
        reader = {
            "valueText": self.read_string,
            "valueInt": self.read_int,
            "valueNumber": self.read_float,
            "valueBoolean": self.read_bool,
            "valueDate": self.read_date,
        }[value_type]
        item_type = {"valueInt": "Int", "valueNumber": "Float", "valueBoolean": "Boolean"}.get(
            value_type, "String"
        )
        v = self.deref(value, item_type) if value.kind == "variable" else value
        if v is None:
            self.error("Q208", _WHERE + f"operator '{operator}' needs a value", value)
            return None
        if v.kind == "list":
            if operator not in _LIST_OPERATORS:
                self.error(
                    "Q208",
                    _WHERE + f"operator '{operator}' takes a single value, got a list",
                    v,
                    "use ContainsAny, ContainsAll or ContainsNone to match several values",
                )
                return None
            if not v.value:
                self.error("Q208", _WHERE + f"operator '{operator}' needs at least one value", v)
                return None
            items = [reader(item, where) for item in v.value]
            return None if any(i is None for i in items) else items
        one = reader(v, where)
        if one is None:
            return None
        return [one] if operator in _LIST_OPERATORS else one

    def read_date(self, value: Value, where: str) -> str | None:
        text = self.read_string(value, where)
        if text is None:
            return None
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            parsed = None
        if parsed is None or "T" not in text.upper() or parsed.tzinfo is None:
            self.error(
                "Q207",
                f'{where}: "{text}" is not an RFC3339 date',
                value,
                'write a date such as "2021-01-01T00:00:00Z"',
            )
            return None
        return text

    def sort(self, value: Value) -> list[ast.SortKey] | None:
        items = self.read_list(value, "SortInpObj", 'Argument "sort"')
        if items is None:
            return None
        keys = []
        for position, item in enumerate(items):
            prefix = f"invalid 'sort' parameter: sort parameter at position {position}: "
            fields = self.read_object(item, "SortInpObj", SORT_FIELDS, 'Argument "sort"')
            if fields is None:
                return None
            path = (
                self.read_strings(fields["path"].value, 'Argument "sort" field "path"')
                if "path" in fields
                else []
            )
            if path is None:
                return None
            if not path:
                self.error("Q209", prefix + "path parameter cannot be empty", item, 'add path: ["property"]')
                return None
            if len(path) > 1:
                self.error(
                    "Q209",
                    prefix + "sorting by reference not supported, path must have exactly one argument",
                    fields["path"],
                )
                return None
            order = "asc"
            if "order" in fields:
                got = self.read_enum(
                    fields["order"].value, "SortOrderEnum", ("asc", "desc"), 'Argument "sort" field "order"'
                )
                if got is None:
                    return None
                order = got
            keys.append(ast.SortKey(path=path, order=order, span=item.span))
        if not keys:
            self.error(
                "Q209",
                "invalid 'sort' parameter: give at least one sort key",
                value,
                'sort: {path: ["title"]}',
            )
            return None
        return keys

    def group_by(self, value: Value) -> ast.GroupBy | None:
        where = 'Argument "groupBy"'
        fields = self.read_object(value, "GroupByInpObj", GROUP_BY_FIELDS, where)
        if fields is None:
            return None
        missing = [name for name in GROUP_BY_FIELDS if name not in fields]
        if missing:
            self.error(
                "Q203",
                f'{where}: field "{missing[0]}" is required',
                value,
                'write groupBy: {path: ["property"], groups: 2, objectsPerGroup: 3}',
            )
            return None
        path = self.read_strings(fields["path"].value, f'{where} field "path"')
        groups = self.read_int(fields["groups"].value, f'{where} field "groups"')
        per_group = self.read_int(fields["objectsPerGroup"].value, f'{where} field "objectsPerGroup"')
        if path is None or groups is None or per_group is None:
            return None
        if len(path) != 1:
            self.error("Q207", "groupBy path must name exactly one property", fields["path"].value)
            return None
        for name, number in (("groups", groups), ("objectsPerGroup", per_group)):
            if number < 1:
                self.error("Q207", f"groupBy {name} must be at least 1, got {number}", fields[name].value)
                return None
        return ast.GroupBy(path=path, groups=groups, objects_per_group=per_group, span=value.span)
