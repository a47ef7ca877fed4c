"""Saving and reopening: a faithful round trip without re-indexing, clear errors for damaged folders."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from rankql.runtime import Database, StorageError, generate_uuid5
from rankql.runtime.store.bm25 import Bm25Index
from rankql.runtime.store.hnsw import HnswIndex

from .conftest import article_definition, clustered
from .shapes import bm25_hits, vector_hits


def _fill(db: Database) -> None:
    articles = db.create_collection(
        article_definition(
            moduleConfig={"reranker-dummy": {}},
            invertedIndexConfig={"bm25": {"k1": 1.5, "b": 0.5}, "stopwords": {"additions": ["fish"]}},
        )
    )
    vectors = clustered(400, 16, seed=3)
    articles.insert_many(
        [
            {
                "id": generate_uuid5(i),
                "properties": {
                    "title": f"title {i} {'even' if i % 2 == 0 else 'odd'}",
                    "wordCount": i,
                    "score": i / 3,
                    "draft": i % 3 == 0,
                    "published": f"2020-01-{1 + i % 28:02d}T10:00:00.25Z",
                    "tags": ["t", str(i)],
                },
                "vector": vectors[i],
            }
            for i in range(400)
        ]
    )
    for i in range(0, 400, 7):
        articles.delete(generate_uuid5(i))
    articles.update(generate_uuid5(1), {"title": "renamed"})
    other = db.create_collection({"class": "Dots", "vectorIndexConfig": {"distance": "manhattan"}})
    other.insert_many([{"properties": {}, "vector": v} for v in clustered(20, 4)])
    db.create_collection({"class": "Empty"})


def _snapshot(db: Database) -> dict:
    out = {}
    for name in db.collections():
        c = db.collection(name)
        q = np.ones(c.dim or 1, dtype=np.float32)
        out[name] = {
            "definition": c.definition,
            "objects": {u: c.get(u) for u in (c.uuid_of(d) for d in c.live_ids())},
            "vector": vector_hits(c, q, 10) if c.dim else None,
            "bm25": bm25_hits(c, "title even renamed", k=20, explain=True) if name == "Article" else None,
            "list": c.list_ids().tolist(),
        }
    return out


def test_round_trip_without_reindexing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "db"
    with Database(path) as db:
        _fill(db)
        before = _snapshot(db)
        schema = db.schema()
    assert (path / "rankql.json").is_file()

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("reopening must not rebuild an index")

    monkeypatch.setattr(Bm25Index, "add", refuse)
    monkeypatch.setattr(Bm25Index, "add_many", refuse)
    monkeypatch.setattr(HnswIndex, "add", refuse)
    reopened = Database(path)
    assert reopened.collections() == ["Article", "Dots", "Empty"]
    assert _snapshot(reopened) == before
    assert reopened.schema() == schema
    monkeypatch.undo()
    # The reopened database keeps working, and new doc ids continue after the saved ones.
    articles = reopened.collection("Article")
    uid = articles.insert({"properties": {"title": "after reopening"}, "vector": np.zeros(16) + 1})
    assert articles.doc_id_of(uid) > max(before["Article"]["list"])
    assert [articles.uuid_of(d) for d, _, _ in bm25_hits(articles, "reopening", k=3)] == [uid]
    reopened.close()
    assert Database(path).collection("Article").get(uid)["properties"] == {"title": "after reopening"}


def test_save_is_a_noop_without_changes_and_old_generations_go(tmp_path: Path) -> None:
    db = Database(tmp_path)
    db.create_collection({"class": "A"}).insert({"properties": {}})
    db.save()
    first = json.loads((tmp_path / "rankql.json").read_text())["generation"]
    db.save()
    assert json.loads((tmp_path / "rankql.json").read_text())["generation"] == first
    db.collection("A").insert({"properties": {}})
    db.save()
    assert json.loads((tmp_path / "rankql.json").read_text())["generation"] == first + 1
    listing = ["gen-00000002", "rankql.json", "rankql.lock", "wal-00000002.log"]
    assert sorted(p.name for p in tmp_path.iterdir()) == listing
    db.delete_collection("A")
    db.close()
    assert Database(tmp_path).collections() == []
    with pytest.raises(StorageError, match="closed"):
        db.create_collection({"class": "B"})


def test_in_memory_database_saves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # anything written to a relative path would land here
    db = Database()
    assert db.path is None
    db.create_collection({"class": "A"}).insert({"properties": {}})
    db.save()
    db.close()
    db.close()  # closing twice is harmless
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(StorageError, match="closed"):
        db.create_collection({"class": "B"})


def test_leftovers_of_an_interrupted_first_save_are_ignored(tmp_path: Path) -> None:
    (tmp_path / "gen-00000001.tmp").mkdir()
    (tmp_path / "gen-00000001.tmp" / "junk").write_text("half")
    db = Database(tmp_path)
    assert db.collections() == []
    db.create_collection({"class": "A"})
    db.close()
    assert Database(tmp_path).collections() == ["A"]
    assert not (tmp_path / "gen-00000001.tmp").exists()


def _saved(tmp_path: Path) -> Path:
    path = tmp_path / "db"
    with Database(path) as db:
        c = db.create_collection(article_definition())
        c.insert_many(
            [{"properties": {"title": f"t{i}"}, "vector": v} for i, v in enumerate(clustered(50, 8))]
        )
    return path


def _generation(path: Path) -> Path:
    return next(p for p in path.iterdir() if p.name.startswith("gen-"))


def _expect_storage_error(path: Path, fragment: str) -> None:
    with pytest.raises(StorageError) as info:
        Database(path)
    assert fragment in str(info.value)
    assert info.value.hint


def test_foreign_folder_and_file(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    _expect_storage_error(tmp_path, "is not a rankql database folder")
    file = tmp_path / "notes.txt"
    _expect_storage_error(file, "is a file, not a folder")


@pytest.mark.parametrize(
    ("pointer", "fragment"),
    [
        ("{not json", "unreadable rankql.json"),
        ('{"format": "something-else", "version": 1, "generation": 1}', "rankql.json is foreign"),
        ('{"format": "rankql-database", "version": 99, "generation": 1}', "format version 99"),
        ('{"format": "rankql-database", "version": 1, "generation": "x"}', "damaged rankql.json"),
        ('{"format": "rankql-database", "version": 1, "generation": 7}', "is damaged"),
    ],
)
def test_damaged_pointer(tmp_path: Path, pointer: str, fragment: str) -> None:
    path = _saved(tmp_path)
    (path / "rankql.json").write_text(pointer)
    _expect_storage_error(path, fragment)


@pytest.mark.parametrize(
    "target",
    ["seg-*.npz", "seg-*.json", "live.npz", "hnsw.bin", "objects.json", "definition.json", "bm25/bm25.npz"],
)
@pytest.mark.parametrize("damage", ["truncate", "flip", "delete"])
def test_damaged_files(tmp_path: Path, target: str, damage: str) -> None:
    path = _saved(tmp_path)
    file = next(_generation(path).glob(f"*/{target}"))
    data = file.read_bytes()
    if damage == "truncate":
        file.write_bytes(data[: len(data) // 2])
    elif damage == "flip":
        file.write_bytes(data[:10] + bytes([data[10] ^ 0xFF]) + data[11:])
    else:
        file.unlink()
    _expect_storage_error(path, "is damaged")


def test_damaged_manifest(tmp_path: Path) -> None:
    path = _saved(tmp_path)
    (_generation(path) / "manifest.json").write_text("[]")
    _expect_storage_error(path, "is damaged")


def test_unwritable_folder_gives_storage_error(tmp_path: Path) -> None:
    target = tmp_path / "file-not-folder"
    target.write_text("x")
    with pytest.raises(StorageError, match="cannot create the database folder"):
        Database(target / "db")  # a path under a file: the folder cannot be made


def test_a_collection_saved_before_its_first_vector_opens_after_vectors_came(tmp_path) -> None:
    # The first checkpoint's segment has no vector file; a later one must not link it as if it had.
    with Database(tmp_path) as db:
        docs = db.create_collection({"class": "Doc", "properties": [{"name": "title", "dataType": ["text"]}]})
        docs.insert({"properties": {"title": "no vector"}})
        db.save()
        docs.insert({"properties": {"title": "with vector"}, "vector": [1.0, 0.0]})
    with Database(tmp_path) as db:
        assert len(db["Doc"]) == 2
        assert db["Doc"].vector_search([1.0, 0.0], 1)[0].tolist() == [1]


def test_terms_that_came_and_went_with_deleted_objects_do_not_damage_the_saved_keyword_index(
    tmp_path,
) -> None:
    """Objects bring new words and are deleted before anything folds them in: their terms stay in the
    vocabulary with no postings, and the saved postings index must still cover every term."""
    path = tmp_path / "db"
    db = Database(path)
    docs = db.create_collection({"class": "Doc", "properties": [{"name": "text", "dataType": ["text"]}]})
    docs.insert_many([{"properties": {"text": "ka lo mi"}, "vector": [1.0, float(i)]} for i in range(50)])
    db.close()
    db = Database(path)  # the keyword index as read from disk: every term folded in
    docs = db["Doc"]
    gone = [docs.insert({"properties": {"text": "zebra quagga"}, "vector": [1.0, 0.5]}) for _ in range(3)]
    docs.delete_many(gone)
    query = '{ Get { Doc(bm25: {query: "zebra ka"}, limit: 3) { text } } }'
    before = db.query(query)
    db.close()
    with Database(path) as again:  # refused as damaged before the fix
        assert len(again["Doc"]) == 50
        assert again.query(query) == before
        again["Doc"].insert({"properties": {"text": "zebra"}, "vector": [0.0, 1.0]})
        assert again.query(query)["data"]["Get"]["Doc"][0] == {"text": "zebra"}
