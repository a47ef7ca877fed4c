"""A folder saved by an earlier rankql (keyword index format 1: forward index on disk, float tfs) opens,
answers as a fresh import does, takes writes, and saves in the current format."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
from rankql.runtime import Database

from .shapes import bm25_hits, vector_hits

# Written by the store as it was before keyword index format 2, from _build below (tiny: 86 objects).
FOLDER = Path(__file__).parent / "fixtures" / "folder_v1"
WORDS = ["sun", "moon", "star", "sky", "night", "day", "rain", "cloud", "wind", "snow", "river", "stone"]
NEW = "00000000-0000-4000-a000-000000000001"
QUERIES = ["sun", "moon star night", "comet", "late comet", "river stone wind"]


def _build(db: Database) -> None:
    """What the fixture folder holds: a bulk import, deletes, an update, a small import."""
    col = db.create_collection(
        {
            "class": "Doc",
            "vectorIndexConfig": {"distance": "cosine"},
            "properties": [{"name": "text", "dataType": ["text"]}, {"name": "n", "dataType": ["int"]}],
        }
    )
    objects = []
    for i in range(80):
        text = " ".join(WORDS[(i * k + k) % len(WORDS)] for k in range(1, 2 + i % 7))
        vector = [((i * 7 + j * 3) % 11 - 5) / 4.0 for j in range(8)]
        objects.append(
            {
                "id": f"00000000-0000-4000-8000-{i:012d}",
                "properties": {"text": text, "n": i},
                "vector": vector,
            }
        )
    assert col.insert_many(objects).ok
    col.delete("00000000-0000-4000-8000-000000000003")
    col.delete("00000000-0000-4000-8000-000000000017")
    col.update("00000000-0000-4000-8000-000000000005", {"text": "comet comet tail"})
    late = [
        {
            "id": f"00000000-0000-4000-9000-{i:012d}",
            "properties": {"text": "late comet " * (i + 1)},
            "vector": [1.0] * 8,
        }
        for i in range(5)
    ]
    assert col.insert_many(late).ok


def _answers(db: Database) -> dict:
    c = db.collection("Doc")
    live = c.live_ids().tolist()
    return {
        "objects": {c.uuid_of(d): (c.properties_of(d), c.vector_of(d).tolist()) for d in live},
        "bm25": [bm25_hits(c, q, k=20, explain=True) for q in QUERIES],
        "vector": [
            vector_hits(c, np.asarray(v, np.float32), 10) for v in ([1.0] * 8, [0.5, -1, 0, 2, 1, 0, -0.5, 1])
        ],
    }


def test_folder_of_format_1_opens_answers_writes_and_saves(tmp_path: Path) -> None:
    folder = tmp_path / "db"
    shutil.copytree(FOLDER, folder)
    fresh = Database()
    _build(fresh)
    old = Database(folder)
    assert _answers(old) == _answers(fresh)
    for db in (old, fresh):  # the forward index read from format 1 finds the deleted object's terms
        assert db.collection("Doc").delete("00000000-0000-4000-8000-000000000010")
        assert (
            db.collection("Doc")
            .insert_many([{"id": NEW, "properties": {"text": "sun comet"}, "vector": [2.0] * 8}])
            .ok
        )
    assert _answers(old)["bm25"] == _answers(fresh)["bm25"]
    old.save()
    old.close()
    saved = [json.loads(p.read_text())["version"] for p in folder.rglob("bm25.json")]
    assert saved and set(saved) == {2}
    again = Database(folder)
    assert _answers(again)["bm25"] == _answers(fresh)["bm25"]
    assert _answers(again) == _answers(fresh)
    again.close()
