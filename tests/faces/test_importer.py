"""Data files become objects: key names, the three formats, inferred types, per-record rejections."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rankql.runtime.faces.importer import (
    ImportError_,
    ImportSummary,
    infer_definition,
    insert_objects,
    property_name,
    read_records,
    to_objects,
)


def test_property_names_are_valid_graphql_names() -> None:
    assert property_name("Air Date") == "airDate"
    assert property_name("Question") == "question"
    assert property_name("_id") == "docId"
    assert property_name("word_count") == "wordCount"
    assert property_name("2nd place")[0] == "_"
    assert property_name("???") == property_name("???")  # stable across runs


def test_the_four_formats_read_alike(tmp_path: Path) -> None:
    rows = [{"name": "a", "n": 1, "x": 1.5, "ok": True}, {"name": "b", "n": 2, "x": 2.0, "ok": False}]
    (tmp_path / "a.json").write_text(json.dumps(rows))
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    (tmp_path / "a.csv").write_text("name,n,x,ok\na,1,1.5,true\nb,2,2.0,false\n")
    (tmp_path / "a.tsv").write_text("name\tn\tx\tok\na\t1\t1.5\ttrue\nb\t2\t2.0\tfalse\n")
    for name in ("a.json", "a.jsonl", "a.csv", "a.tsv"):
        assert read_records(tmp_path / name) == rows, name


def test_unreadable_files_say_where(tmp_path: Path) -> None:
    (tmp_path / "bad.jsonl").write_text('{"a": 1}\n{"a": \n')
    with pytest.raises(ImportError_, match=r"bad.jsonl:2"):
        read_records(tmp_path / "bad.jsonl")
    with pytest.raises(ImportError_, match="no such file"):
        read_records(tmp_path / "missing.json")
    (tmp_path / "obj.json").write_text('{"a": 1}')
    with pytest.raises(ImportError_, match="JSON array"):
        read_records(tmp_path / "obj.json")


def test_objects_and_inferred_definition() -> None:
    summary = ImportSummary()
    records = [
        {"_id": "d1", "title": "A", "year": 2001, "score": 1, "tags": ["x"], "meta": {"k": 1}},
        {"_id": "d2", "title": "B", "year": 2002, "score": 2.5, "when": "2020-01-01T00:00:00Z"},
        "not an object",
        {"id": "ignored-shape", "properties": {"title": "C"}, "vector": [0.1, 0.2]},
    ]
    objects = to_objects(records, summary)
    assert [index for index, _ in objects] == [0, 1, 3]
    assert summary.rejected == [(2, "expected a JSON object, got str")]
    assert summary.skipped_keys == ["meta"]
    first = objects[0][1]
    assert first["properties"] == {"docId": "d1", "title": "A", "year": 2001, "score": 1, "tags": ["x"]}
    assert first["id"] == to_objects([records[0]], ImportSummary())[0][1]["id"]  # same record, same uuid
    assert objects[2][1] == {"id": "ignored-shape", "properties": {"title": "C"}, "vector": [0.1, 0.2]}
    definition = infer_definition("Doc", objects, vectorizer="none", reranker=None)
    types = {p["name"]: p["dataType"][0] for p in definition["properties"]}
    assert types == {
        "docId": "text",
        "title": "text",
        "year": "int",
        "score": "number",
        "tags": "text[]",
        "when": "date",
    }
    assert definition["vectorizer"] == "none" and "moduleConfig" not in definition
    assert infer_definition("Doc", objects)["moduleConfig"].keys() == {
        "text2vec-transformers",
        "reranker-similarity",
    }


def test_summary_lines_list_reasons() -> None:
    summary = ImportSummary(stored=3, rejected=[(i, f"bad {i}") for i in range(12)])
    lines = summary.lines()
    assert lines[0] == "stored 3 object(s), rejected 12"
    assert lines[1] == "  record 1: bad 0"
    assert lines[-1] == "  ... and 2 more"


def test_rejected_records_are_listed_in_file_order() -> None:
    from rankql.runtime import Database

    summary = ImportSummary()
    objects = to_objects([{"n": 1}, {"n": "not a number"}, 7, {"n": 2}], summary)  # record 3: not an object
    coll = Database().create_collection(
        {"class": "T", "vectorizer": "none", "properties": [{"name": "n", "dataType": ["int"]}]}
    )
    insert_objects(coll, objects, summary)  # record 2 is refused by the store, after record 3 was
    records = [line.split(":")[0].strip() for line in summary.lines()[1:]]
    assert records == ["record 2", "record 3"]


def test_jsonl_lines_split_on_newlines_only(tmp_path: Path) -> None:
    # MS MARCO passages hold U+0085 and U+2028, which str.splitlines would treat as line ends
    rows = [{"text": "before\x85after"}, {"text": "a\u2028b"}]
    (tmp_path / "c.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    assert read_records(tmp_path / "c.jsonl") == rows
