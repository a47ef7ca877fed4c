"""Acknowledged writes survive kill -9 (durable and relaxed), torn log tails, the folder lock, folders
without a pointer, failed checkpoints, automatic checkpoints."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from rankql.runtime import Database, StorageError
from rankql.runtime.store import persist
from rankql.runtime.store.wal import MAGIC, read_records

from . import durable_child
from .shapes import bm25_hits

CHILD = Path(durable_child.__file__)


def _child(path: Path, *args: object, wait_for: str = "ack") -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), str(path), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONUNBUFFERED="1"),
    )
    while True:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
        if line.strip() == wait_for:
            return proc


def _kill(proc: subprocess.Popen) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _notes(path: Path) -> list[int]:
    with Database(path) as db:
        c = db.collection("Note")
        return sorted(c.properties_of(d)["n"] for d in c.live_ids())


@pytest.mark.parametrize("durability", ["durable", "relaxed"])
def test_a_write_acknowledged_before_kill_9_is_there(tmp_path: Path, durability: str) -> None:
    path = tmp_path / "db"
    _kill(_child(path, durability, 0, 30))  # never saved: only the log holds the writes
    assert _notes(path) == list(range(30))
    _kill(_child(path, durability, 30, 5))  # over a checkpoint (close() above made one) and a log tail
    assert _notes(path) == list(range(35))
    with Database(path) as db:  # the objects came back with their vectors and keyword index
        c = db.collection("Note")
        doc = next(d for d in c.live_ids() if c.properties_of(d)["n"] == 33)
        assert c.vector_of(doc).tolist() == durable_child.vector(33)
        assert [d for d, _, _ in bm25_hits(c, "33", k=3)] == [doc]


def test_a_settings_change_acknowledged_before_kill_9_is_there(tmp_path: Path) -> None:
    path = tmp_path / "db"
    _kill(_child(path, "durable", 0, 3, "short notes", wait_for="described"))
    with Database(path) as db:  # replayed from the log: no checkpoint was made after the change
        assert db.collection("Note").definition["description"] == "short notes"
        assert len(db.collection("Note")) == 3
    # over a checkpoint (close() above made one) and a log tail
    _kill(_child(path, "durable", 3, 1, "notes", wait_for="described"))
    with Database(path) as db:
        assert db.collection("Note").definition["description"] == "notes"


def _log(path: Path) -> Path:
    (log,) = path.glob("wal-*.log")
    return log


def test_a_torn_log_tail_is_dropped_and_later_writes_follow_it(tmp_path: Path) -> None:
    path = tmp_path / "db"
    _kill(_child(path, "durable", 0, 10))
    _kill(_child(path, "durable", 10, 10))
    assert _notes(path) == list(range(20))  # closing made a checkpoint of all 20: the log starts empty
    _kill(_child(path, "durable", 20, 10))
    log = _log(path)
    data = log.read_bytes()
    records, end = read_records(log)
    assert end == len(data) and [r[0]["op"] for r in records] == ["put"]
    log.write_bytes(data[:-7])  # the last record torn in the middle: a crash while it was written
    assert _notes(path) == list(range(20))  # the torn write is gone, nothing else
    _kill(_child(path, "durable", 40, 3))
    log = _log(path)
    log.write_bytes(log.read_bytes() + b"\x10\x00\x00\x00garbage")  # a record header and no record
    assert _notes(path) == [*range(20), 40, 41, 42]
    assert read_records(_log(path))[0] == []  # the checkpoint at close emptied the log


def test_a_corrupt_record_ends_the_log(tmp_path: Path) -> None:
    path = tmp_path / "db"
    _kill(_child(path, "durable", 0, 10))
    log = _log(path)
    data = bytearray(log.read_bytes())
    records, _ = read_records(log)
    assert [r[0]["op"] for r in records] == ["create", "put"]
    data[-3] ^= 0xFF  # a flipped bit inside the put: its checksum no longer matches
    log.write_bytes(bytes(data))
    with Database(path) as db:
        assert db.collections() == ["Note"] and len(db.collection("Note")) == 0


def test_a_second_process_gets_a_clear_error_naming_the_holder(tmp_path: Path) -> None:
    path = tmp_path / "db"
    holder = _child(path, "durable", 0, 0, wait_for="open")
    try:
        with pytest.raises(StorageError) as info:
            Database(path)
        assert f"process {holder.pid}" in str(info.value)
        assert info.value.hint
    finally:
        _kill(holder)
    with Database(path) as db:  # the lock went with the killed process
        assert db.collections() == []
        with pytest.raises(StorageError, match="this process"):
            Database(path)  # a second Database in the same process is refused too
    Database(path).close()


def test_generations_without_a_pointer_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "db"
    with Database(path) as db:
        db.create_collection({"class": "A"}).insert({"properties": {}})
    (path / "rankql.json").unlink()
    before = sorted(p.name for p in path.iterdir())
    with pytest.raises(StorageError, match="no rankql.json") as info:
        Database(path)
    assert "restore" in info.value.hint
    assert sorted(p.name for p in path.iterdir()) == before  # nothing deleted or created


def test_an_interrupted_first_checkpoint_opens_from_its_log(tmp_path: Path) -> None:
    path = tmp_path / "db"
    _kill(_child(path, "durable", 0, 4))  # a log, no checkpoint yet
    (path / "gen-00000001").mkdir()  # renamed into place, but the pointer was never written
    assert _notes(path) == [0, 1, 2, 3]
    assert (path / "gen-00000001").exists()  # a save never deletes what the pointer did not name


def test_a_failed_checkpoint_leaves_no_tmp_and_loses_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "db"
    db = Database(path)
    db.create_collection({"class": "A"}).insert_many([{"properties": {}} for _ in range(5)])
    db.save()
    db.collection("A").insert({"properties": {}})
    real = persist._save_collection

    def disk_full(*args):
        real(*args)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(persist, "_save_collection", disk_full)
    with pytest.raises(StorageError, match="No space left"):
        db.save()
    names = sorted(p.name for p in path.iterdir())
    assert not [n for n in names if n.endswith(".tmp")]
    # The pointer still names generation 1; its log and the next one hold every write since.
    assert names == ["gen-00000001", "rankql.json", "rankql.lock", "wal-00000001.log", "wal-00000002.log"]
    db.collection("A").insert({"properties": {}})  # still writable: the log takes it
    monkeypatch.undo()
    db._folder.close()  # a crash: no checkpoint at close
    with Database(path) as reopened:
        assert len(reopened.collection("A")) == 7


def test_no_save_deletes_a_generation_the_pointer_did_not_name(tmp_path: Path) -> None:
    path = tmp_path / "db"
    with Database(path) as db:
        db.create_collection({"class": "A"})
    (path / "gen-00000009").mkdir()  # someone else's, or an unpublished one
    with Database(path) as db:
        db.collection("A").insert({"properties": {}})
    assert (path / "gen-00000009").exists() and (path / "gen-00000010").exists()
    assert not (path / "gen-00000001").exists()  # the one the pointer named before


def test_a_long_log_runs_a_checkpoint_by_itself(tmp_path: Path) -> None:
    path = tmp_path / "db"
    db = Database(path)
    db.checkpoint_log_bytes = 4096
    c = db.create_collection({"class": "A", "properties": [{"name": "t", "dataType": ["text"]}]})
    for i in range(10):
        c.insert_many([{"properties": {"t": f"text {i} {j} " * 5}} for j in range(20)])
    assert (path / "rankql.json").exists()
    assert _log(path).stat().st_size < 4096 + 4000  # emptied at each checkpoint
    db._folder.close()  # a crash
    with Database(path) as reopened:
        assert len(reopened.collection("A")) == 200


def test_a_write_that_fails_after_logging_is_not_replayed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "db"
    db = Database(path)
    c = db.create_collection({"class": "A", "properties": [{"name": "t", "dataType": ["text"]}]})
    c.insert({"properties": {"t": "kept"}})

    def broken(items, tokens=None):
        list(items)
        raise MemoryError("no room")

    monkeypatch.setattr(c.bm25, "add_many", broken)
    with pytest.raises(MemoryError):
        c.insert({"properties": {"t": "lost"}})
    monkeypatch.undo()
    assert len(c) == 1
    ops = [h["op"] for h, _ in read_records(_log(path))[0]]
    assert ops == ["create", "put"]  # the failed put was cut from the log again
    db._folder.close()  # a crash
    with Database(path) as reopened:
        c = reopened.collection("A")
        assert [c.properties_of(d)["t"] for d in c.live_ids()] == ["kept"]


def test_durability_must_be_a_known_mode(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="durability must be one of"):
        Database(tmp_path / "db", durability="fast")
    assert not (tmp_path / "db").exists()


def test_a_log_that_is_not_ours_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "db"
    path.mkdir()
    (path / "wal-00000000.log").write_bytes(b"something else entirely")
    with pytest.raises(StorageError, match="cannot be read"):
        Database(path)
    assert (path / "wal-00000000.log").read_bytes() == b"something else entirely"
    assert MAGIC.startswith(b"RQLWAL")


def test_a_checkpoint_links_the_object_data_it_already_wrote(tmp_path: Path) -> None:
    path = tmp_path / "db"
    db = Database(path)
    c = db.create_collection({"class": "A", "properties": [{"name": "t", "dataType": ["text"]}]})
    c.insert_many([{"properties": {"t": f"first {i}"}, "vector": [1.0, float(i)]} for i in range(50)])
    db.save()
    (first,) = (path / "gen-00000001").glob("*/seg-*.json")
    inode = first.stat().st_ino
    c.insert_many([{"properties": {"t": f"second {i}"}, "vector": [2.0, float(i)]} for i in range(5)])
    c.delete(c.uuid_of(3))
    db.save()
    segments = sorted((path / "gen-00000002").glob("*/seg-*.json"))
    assert [s.name for s in segments] == [first.name, "seg-000000000050-000000000055.json"]
    assert segments[0].stat().st_ino == inode  # the same file, linked: not written again
    db.close()
    with Database(path) as reopened:
        c = reopened.collection("A")
        assert len(c) == 54 and c.doc_id_of(c.objects.uuids[3]) is None
        assert sorted(c.properties_of(d)["t"] for d in c.live_ids())[:2] == ["first 0", "first 1"]
        assert c.vector_of(c.live_ids()[-1]).tolist() == [2.0, 4.0]


def test_every_later_checkpoint_links_the_first_segment_again(tmp_path: Path) -> None:
    path = tmp_path / "db"
    with Database(path) as db:
        c = db.create_collection({"class": "A", "properties": [{"name": "t", "dataType": ["text"]}]})
        c.insert_many([{"properties": {"t": f"first {i}"}} for i in range(20)])
        db.save()
        (first,) = (path / "gen-00000001").glob("*/seg-*.json")
        inode = first.stat().st_ino
        for generation, count in ((2, 2), (3, 3)):
            c.insert_many([{"properties": {"t": f"more {generation} {i}"}} for i in range(3)])
            db.save()
            segments = sorted((path / f"gen-{generation:08d}").glob("*/seg-*.json"))
            assert len(segments) == count  # one new segment per save, the earlier ones linked
            assert segments[0].name == first.name and segments[0].stat().st_ino == inode
    with Database(path) as reopened:
        assert len(reopened.collection("A")) == 26


def test_a_log_record_that_does_not_fit_is_a_storage_error(tmp_path: Path) -> None:
    from rankql.runtime.store.wal import encode

    path = tmp_path / "db"
    path.mkdir()
    (path / "wal-00000000.log").write_bytes(MAGIC + encode({"op": "delete", "class": "Nowhere", "uuids": []}))
    with pytest.raises(StorageError, match="does not fit the database"):
        Database(path)
    (path / "wal-00000000.log").unlink()
    Database(path).close()  # the refused open released the folder lock


def test_a_recreated_collection_does_not_inherit_the_old_ones_data(tmp_path: Path) -> None:
    path = tmp_path / "db"
    with Database(path) as db:
        db.create_collection({"class": "A"}).insert_many([{"properties": {}} for _ in range(4)])
        db.save()
        db.delete_collection("A")
        db.create_collection({"class": "A"}).insert({"properties": {}})
    with Database(path) as db:
        assert len(db.collection("A")) == 1


def _full_disk(*args: object) -> int:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_is_a_storage_error_and_writes_nothing(tmp_path: Path, monkeypatch) -> None:
    from rankql.runtime.store import wal

    path = tmp_path / "db"
    db = Database(path)
    c = db.create_collection({"class": "A"})
    monkeypatch.setattr(wal.os, "write", _full_disk)
    with pytest.raises(StorageError, match="cannot write the write-ahead log") as caught:
        c.insert_many([{"properties": {}} for _ in range(3)])
    assert "free disk space" in caught.value.hint
    monkeypatch.undo()
    assert len(c) == 0
    c.insert({"properties": {}})  # the log took no torn record: later writes go on
    db._folder.close()  # a crash: the log alone brings the database back
    with Database(path) as reopened:
        assert len(reopened.collection("A")) == 1


def test_a_write_that_failed_to_apply_does_not_come_back(tmp_path: Path, monkeypatch) -> None:
    from rankql.runtime.store import wal

    path = tmp_path / "db"
    db = Database(path)
    c = db.create_collection({"class": "A"})

    def fail_to_apply(*args: object, **kwargs: object) -> None:
        monkeypatch.setattr(wal.os, "write", _full_disk)  # the disk fills up as well
        raise MemoryError("no room for the write")

    monkeypatch.setattr(c.writer, "_apply", fail_to_apply)
    with pytest.raises(MemoryError):
        c.insert_many([{"properties": {}} for _ in range(3)])
    monkeypatch.undo()
    assert len(c) == 0
    db._folder.close()  # a crash right after the failed write
    with Database(path) as reopened:
        assert len(reopened.collection("A")) == 0


@pytest.mark.parametrize(
    "objects",
    [
        [["00000000-0000-0000-0000-000000000001", 1, "not a dict", False]],
        [["00000000-0000-0000-0000-00000000000A", 1, {}, False]],
        [["{00000000-0000-0000-0000-000000000001}", 1, {}, False]],
        [["00000000-0000-0000-0000-000000000001", 1, {}]],
        "many",
    ],
)
def test_a_crafted_put_record_is_a_storage_error(tmp_path: Path, objects: object) -> None:
    from rankql.runtime.store.wal import encode

    path = tmp_path / "db"
    db = Database(path)
    db.create_collection({"class": "A"}).insert({"properties": {}})
    db._folder.close()  # a crash: the log alone holds the collection
    log = _log(path)
    good = log.read_bytes()
    log.write_bytes(good + encode({"op": "put", "class": "A", "stamp": 1, "objects": objects}))
    with pytest.raises(StorageError, match="damaged or crafted"):
        Database(path)
    log.write_bytes(good)
    with Database(path) as reopened:  # the same log without the crafted record opens
        assert len(reopened.collection("A")) == 1
