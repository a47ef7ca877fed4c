"""Checks a query case can state about its answer, each failing with a readable ranking diff."""

from __future__ import annotations

import json
import math
import operator
import re
from dataclasses import dataclass
from typing import Any

_METRIC_LINE = re.compile(r"^#\s*expect-([A-Za-z]+)@(\d+)\s*:?\s*(>=|<=|==|>|<)\s*([-+\d.eE]+)\s*$")
METRIC_KEY = re.compile(r"^expect-[A-Za-z]+@\d+$")
_CODE = re.compile(r"^[A-Z]\d{3}$")
_OPS = {">=": operator.ge, "<=": operator.le, "==": operator.eq, ">": operator.gt, "<": operator.lt}
METRICS = {"ndcg": "nDCG", "mrr": "RR", "rr": "RR", "recall": "R", "r": "R", "p": "P", "precision": "P"}


class CaseFailure(Exception):
    """A case's answer does not meet an expectation; str() is the whole readable report."""


@dataclass
class MetricCheck:
    metric: str  # as written: 'ndcg'
    cutoff: int
    op: str
    threshold: float

    @property
    def label(self) -> str:
        return f"{self.metric}@{self.cutoff} {self.op} {self.threshold}"


def metric_checks(head: str) -> list[MetricCheck]:
    """'# expect-ndcg@10 >= 0.6' lines (with or without a colon after the name)."""
    checks = []
    for line in head.splitlines():
        match = _METRIC_LINE.match(line.strip())
        if match and match.group(1).lower() in METRICS:
            name, cutoff, op, value = match.groups()
            checks.append(MetricCheck(name.lower(), int(cutoff), op, float(value)))
    return checks


def result_rows(answer: dict[str, Any], key: str | None) -> tuple[str, list[dict[str, Any]]]:
    """The Get field a case checks: the one named by '# result:', else the first."""
    fields = (answer.get("data") or {}).get("Get") or {}
    if key is not None:
        if key not in fields:
            raise CaseFailure(f"the answer has no Get field '{key}' (fields: {', '.join(fields) or 'none'})")
        return key, fields[key] or []
    for name, rows in fields.items():
        return name, rows or []
    return "", []


def row_id(row: dict[str, Any], id_property: str | None) -> str:
    """How a case names a result object: the id property, else _additional.id, docId, id, or the first value."""
    additional = row.get("_additional") or {}
    for candidate in (
        row.get(id_property) if id_property else None,
        additional.get("id") if not id_property else None,
        row.get("docId"),
        row.get("id"),
    ):
        if candidate is not None:
            return str(candidate)
    for key, value in row.items():
        if key != "_additional" and value is not None:
            return str(value)
    return json.dumps(row, sort_keys=True, default=str)[:40]


def ranking(answer: dict[str, Any], key: str | None, id_property: str | None) -> list[str]:
    return [row_id(row, id_property) for row in result_rows(answer, key)[1]]


def check_ids_in_top(spec: str, ids: list[str]) -> str | None:
    """'3 = id1, id2': every listed id is among the first 3."""
    count_text, sep, names = spec.partition("=")
    if not sep or not count_text.strip().isdigit():
        return f"expect-ids-in-top: write it as 'N = id1, id2', got {spec!r}"
    top = int(count_text)
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    missing = [w for w in wanted if w not in ids[:top]]
    if not missing:
        return None
    lines = [f"expect-ids-in-top: {', '.join(missing)} not in the top {top}"]
    for name in missing:
        where = f"at position {ids.index(name) + 1}" if name in ids else "not in the results"
        lines.append(f"  {name}: {where}")
    lines.append(ranking_table(wanted, ids[: max(top, len(wanted))], "expected in top", "got"))
    return "\n".join(lines)


def check_order(spec: str, ids: list[str]) -> str | None:
    """'a > b > c': each id ranks before the next."""
    chain = [part.strip() for part in spec.split(">") if part.strip()]
    if len(chain) < 2:
        return f"expect-order: write it as 'idA > idB', got {spec!r}"
    problems = [f"  {name}: not in the results" for name in chain if name not in ids]
    if problems:
        return "expect-order: " + spec + "\n" + "\n".join(problems) + "\n" + ranking_table([], ids, "", "got")
    for before, after in zip(chain, chain[1:], strict=False):
        if ids.index(before) > ids.index(after):
            return (
                f"expect-order: {before} should rank above {after}, but {before} is at "
                f"{ids.index(before) + 1} and {after} at {ids.index(after) + 1}\n"
                + ranking_table([], ids, "", "got")
            )
    return None


def check_error(spec: str, answer: dict[str, Any]) -> str | None:
    """'Q201' matches an error code; any other text must appear in an error message."""
    errors = answer.get("errors") or []
    for entry in errors:
        code = (entry.get("extensions") or {}).get("code")
        if (_CODE.match(spec) and code == spec) or (
            not _CODE.match(spec) and spec in entry.get("message", "")
        ):
            return None
    if not errors:
        return f"expect-error: {spec}, but the query succeeded"
    seen = "\n".join(f"  [{(e.get('extensions') or {}).get('code')}] {e.get('message')}" for e in errors)
    return f"expect-error: {spec}, but the errors were:\n{seen}"


def ranking_table(
    expected: list[str],
    got: list[str],
    left: str = "expected",
    right: str = "got",
    grades: dict[str, int] | None = None,
) -> str:
    """Positions side by side, marking the rows that differ; with grades, each got id's judgement too."""
    width = max([len(left), *(len(e) for e in expected)], default=8)
    got_width = max([len(right), *(len(g) for g in got)])
    head = f"  pos  {left.ljust(width)}    {right}"
    lines = [f"{head.ljust(13 + width + got_width)}  grade" if grades is not None else head]
    for i in range(max(len(expected), len(got))):
        exp = expected[i] if i < len(expected) else ""
        act = got[i] if i < len(got) else "(none)"
        mark = "  " if not expected or exp == act else "≠ "
        line = f"  {i + 1:>3}  {exp.ljust(width)}  {mark}{act}"
        if grades is not None:
            grade = grades.get(act)
            line = f"{line.ljust(13 + width + got_width)}  {'-' if grade is None else grade}"
        lines.append(line)
    return "\n".join(lines)


def close(a: Any, b: Any) -> bool:
    """Equal, with numbers (and numeric strings, as Weaviate's scores are) compared to 1e-4 relative."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True))
    num_a, num_b = _number(a), _number(b)
    if num_a is not None and num_b is not None and type(a) is type(b):
        return math.isclose(num_a, num_b, rel_tol=1e-4, abs_tol=1e-5)
    return a == b


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", value):
        return float(value)
    return None


def golden_diff(expected: dict[str, Any], got: dict[str, Any], id_property: str | None) -> str | None:
    """None when the answers agree; else a ranking diff per Get field and the values that differ."""
    if close(expected, got):
        return None
    lines: list[str] = []
    if bool(expected.get("errors")) != bool(got.get("errors")) or not close(
        expected.get("errors"), got.get("errors")
    ):
        lines.append("errors differ:")
        lines.append("  expected: " + json.dumps(expected.get("errors"), default=str))
        lines.append("  got:      " + json.dumps(got.get("errors"), default=str))
    exp_fields = (expected.get("data") or {}).get("Get") or {}
    got_fields = (got.get("data") or {}).get("Get") or {}
    for key in list(dict.fromkeys([*exp_fields, *got_fields])):
        exp_rows, got_rows = exp_fields.get(key) or [], got_fields.get(key) or []
        if close(exp_rows, got_rows):
            continue
        exp_ids = [row_id(r, id_property) for r in exp_rows]
        got_ids = [row_id(r, id_property) for r in got_rows]
        if exp_ids != got_ids:
            lines.append(f"{key}: the ranking differs ({len(exp_ids)} expected, {len(got_ids)} got)")
            lines.append(ranking_table(exp_ids, got_ids))
        for position, (exp, act) in enumerate(zip(exp_rows, got_rows, strict=False), start=1):
            if exp_ids[position - 1] == got_ids[position - 1] and not close(exp, act):
                for field, (a, b) in _value_changes(exp, act).items():
                    lines.append(f"{key}[{position}].{field}: expected {a!r}, got {b!r}")
    return "\n".join(lines) or "the answers differ"


def _value_changes(expected: Any, got: Any, path: str = "") -> dict[str, tuple[Any, Any]]:
    if isinstance(expected, dict) and isinstance(got, dict):
        out: dict[str, tuple[Any, Any]] = {}
        for key in dict.fromkeys([*expected, *got]):
            sub = f"{path}.{key}" if path else key
            out.update(_value_changes(expected.get(key), got.get(key), sub))
        return out
    if isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got):
        out = {}
        for i, (a, b) in enumerate(zip(expected, got, strict=True)):
            out.update(_value_changes(a, b, f"{path}[{i}]"))
        return out
    return {} if close(expected, got) else {path or "value": (expected, got)}
