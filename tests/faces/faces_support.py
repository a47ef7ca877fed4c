"""Paths and data the faces tests share (imported by name: the test folders are not packages)."""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
BOOKS = EXAMPLES / "data" / "books.jsonl"

BM25_BOOK = {
    "class": "Book",
    "vectorizer": "none",
    "moduleConfig": {"reranker-dummy": {}},
    "properties": [
        {"name": "docId", "dataType": ["text"], "tokenization": "field"},
        {"name": "title", "dataType": ["text"]},
        {"name": "author", "dataType": ["text"]},
        {"name": "year", "dataType": ["int"]},
        {"name": "genre", "dataType": ["text"], "tokenization": "field"},
        {"name": "description", "dataType": ["text"]},
    ],
}


def book_objects() -> list[dict]:
    rows = [json.loads(line) for line in BOOKS.read_text().splitlines() if line.strip()]
    return [{"properties": {("docId" if k == "_id" else k): v for k, v in r.items()}} for r in rows]
