"""Vectors a folder keeps relative to its HNSW files: every vector comes back bit for bit (every metric,
deletions, reused graph slots, named vectors, tenants, reused segments), a format-2 folder opens and saves
in the new form, and files that disagree are refused."""

from __future__ import annotations

import hashlib
import json
import shutil
import struct
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from rankql.runtime import Database, StorageError
from rankql.runtime.store import graph_vectors, held_vectors, segments
from rankql.runtime.store.flat import FlatIndex
from rankql.runtime.store.graph_vectors import AS_IS, FINE, WHOLE, GraphRows, decode, encode, load_arrays
from rankql.runtime.store.hnsw import HnswIndex

from .graph_folder import build, every_vector, vectors

OLD = Path(__file__).parent / "fixtures" / "folder_v2"  # saved by rankql's format 2, from build()
HEADER = struct.Struct("<QQQQQQiIQQQdQ")  # hnswlib's saveIndex header (hnswlib/hnswalg.h)


def _generation(root: Path) -> Path:
    return root / f"gen-{json.loads((root / 'rankql.json').read_text())['generation']:08d}"


def _recompute(root: Path) -> None:
    """What an attacker does after editing a file: fix every size and checksum in the manifest."""
    gen = _generation(root)
    manifest = json.loads((gen / "manifest.json").read_text())
    for rel in manifest["files"]:
        path = gen / rel
        manifest["files"][rel] = [path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest()]
    (gen / "manifest.json").write_text(json.dumps(manifest))


def _vector_files(gen: Path) -> list[Path]:
    return sorted(p for p in gen.rglob("*.npz") if p.name.startswith(("seg-", "named-")))


def _kinds(gen: Path) -> np.ndarray:
    counts = np.zeros(5, np.int64)
    for path in _vector_files(gen):
        with np.load(path) as npz:
            assert "vectors" not in npz.files, path
            counts += np.bincount(npz["kind"], minlength=5)
    return counts


@pytest.fixture(scope="module", autouse=True)
def small_chunks() -> Iterator[None]:
    """Rows rebuilt 5 at a time (4096 otherwise) and segments encoded 7 rows at a time (65536 otherwise):
    chunks and parts that start inside runs of every row kind."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(graph_vectors, "_CHUNK", 5)
        patch.setattr(segments, "_ENCODE_ROWS", 7)
        patch.setattr(held_vectors, "_CHUNK", 3)
        yield


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("graph") / "db"
    db = Database(root)
    build(db, checkpoint=True)
    want = every_vector(db)
    db.close()
    return root, want


def test_every_vector_comes_back_bit_for_bit(saved: tuple[Path, dict], tmp_path: Path) -> None:
    root = Path(shutil.copytree(saved[0], tmp_path / "db"))
    kinds = _kinds(_generation(root))
    assert kinds[FINE] and kinds[AS_IS] and kinds[WHOLE]  # relative, as stored, and whole rows all met
    cos = _generation(root) / "0000-Cos"
    records = HEADER.unpack_from((cos / "hnsw.bin").read_bytes())[2]
    assert records < json.loads((cos / "objects.json").read_text())["next_id"]  # deleted slots were reused
    first = next(cos.glob("seg-000000000000-*.npz"))
    inode = first.stat().st_ino
    db = Database(root)
    assert every_vector(db) == saved[1]  # setting a tenant COLD may checkpoint: paths first
    col = db.collection("Cos")
    col.delete("00000000-0000-4000-8000-00000000041")
    assert col.insert_many([{"properties": {"n": 1}, "vector": v.tolist()} for v in vectors(9, 77)]).ok
    want = every_vector(db)
    db.close()
    cos = _generation(root) / "0000-Cos"
    assert (cos / first.name).stat().st_ino == inode  # the segment was reused, not rewritten
    again = Database(root)
    assert every_vector(again) == want
    again.close()


def test_a_segment_that_no_longer_rebuilds_is_rewritten(tmp_path: Path) -> None:
    db = Database(tmp_path / "db")
    build(db, checkpoint=True)
    col = db.collection("Cos")
    # A graph whose stored vectors all differ from the segments' (as no checkpoint makes one): the next
    # checkpoint must not keep the segments written against the old one.
    # The exact store keeps its own copy here (as where the graph cannot be read in place), so that
    # the graph can be swapped under it.
    state = col.vectors.flat.state()
    flat = col.vectors.flat = FlatIndex.from_state("cosine", col.vectors.dim, state["vectors"], state["live"])
    ids = flat.live_ids()
    other = HnswIndex("cosine", flat.dim, m=4, ef_construction=16)
    other.add(ids, state["vectors"][ids] * np.float32(3) + np.float32(1))
    col.vectors.hnsw = other
    want = every_vector(db)
    db.close()
    segments = json.loads((_generation(tmp_path / "db") / "0000-Cos" / "objects.json").read_text())[
        "segments"
    ]
    assert len(segments) == 1  # written afresh as one
    again = Database(tmp_path / "db")
    assert every_vector(again) == want
    again.close()


def test_a_folder_of_format_2_opens_takes_writes_and_saves_in_the_new_form(tmp_path: Path) -> None:
    root = Path(shutil.copytree(OLD, tmp_path / "db"))
    with np.load(next(_generation(root).rglob("seg-*.npz"))) as npz:
        assert "vectors" in npz.files  # the fixture is of the old form
    fresh = Database()
    build(fresh)
    old = Database(root)
    assert every_vector(old) == every_vector(fresh)
    for db in (old, fresh):
        col = db.collection("Dot")
        col.delete("00000000-0000-4000-8000-00200000011")
        rows = [
            {"id": f"00000000-0000-4000-a000-{i:012d}", "vector": v.tolist()}
            for i, v in enumerate(vectors(6, 5))
        ]
        assert col.insert_many(rows).ok
    want = every_vector(fresh)
    assert every_vector(old) == want
    old.close()
    assert json.loads((root / "rankql.json").read_text())["version"] == 3
    gen = _generation(root)
    for folder in ["0000-Cos", "0001-Ltwo", "0002-Dot", "0003-Named", "0004-Ten/tenants/000000"]:
        assert _kinds(gen / folder)[AS_IS], folder  # rewritten relative to the graph
    again = Database(root)
    assert every_vector(again) == want
    again.close()


ODD = st.sampled_from([0.0, -0.0, 1e-45, -1e-45, 1e-38, -3e-39, 1e-20, 3e19, -3e30, 3.4e38, 1.0, -1.0])
ROWS = hnp.arrays(
    np.float32,
    st.tuples(st.integers(1, 40), st.integers(1, 9)),
    elements=st.one_of(st.floats(width=32, allow_nan=False, allow_infinity=False), ODD),
)


@settings(max_examples=120, deadline=None)
@given(rows=ROWS, metric=st.sampled_from(["cosine", "l2-squared", "dot"]), data=st.data())
def test_random_vectors_rebuild_from_the_graph(rows: np.ndarray, metric: str, data: st.DataObject) -> None:
    n, dim = rows.shape
    ids = np.arange(n)
    graph = HnswIndex(metric, dim, m=4, ef_construction=16)
    half = data.draw(st.integers(0, n))
    graph.add(ids[:half], rows[:half])
    gone = np.asarray(
        data.draw(st.lists(st.integers(0, max(half - 1, 0)), max_size=half, unique=True)), np.int64
    )
    graph.remove(gone)
    graph.add(ids[half:], rows[half:])  # takes the slots of the deleted, as later writes do
    live = np.ones(n, bool)
    live[gone] = False
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hnsw.bin"
        graph.save(path)
        rows_of = GraphRows(path, dim)
        np.savez(Path(tmp) / "v.npz", **encode(rows, live, ids, rows_of))
        with np.load(Path(tmp) / "v.npz") as npz:
            arrays = load_arrays(npz, "v.npz", n, dim)
        back = decode(arrays, live, ids, rows_of, dim, "v.npz")
    assert np.array_equal(back[live].view(np.uint32), rows[live].view(np.uint32))
    assert not back[~live].any()


def _edit_record(root: Path, folder: str, label: int, edit) -> None:
    """Apply `edit(record bytes, data offset, label offset)` to the level-0 record of doc id `label`."""
    path = _generation(root) / folder / "hnsw.bin"
    data = bytearray(path.read_bytes())
    header = HEADER.unpack_from(data)
    count, per, label_at, data_at = header[2], header[3], header[4], header[5]
    for slot in range(count):
        at = HEADER.size + slot * per
        if struct.unpack_from("<Q", data, at + label_at)[0] == label and not data[at + 2] & 1:
            edit(data, at, data_at, label_at)
            break
    else:
        raise AssertionError(f"no live record of {label}")
    path.write_bytes(bytes(data))
    _recompute(root)


def _change_component(data: bytearray, at: int, data_at: int, label_at: int) -> None:
    # A mantissa bit of the second component, high enough to change the vector rebuilt from it (the
    # lowest bit of a normalised component may vanish when divided back: that vector is still right).
    data[at + data_at + 4 + 2] ^= 0x10


def _mark_deleted(data: bytearray, at: int, data_at: int, label_at: int) -> None:
    data[at + 2] |= 1


def _first_kind(root: Path, folder: str, kind: int) -> int:
    """A live doc id of the collection's first segment whose row is of `kind`."""
    gen = _generation(root) / folder
    with np.load(next(gen.glob("seg-000000000000-*.npz"))) as npz, np.load(gen / "live.npz") as live:
        kinds = npz["kind"]
        alive = live["vectors"][: len(kinds)]
    return int(np.flatnonzero((kinds == kind) & alive)[0])


@pytest.mark.parametrize(
    ("folder", "kind", "edit", "words"),
    [
        ("0000-Cos", FINE, _change_component, "disagrees"),
        ("0001-Ltwo", AS_IS, _change_component, "disagrees"),
        ("0002-Dot", AS_IS, _change_component, "disagrees"),
        ("0000-Cos", FINE, _mark_deleted, "does not hold"),
    ],
    ids=[
        "cosine, a vector changed",
        "l2-squared, a vector changed",
        "dot, a vector changed",
        "marked deleted",
    ],
)
def test_a_graph_that_disagrees_is_refused(
    saved: tuple[Path, dict], tmp_path: Path, folder: str, kind: int, edit, words: str
) -> None:
    root = Path(shutil.copytree(saved[0], tmp_path / "db"))
    _edit_record(root, folder, _first_kind(root, folder, kind), edit)
    with pytest.raises(StorageError, match=f"damaged or crafted: .*{words}"):
        Database(root)


def _edit_arrays(edit):
    def craft(root: Path) -> None:
        path = next((_generation(root) / "0000-Cos").glob("seg-000000000000-*.npz"))
        with np.load(path) as npz:
            arrays = {k: npz[k].copy() for k in npz.files}
        edit(arrays)
        np.savez(path, **arrays)

    return craft


def _two_labels(root: Path) -> None:
    victim = _first_kind(root, "0000-Cos", FINE)
    twin = _first_kind(root, "0000-Cos", AS_IS)
    _edit_record(
        root,
        "0000-Cos",
        twin,
        lambda data, at, d, label_at: struct.pack_into("<Q", data, at + label_at, victim),
    )


CRAFTED = {
    "an unknown row kind": _edit_arrays(lambda a: a["kind"].__setitem__(0, 9)),
    "kinds of int64": _edit_arrays(lambda a: a.update(kind=a["kind"].astype(np.int64))),
    "one scale short": _edit_arrays(lambda a: a.update(scales=a["scales"][:-1])),
    "corrections of another width": _edit_arrays(
        lambda a: a.update(fine=np.zeros((len(a["fine"]), 9), np.uint8))
    ),
    "no checks": _edit_arrays(lambda a: a.pop("checks")),
    "changed scales": _edit_arrays(lambda a: a.update(scales=a["scales"] * np.float32(2))),
    "changed corrections": _edit_arrays(lambda a: a.update(fine=a["fine"] ^ np.uint8(3))),
    "a doc id in two records": _two_labels,
    "a header of another layout": lambda root: _edit_header(root, 5, 12),
    "more records than bytes": lambda root: _edit_header(root, 2, 10**9),
}


def _edit_header(root: Path, field: int, value: int) -> None:
    path = _generation(root) / "0000-Cos" / "hnsw.bin"
    data = bytearray(path.read_bytes())
    fields = list(HEADER.unpack_from(data))
    fields[field] = value
    HEADER.pack_into(data, 0, *fields)
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("craft", CRAFTED.values(), ids=CRAFTED.keys())
def test_crafted_vector_arrays_are_refused(saved: tuple[Path, dict], tmp_path: Path, craft) -> None:
    root = Path(shutil.copytree(saved[0], tmp_path / "db"))
    craft(root)
    _recompute(root)
    with pytest.raises(StorageError, match="damaged or crafted"):
        Database(root)
