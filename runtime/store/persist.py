"""Checkpoints of a database folder: whole generations written aside, fsynced, then switched atomically.

Layout: `rankql.json` (the pointer: format, version, current generation), `gen-<n>/` folders, each with a
`manifest.json` (sizes and sha256 of every file) and one sub-folder per collection, `wal-<n>.log` (the
writes since generation n, see wal.py) and `rankql.lock` (folder_lock.py). A checkpoint writes
`gen-<n+1>.tmp`, fsyncs it, renames it to `gen-<n+1>`, starts an empty `wal-<n+1>.log`, then replaces the
pointer with os.replace: a crash at any moment leaves the pointer on a complete generation and its log.
Only JSON, .npz (no pickle) and hnswlib's own format are read back, each after its checksum matched.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RankqlError, StorageError
from .bm25_persist import load_bm25, save_bm25
from .collection import Collection, _keyword_parts
from .flat import FlatIndex
from .folder_checks import check_definition, check_manifest, check_objects, check_vector_arrays
from .graph_vectors import GraphRows
from .hnsw import HnswIndex, dynamic_settings
from .named_persist import load_named, save_named
from .objects import ObjectTable
from .segments import read_segments, write_segments
from .tenants import Tenant
from .tenants_persist import load_tenants, save_tenants
from .values import normalize_value

FORMAT = "rankql-database"
# 3: vectors relative to the HNSW file (graph_vectors.py); 2: object data in segments (segments.py);
# 1: objects inline. All three are read; a save writes 3.
VERSION = 3
_READABLE = (1, 2, 3)
POINTER = "rankql.json"
_GEN = re.compile(r"^gen-(\d{8})(\.tmp)?$")
_WAL = re.compile(r"^wal-(\d{8})\.log$")
_OURS = ("rankql.lock", f"{POINTER}.tmp")
_HINT = "restore the folder from a backup, or open another path (a new folder makes a new database)"


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")


def _save_collection(collection: Collection, folder: Path, final: Path | None = None) -> dict[str, list]:
    """Write one collection into `folder` (to be renamed to `final`); the files whose digests are known."""
    folder.mkdir()
    _write_json(folder / "definition.json", collection.definition)
    hnsw, dim = collection.vectors.hnsw, collection.vectors.dim
    graph = None
    if hnsw is not None:  # first: the segments' vectors are kept relative to it
        hnsw.save(folder / "hnsw.bin")
        graph = GraphRows(folder / "hnsw.bin", dim) if dim is not None else None
    meta, known = write_segments(collection, folder, final or folder, graph)
    if hnsw is not None:
        meta["hnsw_count"] = len(hnsw)
    if collection.named:
        meta["named"] = save_named(collection.named, folder)
    _write_json(folder / "objects.json", meta)
    (folder / "bm25").mkdir()
    save_bm25(collection.bm25, folder / "bm25")
    if collection.tenant_shards is not None:  # each tenant its own shard, in a folder of its own
        known.update(save_tenants(collection, folder, final or folder, _save_collection))
    return known


def wal_name(generation: int) -> str:
    """The log of the writes made after checkpoint `generation` (0: before the first one)."""
    return f"wal-{generation:08d}.log"


def next_generation(root: Path, current: int | None) -> int:
    """A generation number above every generation and log in the folder."""
    numbers = [
        int(m.group(1)) for m in (_GEN.match(p.name) or _WAL.match(p.name) for p in root.iterdir()) if m
    ]
    return max([current or 0, *numbers]) + 1


def log_numbers(root: Path) -> list[int]:
    """The generations whose logs are in the folder, in order."""
    return sorted(int(m.group(1)) for m in (_WAL.match(p.name) for p in root.iterdir()) if m)


def save_database(
    root: Path,
    collections: Iterable[Collection],
    *,
    previous: int | None = None,
    generation: int | None = None,
) -> int:
    """Write every collection as a new generation and switch to it; returns the generation number.

    `previous` is the generation the pointer names now: only it (and leftovers of interrupted saves) is
    deleted once the pointer moved, with the logs older than the new generation. On failure no `.tmp`
    stays behind and the pointer still names `previous`.
    """
    root.mkdir(parents=True, exist_ok=True)
    if generation is None:
        generation = next_generation(root, previous)
    name = f"gen-{generation:08d}"
    tmp = root / f"{name}.tmp"
    pointer_tmp = root / f"{POINTER}.tmp"
    switched = False
    try:
        _write_generation(tmp, generation, collections)
        os.rename(tmp, root / name)
        fsync_dir(root)
        with open(pointer_tmp, "w", encoding="utf-8") as fh:
            json.dump({"format": FORMAT, "version": VERSION, "generation": generation}, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(pointer_tmp, root / POINTER)
        switched = True
        fsync_dir(root)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        pointer_tmp.unlink(missing_ok=True)
        if not switched:
            shutil.rmtree(root / name, ignore_errors=True)  # never named by the pointer: unused
        raise
    # The generation the pointer named before is garbage now, and so are leftovers of interrupted saves;
    # any other generation is left alone (a save never deletes what the pointer did not name).
    for path in root.iterdir():
        match = _GEN.match(path.name)
        if match and (match.group(2) or (previous is not None and int(match.group(1)) == previous)):
            shutil.rmtree(path, ignore_errors=True)
        match = _WAL.match(path.name)
        if match and int(match.group(1)) < generation:  # writes the new generation holds
            path.unlink(missing_ok=True)
    return generation


def _write_generation(tmp: Path, generation: int, collections: Iterable[Collection]) -> None:
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    listing = []
    known: dict[str, list] = {}  # files linked from the previous generation or digested as written
    final = tmp.with_name(tmp.name.removesuffix(".tmp"))
    for position, collection in enumerate(collections):
        folder = f"{position:04d}-{collection.name}"
        linked = _save_collection(collection, tmp / folder, final / folder)
        known.update({f"{folder}/{name}": entry for name, entry in (linked or {}).items()})
        listing.append({"name": collection.name, "folder": folder})
    files = {}
    for path in sorted(p for p in tmp.rglob("*") if p.is_file()):
        rel = path.relative_to(tmp).as_posix()
        if rel in known:
            files[rel] = known[rel]
            continue
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
        files[rel] = [path.stat().st_size, _digest(path)]
    manifest = {"format": FORMAT, "version": VERSION, "generation": generation, "collections": listing}
    manifest["files"] = files
    with open(tmp / "manifest.json", "w", encoding="utf-8") as fh:
        json.dump(manifest, fh)
        fh.flush()
        os.fsync(fh.fileno())
    for folder in sorted({p.parent for p in tmp.rglob("*")} | {tmp}, key=lambda p: -len(p.parts)):
        fsync_dir(folder)


def _read_pointer(root: Path) -> int:
    try:
        data = json.loads((root / POINTER).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StorageError(
            f"database folder '{root}' has an unreadable {POINTER}: {exc}", hint=_HINT
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise StorageError(f"'{root}' is not a rankql database folder ({POINTER} is foreign)", hint=_HINT)
    if data.get("version") not in _READABLE:
        raise StorageError(
            f"database folder '{root}' has format version {data.get('version')!r}; this rankql reads {', '.join(map(str, _READABLE))}",
            hint="open it with the rankql version that wrote it",
        )
    generation = data.get("generation")
    if not isinstance(generation, int) or generation < 1:
        raise StorageError(f"database folder '{root}' has a damaged {POINTER}", hint=_HINT)
    return generation


def folder_generation(root: Path) -> int | None:
    """The generation the pointer names; None for a new folder (missing, empty, or only a log so far).

    StorageError for a file, a folder with other content (no one's files get mixed with ours), and a
    folder with generations but no pointer (it is damaged: opening it empty would lose them).
    """
    if not root.exists():
        return None
    if not root.is_dir():
        raise StorageError(f"database path '{root}' is a file, not a folder", hint="give a folder path")
    if (root / POINTER).exists():
        return _read_pointer(root)
    names = [p.name for p in root.iterdir()]
    foreign = [n for n in names if not (_GEN.match(n) or _WAL.match(n) or n in _OURS)]
    if foreign:
        raise StorageError(
            f"'{root}' is not a rankql database folder (it holds {', '.join(sorted(foreign)[:3])}...)",
            hint="open an empty or new folder, or a folder a rankql Database saved",
        )
    generations = sorted(n for n in names if (m := _GEN.match(n)) and not m.group(2))
    # A first checkpoint interrupted between its rename and the pointer leaves gen-00000001 beside the
    # log it was made from: that log is the truth. Anything else without a pointer is damage.
    if generations and not (root / wal_name(0)).exists():
        raise StorageError(
            f"database folder '{root}' holds {', '.join(generations[:3])} but no {POINTER}: "
            "it is damaged, and opening it empty would lose them",
            hint=f"restore {POINTER} from a backup (it names the current generation), or open another path",
        )
    return None


def load_database(root: Path, registered: Callable[[], Iterable[str]]) -> list[Collection]:
    """The collections of the current generation; StorageError when anything is missing or damaged."""
    generation = _read_pointer(root)
    folder = root / f"gen-{generation:08d}"
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        check_manifest(manifest)
        if manifest.get("format") != FORMAT or manifest.get("generation") != generation:
            raise ValueError("manifest does not belong to this generation")
        for rel, (size, digest) in manifest["files"].items():
            path = folder / rel
            if not path.is_file() or path.stat().st_size != size or _digest(path) != digest:
                raise ValueError(f"file {rel} is missing or damaged (size or checksum differ)")
        return [
            _load_collection(folder / c["folder"], registered, _files_of(manifest["files"], c["folder"]))
            for c in manifest["collections"]
        ]
    except StorageError:
        raise
    except RankqlError:
        raise  # e.g. a vectorizer model that is not on this machine: its own message says what to do
    except Exception as exc:
        raise StorageError(f"database folder '{root}' is damaged: {exc}", hint=_HINT) from None


def _files_of(files: dict[str, list], folder: str) -> dict[str, list]:
    """The manifest entries of one collection folder, by name inside it."""
    prefix = f"{folder}/"
    return {rel[len(prefix) :]: entry for rel, entry in files.items() if rel.startswith(prefix)}


def _load_collection(
    folder: Path,
    registered: Callable[[], Iterable[str]],
    files: dict[str, list] | None = None,
    *,
    tenant: str | None = None,
) -> Collection:
    definition = check_definition(json.loads((folder / "definition.json").read_text(encoding="utf-8")))
    collection = Collection(definition, registered=registered, _empty=True, tenant=tenant)
    meta = json.loads((folder / "objects.json").read_text(encoding="utf-8"))
    dim = meta["dim"]
    vectors = collection.vectors
    if "segments" in meta:
        graph = GraphRows(folder / "hnsw.bin", int(dim)) if "hnsw_count" in meta and dim is not None else None
        read_segments(collection, folder, meta, files or {}, graph)
    else:  # format 1: every object inline, vectors in one file
        _load_inline_objects(collection, folder, meta)
    if "hnsw_count" in meta:
        config = definition["vectorIndexConfig"]
        vectors.hnsw = HnswIndex.load(
            folder / "hnsw.bin",
            vectors.metric,
            int(dim),
            count=int(meta["hnsw_count"]),
            ef_construction=int(config["efConstruction"]),
            m=int(config["maxConnections"]),
            ef=int(config["ef"]),
            dynamic=dynamic_settings(config),
        )
        vectors.hold()
    load_named(collection.named, folder, meta.get("named") or [])
    collection.bm25 = load_bm25(folder / "bm25")
    collection.stopwords = _keyword_parts(definition)[1]
    if collection.tenant_shards is not None:
        collection.tenant_shards = load_tenants(collection, folder, files or {}, _load_collection)
    return collection


def load_tenant(tenant: Tenant, registered: Callable[[], Iterable[str]]) -> Collection:
    """An unloaded tenant's shard read back from the checkpoint that holds its files."""
    if tenant.source is None:
        raise StorageError(f"tenant '{tenant.name}' has no files on disk to load", hint=_HINT)
    try:
        files = tenant.files if tenant.files is not None else _tenant_entries(tenant.source)
        return _load_collection(tenant.source, registered, files, tenant=tenant.name)
    except RankqlError:
        raise
    except Exception as exc:
        raise StorageError(
            f"tenant '{tenant.name}' cannot be loaded from '{tenant.source}': {exc}", hint=_HINT
        ) from None


def _load_inline_objects(collection: Collection, folder: Path, meta: dict) -> None:
    check_objects(meta)
    types = collection._types
    table = ObjectTable()
    table.skip(int(meta["next_id"]))
    for doc_id, uuid, created, updated, props in meta["objects"]:
        table.uuids[doc_id], table.created[doc_id], table.updated[doc_id] = uuid, int(created), int(updated)
        table.props[doc_id] = {k: normalize_value(types[k], v) for k, v in props.items()}
        table.by_uuid[uuid] = doc_id
    collection.objects = table
    dim = meta["dim"]
    vectors = collection.vectors
    if dim is not None:
        with np.load(folder / "vectors.npz", allow_pickle=False) as data:
            check_vector_arrays(data["vectors"], data["live"], int(dim))
            vectors.flat = FlatIndex.from_state(vectors.metric, int(dim), data["vectors"], data["live"])


def _tenant_entries(source: Path) -> dict[str, list]:
    """The manifest entries of a tenant folder (`gen-N/<class>/tenants/<k>`), read from its generation."""
    generation = source.parents[2]
    manifest = json.loads((generation / "manifest.json").read_text(encoding="utf-8"))
    return _files_of(manifest["files"], source.relative_to(generation).as_posix())
