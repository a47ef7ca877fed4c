"""`rankql import` run as a program: ids that make a re-import an update, renames, formats, all or nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pexpect


def rankql(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rankql.runtime", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def import_args(db: str, data: str, *extra: str) -> list[str]:
    plain = ["--vectorizer", "none", "--reranker", "none", "--no-progress"]
    return ["import", "--db", db, "--collection", "Product", "--create", *plain, *extra, data]


def stored(env: dict[str, str], cwd: Path, db: str, fields: str) -> list[dict]:
    (cwd / "all.graphql").write_text(f"{{ Get {{ Product(limit: 100) {{ {fields} }} }} }}")
    result = rankql(env, cwd, "query", "--db", db, "all.graphql")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["data"]["Get"]["Product"]


def test_an_id_column_makes_a_reimport_an_update(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "shop.csv").write_text("id,name,in_stock,price\np1,kettle,true,117.42\np2,pan,false,3.5\n")
    first = rankql(subprocess_env, tmp_path, *import_args("db", "shop.csv"))
    assert first.returncode == 0, first.stderr
    assert "ids: uuid5 of column 'id'" in first.stderr
    assert (
        "renamed columns (property names are GraphQL names): id → docId, in_stock → inStock" in first.stderr
    )
    (tmp_path / "shop.csv").write_text("id,name,in_stock,price\np1,kettle,false,99.0\np2,pan,false,3.5\n")
    second = rankql(subprocess_env, tmp_path, *import_args("db", "shop.csv"))
    assert "stored 2 object(s) (2 replaced an object with the same id)" in second.stderr
    rows = {row["docId"]: row for row in stored(subprocess_env, tmp_path, "db", "docId name inStock price")}
    assert len(rows) == 2 and rows["p1"] == {"docId": "p1", "name": "kettle", "inStock": False, "price": 99.0}


def test_id_column_by_name_and_tsv(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "p.tsv").write_text("sku\tname\nA-1\tkettle\nA-1\tkettle, again\nB-2\tpan\n")
    result = rankql(subprocess_env, tmp_path, *import_args("db", "p.tsv", "--id-column", "sku"))
    assert result.returncode == 0, result.stderr
    assert "stored 2 object(s), rejected 1" in result.stderr
    assert "record 2: sku 'A-1' repeats record 1's" in result.stderr
    names = sorted(row["name"] for row in stored(subprocess_env, tmp_path, "db", "name"))
    assert names == ["kettle", "pan"]
    missing = rankql(subprocess_env, tmp_path, *import_args("db", "p.tsv", "--id-column", "code"))
    assert missing.returncode == 2 and "no column 'code' in the data (columns: sku, name)" in missing.stderr


def test_bad_files_create_nothing(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_text("\n")
    (tmp_path / "numbers.json").write_text("[1, 2]")
    (tmp_path / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    (tmp_path / "wrong.jsonl").write_text('{"price": "cheap"}\n')
    (tmp_path / "s.json").write_text(
        json.dumps({"class": "Product", "properties": [{"name": "price", "dataType": ["number"]}]})
    )
    cases = [
        (import_args("db", "empty.jsonl"), 1, "empty.jsonl holds no records"),
        (import_args("db", "numbers.json"), 1, "record 1: expected a JSON object, got int"),
        (import_args("db", "sheet.xlsx"), 2, "sheet.xlsx: rankql does not read .xlsx"),
        (import_args("db", "wrong.jsonl", "--schema", "s.json"), 1, "no record can be imported"),
    ]
    for args, status, message in cases:
        result = rankql(subprocess_env, tmp_path, *args)
        assert (result.returncode, result.stdout) == (status, ""), result.stderr
        assert message in result.stderr and "Traceback" not in result.stderr
        assert not (tmp_path / "db").exists(), args  # no empty database folder left behind


def test_ctrl_c_leaves_nothing_half_created(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    rows = [{"_id": f"d{i}", "text": f"passage {i} about rivers, mountains and the sea"} for i in range(3000)]
    (tmp_path / "big.jsonl").write_text("\n".join(json.dumps(row) for row in rows))
    child = pexpect.spawn(
        sys.executable,
        ["-m", "rankql.runtime", "import", "--db", "db", "--collection", "Doc", "--create", "big.jsonl"],
        cwd=str(tmp_path),
        env=subprocess_env,
        encoding="utf-8",
        timeout=120,
        dimensions=(40, 120),
    )
    try:
        child.expect("loading model")  # said before the bar starts
        child.expect(r"objects/s\s+elapsed")
        child.sendintr()
        child.expect("nothing imported: db is not created")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 130
    assert not (tmp_path / "db").exists()


def _files(root: Path) -> dict[str, bytes]:
    """Every file of a database folder and its bytes (the lock file only names its holder's pid)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()} | {
        "rankql.lock": b""
    }


def test_ctrl_c_leaves_an_existing_database_unchanged(subprocess_env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "few.jsonl").write_text('{"text": "a river"}\n{"text": "a mountain"}\n')
    first = rankql(
        subprocess_env, tmp_path, "import", "--db", "db", "--collection", "Doc", "--create", "few.jsonl"
    )
    assert first.returncode == 0, first.stderr
    before = _files(tmp_path / "db")
    rows = [{"text": f"passage {i} about rivers, mountains and the sea"} for i in range(3000)]
    (tmp_path / "big.jsonl").write_text("\n".join(json.dumps(row) for row in rows))
    # (A collection that a failed import created is deleted again: test_cli's failed-import test.)
    child = pexpect.spawn(
        sys.executable,
        ["-m", "rankql.runtime", "import", "--db", "db", "--collection", "Doc", "big.jsonl"],
        cwd=str(tmp_path),
        env=subprocess_env,
        encoding="utf-8",
        timeout=120,
        dimensions=(40, 160),
    )
    try:
        child.expect(r"\b[1-9]\d*/3000\b")  # the vectorizer is embedding: some objects done, not all
        child.sendintr()
        child.expect("nothing imported: db is unchanged")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 130
    assert _files(tmp_path / "db") == before  # not a byte written: no log record, no checkpoint
    texts = sorted(row["text"] for row in stored_doc(subprocess_env, tmp_path))
    assert texts == ["a mountain", "a river"]


def stored_doc(env: dict[str, str], cwd: Path) -> list[dict]:
    (cwd / "doc.graphql").write_text("{ Get { Doc(limit: 100) { text } } }")
    result = rankql(env, cwd, "query", "--db", "db", "doc.graphql")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["data"]["Get"]["Doc"]
