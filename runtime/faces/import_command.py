"""`rankql import`: a data file into a collection, all or nothing: a failure or Ctrl-C leaves no trace."""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
from pathlib import Path
from typing import Any

from rankql.runtime.errors import RankqlError

from . import importer
from .common import UsageError, err_console, open_database, read_text_file


def cmd_import(args: argparse.Namespace) -> int:
    console = err_console()
    summary = importer.ImportSummary()
    try:
        records = importer.read_records(args.file)
        objects = importer.to_objects(records, summary, args.id_column)
    except importer.ImportError_ as exc:  # the file or the flags: bad usage, like a bad query file
        raise UsageError(str(exc).replace("\nhint: ", "; ")) from None
    if not objects:  # checked before the database is touched: nothing is created for an empty import
        raise _nothing_to_import(args.file, records, summary)
    folder = Path(args.db)
    new_folder = not folder.exists()
    db = created = None
    try:
        db = open_database(args.db, must_exist=False)
        created = None if args.collection in db.collections() else args.collection
        collection = _collection(db, args, objects, console)
        run_with_progress(collection, objects, summary, f"importing {Path(args.file).name}", args.no_progress)
        if not summary.stored:
            raise _nothing_to_import(args.file, records, summary)
    except BaseException:
        _abandon(db, folder, new_folder, created)
        console.print(f"nothing imported: {args.db} is {'not created' if new_folder else 'unchanged'}")
        raise
    # The objects are in the write-ahead log already: closing checkpoints them (reopening would replay them).
    db.close()
    for line in summary.lines():
        console.print(line, markup=False)
    console.print(f"saved to {args.db}")
    return 0


def _abandon(db: Any, folder: Path, new_folder: bool, created: str | None) -> None:
    """Undo a failed import. Its objects were never written: they go in one insert_many call, whose log
    record is written only after the vectorizer finished. What remains to undo: a collection it created
    (deleted again), the Database (closed, releasing the folder's lock) and a folder it made (removed)."""
    try:
        if db is not None:
            with contextlib.suppress(Exception):  # the import's own error is the one to report
                if created in db.collections() and not new_folder:
                    db.delete_collection(created)
            with contextlib.suppress(Exception):
                db.close()
    finally:
        if new_folder:
            shutil.rmtree(folder, ignore_errors=True)


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


def _nothing_to_import(path: str, records: list[Any], summary: importer.ImportSummary) -> RankqlError:
    if not records:
        return importer.ImportError_(
            f"{path} holds no records: nothing to import",
            hint="a .json file holds an array of objects, .jsonl one object a line, .csv/.tsv a header row",
        )
    reasons = "; ".join(line.strip() for line in summary.lines()[1:] if line.strip().startswith("record"))
    return importer.ImportError_(f"{path}: no record can be imported ({reasons})")


def _collection(db: Any, args: argparse.Namespace, objects: list, console: Any) -> Any:
    if args.collection in db.collections():
        return db.collection(args.collection)
    if not args.create and not args.schema:
        known = ", ".join(db.collections()) or "none"
        raise UsageError(
            f"no collection {args.collection} in {args.db} (collections: {known}); add --create to make it"
        )
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
    console.print(f"created collection {args.collection}: " + _describe_definition(definition), markup=False)
    return collection


def _describe_definition(definition: dict[str, Any]) -> str:
    props = ", ".join(f"{p['name']} {p['dataType'][0]}" for p in definition.get("properties", []))
    return f"vectorizer {definition.get('vectorizer', 'none')}; properties {props}"


def run_with_progress(
    collection: Any, objects: list, summary: importer.ImportSummary, label: str, quiet: bool = False
) -> importer.ImportSummary:
    """Insert objects (one insert_many: all or nothing) under a progress bar on standard error that follows
    the vectorizer's batches through insert_many's progress callback (the model loads first, said so)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    if quiet:
        return importer.insert_objects(collection, objects, summary)
    console = err_console()
    if collection.class_schema.has_text_vectorizer:
        # The first batch would load the model silently, leaving the bar at 0 for seconds.
        with console.status(f"loading model for {collection.name}'s vectorizer ..."):
            collection.embed_queries(["load the model"])
    columns = (
        TextColumn("{task.description}"),
        BarColumn(bar_width=20),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TextColumn("{task.fields[rate]} objects/s  elapsed"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(label, total=len(objects), rate="-")

        def advance(count: int) -> None:
            progress.advance(task, count)
            state = progress.tasks[task]
            elapsed = state.elapsed or 0.0
            progress.update(task, rate=f"{state.completed / elapsed:,.0f}" if elapsed > 0 else "-")

        importer.insert_objects(collection, objects, summary, advance=advance)
        progress.update(task, completed=len(objects))  # rejected objects are done too, never vectorized
    return summary
