"""The one-shot commands: query, explain, schema and import."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from . import importer
from .common import (
    UsageError,
    err_console,
    open_database,
    parse_headers,
    parse_vars,
    read_query,
    read_text_file,
    resolve_db_path,
)
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
        if cls.rerankers:
            modules.append("rerankers " + ", ".join(cls.rerankers))
        lines.append(f"{cls.name}  ({count} objects; {'; '.join(modules)})")
        width = max((len(p.name) for p in cls.properties), default=0)
        for prop in cls.properties:
            extra = f"  tokenization={prop.tokenization}" if prop.tokenization else ""
            lines.append(f"  {prop.name.ljust(width)}  {prop.data_type}{extra}")
    return "\n".join(lines)


def _schema_or_none(db: Any) -> Any:
    try:
        return db.schema()
    except Exception:
        return None


def load_definition(path: str, class_name: str) -> dict[str, Any]:
    """A class definition from a JSON file: one class, a list of classes, or {"classes": [...]}."""
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"no such schema file: {path}")
    try:
        data = json.loads(read_text_file(file))
    except json.JSONDecodeError as exc:
        raise UsageError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    if isinstance(data, dict) and isinstance(data.get("classes"), list):
        data = data["classes"]
    candidates = data if isinstance(data, list) else [data]
    for definition in candidates:
        if isinstance(definition, dict) and definition.get("class", class_name) == class_name:
            return {**definition, "class": class_name}
    raise UsageError(f"{path} has no definition of class {class_name}")


def cmd_import(args: argparse.Namespace) -> int:
    console = err_console()
    summary = importer.ImportSummary()
    try:
        records = importer.read_records(args.file)
    except importer.ImportError_ as exc:  # the data file itself: bad usage, like a bad query file
        raise UsageError(str(exc).replace("\nhint: ", "; ")) from None
    objects = importer.to_objects(records, summary)
    with open_database(args.db, must_exist=False) as db:
        if args.collection in db.collections():
            collection = db.collection(args.collection)
        elif not args.create and not args.schema:
            known = ", ".join(db.collections()) or "none"
            raise UsageError(
                f"no collection {args.collection} in {args.db} (collections: {known}); add --create to make it"
            )
        else:
            if args.schema:
                definition = load_definition(args.schema, args.collection)
            else:
                definition = importer.infer_definition(
                    args.collection,
                    objects,
                    vectorizer=args.vectorizer,
                    reranker=None if args.reranker == "none" else args.reranker,
                )
            collection = db.create_collection(definition)
            console.print(f"created collection {args.collection}: " + _describe_definition(definition))
        run_with_progress(collection, objects, summary, f"importing {Path(args.file).name}", args.no_progress)
        db.save()
    for line in summary.lines():
        console.print(line)
    console.print(f"saved to {args.db}")
    return 0 if summary.stored or not objects else 1


def _describe_definition(definition: dict[str, Any]) -> str:
    props = ", ".join(f"{p['name']} {p['dataType'][0]}" for p in definition.get("properties", []))
    return f"vectorizer {definition.get('vectorizer', 'none')}; properties {props}"


def run_with_progress(
    collection: Any, objects: list, summary: importer.ImportSummary, label: str, quiet: bool = False
) -> importer.ImportSummary:
    """Insert objects in chunks under a progress bar on standard error."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    if quiet:
        return importer.insert_objects(collection, objects, summary)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console(), transient=False) as progress:
        task = progress.add_task(label, total=len(objects))
        importer.insert_objects(collection, objects, summary, advance=lambda n: progress.advance(task, n))
    return summary
