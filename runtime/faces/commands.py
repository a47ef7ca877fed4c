"""The one-shot commands: query, explain, schema and import."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .common import (
    open_database,
    parse_headers,
    parse_vars,
    read_query,
    resolve_db_path,
)
from .import_command import cmd_import  # noqa: F401 - the cli runs cmd_<command> of this module
from .render import answer_errors_text, to_json


def cmd_query(args: argparse.Namespace) -> int:
    text, name, file_vars = read_query(args.file)
    variables = parse_vars(args.vars) if args.vars else file_vars
    headers = parse_headers(args.header)
    with open_database(resolve_db_path(args.db)) as db:
        answer = db.query(text, variables, headers=headers)
        sys.stdout.write(to_json(answer) + "\n")
        problems = answer_errors_text(answer, text, variables, _schema_or_none(db), name, "--vars '{}'")
    if problems:
        print(problems, file=sys.stderr)
        return 1
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    text, _name, file_vars = read_query(args.file)
    variables = parse_vars(args.vars) if args.vars else file_vars
    with open_database(resolve_db_path(args.db)) as db:
        plan = db.explain(text, variables, analyze=args.analyze)
    sys.stdout.write(plan.rstrip("\n") + "\n")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    with open_database(resolve_db_path(args.db)) as db:
        if args.json:
            definitions = [db.collection(name).definition for name in db.collections()]
            sys.stdout.write(json.dumps(definitions, indent=2, default=str) + "\n")
        else:
            sys.stdout.write(schema_text(db) + "\n")
    return 0


def schema_text(db: Any) -> str:
    """Collections with their size, modules and properties, for people."""
    schema = db.schema()
    if not schema.classes:
        return "(no collections)"
    lines = []
    for cls in schema.classes:
        count = len(db.collection(cls.name))
        modules = [f"vectorizer {cls.vectorizer}", f"distance {cls.distance}"]
        if cls.named_vectors:  # named vectors: each with its vectorizer and distance
            modules = [f"vector {n}: {v.vectorizer}, {v.distance}" for n, v in cls.named_vectors.items()]
        if cls.rerankers:
            modules.append("rerankers " + ", ".join(cls.rerankers))
        lines.append(f"{cls.name}  ({count} objects; {'; '.join(modules)})")
        width = max((len(p.name) for p in cls.properties), default=0)
        for prop in cls.properties:
            extra = f"  tokenization={prop.tokenization}" if prop.tokenization else ""
            kind = "-> " + " | ".join(prop.targets) if prop.is_reference else prop.data_type
            lines.append(f"  {prop.name.ljust(width)}  {kind}{extra}")
    return "\n".join(lines)


def _schema_or_none(db: Any) -> Any:
    try:
        return db.schema()
    except Exception:
        return None
