"""Folders someone else wrote: tampered as an attacker would (checksums recomputed), each refused with a
StorageError. Folders that could crash hnswlib are opened in a child process, so that a regression fails
the test (the child dies with SIGSEGV) instead of killing pytest."""

from __future__ import annotations

import hashlib
import json
import struct
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from rankql.runtime import Database, StorageError

from .conftest import clustered

DIM, COUNT, M = 8, 300, 4
HEADER = struct.Struct("<QQQQQQiIQQQdQ")  # hnswlib's saveIndex header (hnswlib/hnswalg.h)


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real saved database: one class with 300 vectors in an HNSW graph (M 4, so it has upper levels)."""
    path = tmp_path_factory.mktemp("saved") / "db"
    with Database(path) as db:
        db.create_collection(
            {
                "class": "Doc",
                "properties": [{"name": "body", "dataType": ["text"]}],
                "vectorIndexConfig": {"maxConnections": M, "efConstruction": 16},
            }
        ).insert_many(
            [{"properties": {"body": f"doc {i}"}, "vector": v} for i, v in enumerate(clustered(COUNT, DIM))]
        )
    return path


def _generation(root: Path) -> Path:
    return root / f"gen-{json.loads((root / 'rankql.json').read_text())['generation']:08d}"


def _collection_folder(root: Path) -> Path:
    return next(p for p in _generation(root).iterdir() if p.is_dir())


def _recompute(root: Path, manifest_edit: Callable[[dict], None] | None = None) -> None:
    """What an attacker does after editing a file: fix every size and checksum in the manifest."""
    gen = _generation(root)
    manifest = json.loads((gen / "manifest.json").read_text())
    for rel in manifest["files"]:
        path = gen / rel
        if path.is_file():
            manifest["files"][rel] = [path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest()]
    if manifest_edit:
        manifest_edit(manifest)
    (gen / "manifest.json").write_text(json.dumps(manifest))


def _copy(saved: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(saved, tmp_path / "copy"))


def _edit_hnsw(root: Path, edit: Callable[[bytearray, tuple], None]) -> None:
    path = _collection_folder(root) / "hnsw.bin"
    data = bytearray(path.read_bytes())
    edit(data, HEADER.unpack_from(data))
    path.write_bytes(bytes(data))
    _recompute(root)


def _header_field(index: int, value: int) -> Callable[[bytearray, tuple], None]:
    def edit(data: bytearray, header: tuple) -> None:
        fields = list(header)
        fields[index] = value
        HEADER.pack_into(data, 0, *fields)

    return edit


def _level0_neighbour(data: bytearray, header: tuple) -> None:
    # Element 0's first level-0 neighbour becomes an element far beyond the index.
    struct.pack_into("<I", data, HEADER.size + 4, 10**9)


def _upper_link_to_low_element(data: bytearray, header: tuple) -> None:
    # The first upper-level link list: its first neighbour becomes an element with no upper level.
    count, per_element = header[2], header[3]
    pos = HEADER.size + count * per_element
    levels = []
    for _ in range(count):
        (size,) = struct.unpack_from("<I", data, pos)
        levels.append((pos + 4, size))
        pos += 4 + size
    first = next(at for at, size in levels if size)
    low = next(i for i, (_, size) in enumerate(levels) if size == 0)
    struct.pack_into("<HH", data, first, 1, 0)
    struct.pack_into("<I", data, first + 4, low)


HNSW_CASES = {
    "2^62 elements": _header_field(2, 2**62),
    "one element more": lambda data, header: _header_field(2, header[2] + 1)(data, header),
    "entry point beyond": _header_field(7, COUNT + 5),
    "wrong maxM0": _header_field(9, 10**6),
    "wrong element size": _header_field(3, 10**12),
    "level-0 link beyond": _level0_neighbour,
    "upper link to a low element": _upper_link_to_low_element,
    "bytes appended": lambda data, header: data.extend(b"\0" * 12),
    "cut short": lambda data, header: data.__delitem__(slice(len(data) - 10, None)),
}

CHILD = """
import sys
from rankql.runtime import Database, RankqlError
for path in sys.argv[1:]:
    try:
        db = Database(path)
        found = db.query("{ Get { Doc(nearVector: {vector: [1,1,1,1,1,1,1,1]}, limit: 5) { body } } }")
        assert len(found["data"]["Get"]["Doc"]) == 5, found
        assert db.collection("Doc").insert_many([{"properties": {}, "vector": [0.5] * 8}]).ok
        print("OPENED", path, flush=True)
    except RankqlError as exc:
        print(type(exc).__name__, path, str(exc).splitlines()[0], flush=True)
"""


def test_crafted_hnsw_files_are_refused_without_crashing(saved: Path, tmp_path: Path) -> None:
    folders = []
    # The header's capacity is never used (the checked count is): a crafted one is harmless.
    cases = {**HNSW_CASES, "2^62 capacity (ignored)": _header_field(1, 2**62)}
    for n, (name, edit) in enumerate(cases.items()):
        root = _copy(saved, tmp_path / str(n))
        _edit_hnsw(root, edit)
        folders.append((name, root))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, *(str(root) for _, root in folders)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, f"the child died ({done.returncode}): {done.stdout}\n{done.stderr}"
    lines = done.stdout.splitlines()
    assert len(lines) == len(folders), done.stdout
    for (name, root), line in zip(folders, lines, strict=True):
        if name.endswith("(ignored)"):
            assert line == f"OPENED {root}", line
            continue
        assert line.startswith(f"StorageError {root} "), f"{name}: {line}"
        assert "damaged or crafted" in line, f"{name}: {line}"


def test_the_untampered_copy_opens_and_searches(saved: Path, tmp_path: Path) -> None:
    root = _copy(saved, tmp_path)
    _recompute(root)  # recomputing alone changes nothing
    db = Database(root)
    vector = clustered(COUNT, DIM)[0].tolist()
    found = db.query(f"{{ Get {{ Doc(nearVector: {{vector: {vector}}}, limit: 5) {{ body }} }} }}")
    assert found["data"]["Get"]["Doc"][0] == {"body": "doc 0"}
    doc = db.collection("Doc")
    assert len(doc) == COUNT
    doc.insert_many([{"properties": {}, "vector": v} for v in clustered(50, DIM, seed=9)])  # grows again
    assert len(doc) == COUNT + 50


def _edit_json(root: Path, name: str, edit: Callable[[dict], None]) -> None:
    path = _collection_folder(root) / name
    data = json.loads(path.read_text())
    edit(data)
    path.write_text(json.dumps(data))
    _recompute(root)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update({"class": "../../Evil"}), "class name '../../Evil' must start with a letter"),
        (
            lambda d: d["vectorIndexConfig"].update({"maxConnections": 1e9}),
            "maxConnections must be an integer",
        ),
        (lambda d: d["invertedIndexConfig"]["bm25"].update({"k1": float("nan")}), "BM25 k1"),
        (lambda d: d.update({"moduleConfig": []}), "moduleConfig must be an object"),
        (lambda d: d.update({"class": "A" * 300}), "at most 250"),
    ],
)
def test_a_crafted_definition_is_refused(saved: Path, tmp_path: Path, edit, message: str) -> None:
    root = _copy(saved, tmp_path)
    _edit_json(root, "definition.json", edit)
    with pytest.raises(StorageError, match="would not be accepted by create_collection") as caught:
        Database(root)
    assert message in caught.value.message


def _segment(root: Path) -> str:
    """The name (without suffix) of the saved collection's only segment."""
    (start, end, _), *rest = json.loads((_collection_folder(root) / "objects.json").read_text())["segments"]
    assert not rest
    return f"seg-{start:012d}-{end:012d}"


def _edit_rows(edit: Callable[[list], None]) -> Callable[[Path], None]:
    def craft(root: Path) -> None:
        path = _collection_folder(root) / f"{_segment(root)}.json"
        rows = json.loads(path.read_text())
        edit(rows)
        path.write_text(json.dumps(rows))

    return craft


def _edit_meta(edit: Callable[[dict], None]) -> Callable[[Path], None]:
    def craft(root: Path) -> None:
        path = _collection_folder(root) / "objects.json"
        meta = json.loads(path.read_text())
        edit(meta)
        path.write_text(json.dumps(meta))

    return craft


def _edit_live(objects: Callable[[np.ndarray], np.ndarray], vectors=lambda v: v) -> Callable[[Path], None]:
    def craft(root: Path) -> None:
        path = _collection_folder(root) / "live.npz"
        with np.load(path) as live:
            arrays = {"objects": objects(live["objects"].copy()), "vectors": vectors(live["vectors"].copy())}
        np.savez(path, **arrays)

    return craft


def _set(index: int, value) -> Callable[[np.ndarray], np.ndarray]:
    def edit(mask: np.ndarray) -> np.ndarray:
        mask[index] = value
        return mask

    return edit


def _overlapping_segments(root: Path) -> None:
    # The one segment split in two that both hold doc ids 100..199: each id twice, all else consistent.
    folder = _collection_folder(root)
    name = _segment(root)
    rows = json.loads((folder / f"{name}.json").read_text())
    vectors, has = clustered(COUNT, DIM), np.ones(COUNT, bool)  # what the folder holds, as format 2 wrote it
    segments = []
    for start, end in ((0, 200), (100, COUNT)):
        part = f"seg-{start:012d}-{end:012d}"
        (folder / f"{part}.json").write_text(json.dumps(rows[start:end]))
        np.savez(folder / f"{part}.npz", vectors=vectors[start:end], has=has[start:end])
        segments.append([start, end, [f"{part}.json", f"{part}.npz"]])
    _edit_meta(lambda meta: meta.update({"segments": segments}))(root)


def _add_files(root: Path) -> None:
    """Every file of the generation into the manifest (as a tool that writes whole folders would)."""
    gen = _generation(root)

    def edit(manifest: dict) -> None:
        manifest["files"] = {
            p.relative_to(gen).as_posix(): [p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest()]
            for p in sorted(gen.rglob("*"))
            if p.is_file() and p.name != "manifest.json"
        }

    _recompute(root, edit)


SEGMENT_CASES = {
    "doc id beyond next_id": _edit_meta(lambda m: m["segments"][0].__setitem__(1, 10**12)),
    "segment from -1": _edit_meta(lambda m: m["segments"][0].__setitem__(0, -1)),
    "a doc id twice (overlapping segments)": _overlapping_segments,
    "repeated uuid": _edit_rows(lambda rows: rows[1].__setitem__(0, rows[0][0])),
    "next_id a string": _edit_meta(lambda m: m.update({"next_id": "many"})),
    "next_id a float": _edit_meta(lambda m: m.update({"next_id": float(COUNT)})),
    "a row missing": _edit_rows(lambda rows: rows.pop()),
    "a live object without a row": _edit_rows(lambda rows: rows.__setitem__(0, None)),
    "a malformed row": _edit_rows(lambda rows: rows.__setitem__(0, ["x", "not a time", 0, {}])),
    "an undefined property": _edit_rows(lambda rows: rows[0][3].update({"secret": 1})),
    "live mask too short": _edit_live(lambda objects: objects[:-1]),
    "live mask of ints": _edit_live(lambda objects: objects.astype(np.int64)),
    "a live vector of a dead object": _edit_live(_set(0, False)),
    "vectors in one row (broadcast)": lambda root: np.savez(
        _collection_folder(root) / f"{_segment(root)}.npz",
        vectors=np.zeros((1, DIM), np.float32),
        has=np.ones(1, bool),
    ),
}


@pytest.mark.parametrize("craft", SEGMENT_CASES.values(), ids=SEGMENT_CASES.keys())
def test_crafted_object_rows_are_refused(saved: Path, tmp_path: Path, craft) -> None:
    root = _copy(saved, tmp_path)
    craft(root)
    _add_files(root)
    with pytest.raises(StorageError, match="damaged or crafted"):
        Database(root)


def test_vectors_of_another_size_are_refused(saved: Path, tmp_path: Path) -> None:
    root = _copy(saved, tmp_path)
    path = _collection_folder(root) / f"{_segment(root)}.npz"
    np.savez(path, vectors=np.zeros((COUNT, DIM + 1), np.float32), has=np.ones(COUNT, bool))
    _recompute(root)
    with pytest.raises(StorageError, match=rf"damaged or crafted: .*expected \({COUNT}, {DIM}\)"):
        Database(root)


def _to_format_1(root: Path) -> None:
    """Rewrite a saved format-2 generation as format 1 wrote it: objects inline, vectors in one file."""
    folder = _collection_folder(root)
    meta = json.loads((folder / "objects.json").read_text())
    name = _segment(root)
    rows = json.loads((folder / f"{name}.json").read_text())
    with np.load(folder / "live.npz") as live:
        objects_live, vectors_live = live["objects"], live["vectors"]
    vectors = clustered(COUNT, DIM)  # what the folder holds (every object alive)
    for path in [folder / "live.npz", *folder.glob("seg-*")]:
        path.unlink()
    inline = [[d, *row] for d, row in enumerate(rows) if row is not None and objects_live[d]]
    meta = {
        "next_id": meta["next_id"],
        "dim": meta["dim"],
        "objects": inline,
        "hnsw_count": meta["hnsw_count"],
    }
    (folder / "objects.json").write_text(json.dumps(meta))
    np.savez(folder / "vectors.npz", vectors=vectors, live=vectors_live)
    pointer = json.loads((root / "rankql.json").read_text())
    (root / "rankql.json").write_text(json.dumps({**pointer, "version": 1}))
    _add_files(root)
    _recompute(root, lambda manifest: manifest.update({"version": 1}))


@pytest.fixture(scope="module")
def saved_v1(saved: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The saved database as a format-1 folder (still read; rankql no longer writes it)."""
    import shutil

    root = Path(shutil.copytree(saved, tmp_path_factory.mktemp("saved_v1") / "db"))
    _to_format_1(root)
    return root


def test_a_format_1_folder_opens(saved_v1: Path, tmp_path: Path) -> None:
    db = Database(_copy(saved_v1, tmp_path))
    vector = clustered(COUNT, DIM)[0].tolist()
    found = db.query(f"{{ Get {{ Doc(nearVector: {{vector: {vector}}}, limit: 5) {{ body }} }} }}")
    assert found["data"]["Get"]["Doc"][0] == {"body": "doc 0"}
    assert len(db.collection("Doc")) == COUNT


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["objects"][0].__setitem__(0, -1),
        lambda d: d["objects"][0].__setitem__(0, 10**12),
        lambda d: d["objects"][1].__setitem__(0, d["objects"][0][0]),
        lambda d: d["objects"][1].__setitem__(1, d["objects"][0][1]),
        lambda d: d.update({"next_id": "many"}),
    ],
    ids=["doc id -1", "doc id beyond", "repeated doc id", "repeated uuid", "next_id a string"],
)
def test_crafted_format_1_rows_are_refused(saved_v1: Path, tmp_path: Path, edit) -> None:
    root = _copy(saved_v1, tmp_path)
    _edit_json(root, "objects.json", edit)
    with pytest.raises(StorageError, match="damaged or crafted"):
        Database(root)


def test_format_1_vectors_of_another_size_are_refused(saved_v1: Path, tmp_path: Path) -> None:
    root = _copy(saved_v1, tmp_path)
    path = _collection_folder(root) / "vectors.npz"
    np.savez(path, vectors=np.zeros((COUNT, DIM + 1), np.float32), live=np.ones(COUNT, bool))
    _recompute(root)
    with pytest.raises(StorageError, match=r"expected \(rows, 8\)"):
        Database(root)


def _rename_folder(new: str) -> Callable[[dict], None]:
    def edit(manifest: dict) -> None:
        old = manifest["collections"][0]["folder"]
        manifest["collections"][0]["folder"] = new
        manifest["files"] = {rel.replace(old, new, 1): entry for rel, entry in manifest["files"].items()}

    return edit


@pytest.mark.parametrize(
    "edit",
    [
        _rename_folder("../outside"),
        _rename_folder("/etc"),
        _rename_folder("a/../../b"),
        lambda m: m["files"].update({"../../../etc/passwd": [0, "0" * 64]}),
        lambda m: m["files"].update({"/etc/passwd": [0, "0" * 64]}),
        lambda m: m.update({"files": []}),
    ],
)
def test_manifest_paths_outside_the_generation_are_refused(saved: Path, tmp_path: Path, edit) -> None:
    root = _copy(saved, tmp_path)
    _recompute(root, edit)
    with pytest.raises(StorageError, match="damaged or crafted"):
        Database(root)
