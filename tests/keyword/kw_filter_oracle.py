"""A plain-Python where-filter evaluator, one object at a time: the oracle for filters.evaluate."""

from __future__ import annotations

from datetime import UTC, datetime

from rankql.dsl import ast
from rankql.runtime.store.tokenizer import tokenize, tokenize_value, tokenize_with_wildcards


class OnlyStopwords(Exception):
    pass


def wildcard_match(pattern: str, text: str) -> bool:
    """'?' one character, '*' any run; everything else literal (dynamic programming)."""
    m, n = len(pattern), len(text)
    dp = [[False] * (n + 1) for _ in range(m + 1)]
    dp[0][0] = True
    for i in range(1, m + 1):
        dp[i][0] = dp[i - 1][0] and pattern[i - 1] == "*"
        for j in range(1, n + 1):
            p = pattern[i - 1]
            if p == "*":
                dp[i][j] = dp[i - 1][j] or dp[i][j - 1]
            else:
                dp[i][j] = dp[i - 1][j - 1] and (p == "?" or p == text[j - 1])
    return dp[m][n]


def _date(value) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _cmp(op: str, a, b) -> bool:
    return {
        "Equal": a == b,
        "GreaterThan": a > b,
        "GreaterThanEqual": a >= b,
        "LessThan": a < b,
        "LessThanEqual": a <= b,
    }[op]


class Oracle:
    def __init__(self, collection) -> None:
        self.c = collection
        self.schema = collection.class_schema

    def evaluate(self, where: ast.Where) -> set[int]:
        return {d for d, obj in enumerate(self.c.objects) if obj is not None and self.match(where, d, obj)}

    def match(self, w: ast.Where, doc: int, obj: dict) -> bool:
        if w.operator == "And":
            return all(self.match(o, doc, obj) for o in w.operands)
        if w.operator == "Or":
            return any(self.match(o, doc, obj) for o in w.operands)
        if w.operator == "Not":
            return not all(self.match(o, doc, obj) for o in w.operands)
        name = w.path[0]
        if name in ("id", "_id"):
            return self.scalar(w, [self.c.uuid_of(doc).lower()], lambda v: str(v).lower())
        if name == "_creationTimeUnix":
            return self.scalar(w, [self.c.created_ms(doc)], int)
        if name.startswith("len("):
            value = obj.get(name[4:-1])
            return self.scalar(w, [0 if value is None else len(value)], int)
        value = obj.get(name)
        if w.operator == "IsNull":
            null = value is None or value == "" or value == []
            return null == w.value
        prop = self.schema.property(name)
        elements = [] if value is None else value if isinstance(value, list) else [value]
        if prop.is_text:
            return self.text(w, value, prop.tokenization)
        if prop.data_type.startswith("date"):
            return self.scalar(w, [_date(e) for e in elements], _date)
        return self.scalar(w, elements, lambda v: v)

    def scalar(self, w: ast.Where, elements: list, convert) -> bool:
        op = w.operator
        if op in ("ContainsAny", "ContainsAll", "ContainsNone"):
            wanted = [convert(v) for v in w.value]
            if op == "ContainsAll":
                return all(v in elements for v in wanted)
            hit = any(v in elements for v in wanted)
            return hit if op == "ContainsAny" else not hit
        value = convert(w.value)
        if op == "NotEqual":
            return value not in elements
        if op == "Like":
            return any(wildcard_match(value, e) for e in elements)
        return any(_cmp(op, e, value) for e in elements)

    def query_tokens(self, value: str, tokenization: str, wildcards: bool = False) -> list[str]:
        tokens = tokenize_with_wildcards(value, tokenization) if wildcards else tokenize(value, tokenization)
        if tokenization == "word":
            tokens = [t for t in tokens if not self.c.stopwords.contains(t)]
        if not tokens:
            raise OnlyStopwords(value)
        return tokens

    def text(self, w: ast.Where, value, tokenization: str) -> bool:
        have = set(tokenize_value(value, tokenization))
        op = w.operator

        def equal(v: str) -> bool:
            return all(t in have for t in self.query_tokens(v, tokenization))

        if op in ("ContainsAny", "ContainsAll", "ContainsNone"):
            results = [equal(v) for v in w.value]
            if op == "ContainsAll":
                return all(results)
            return any(results) if op == "ContainsAny" else not any(results)
        if op == "Equal":
            return equal(w.value)
        if op == "NotEqual":
            return not equal(w.value)
        if op == "Like":
            patterns = self.query_tokens(w.value, tokenization, wildcards=True)
            return all(any(wildcard_match(p, t) for t in have) for p in patterns)
        tokens = self.query_tokens(w.value, tokenization)
        return all(any(_cmp(op, t, q) for t in have) for q in tokens)
