"""A readable, deterministic JSON dump of an AST (golden files, the REPL): short parts stay on one line."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

_WIDTH = 100


def dump_ast(node: BaseModel) -> str:
    """JSON of model_dump(exclude_defaults=True): spans left out, defaults left out."""
    return _render(node.model_dump(mode="json", exclude_defaults=True), 0)


def _render(value: Any, indent: int) -> str:
    flat = json.dumps(value, ensure_ascii=False)
    if len(flat) + indent <= _WIDTH or not isinstance(value, dict | list) or not value:
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, list):
        items = [pad + _render(item, indent + 2) for item in value]
        return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"
    items = [f"{pad}{json.dumps(k)}: {_render(v, indent + 2)}" for k, v in value.items()]
    return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
