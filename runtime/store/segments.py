"""Object data in append-only segments, so that a checkpoint writes only what was added since the last one.

Doc ids are never reused and an object's data never changes under its doc id (an update gets a new id),
so the data of a doc-id range, once written, stays right forever; only which ids are alive changes.
A collection's checkpoint folder holds:
- `seg-<start>-<end>.json`: one entry per doc id of the range, null (never stored) or
  [uuid, created ms, updated ms, properties as JSON values];
- `seg-<start>-<end>.npz`: the vectors of the range, relative to the collection's `hnsw.bin` where it has
  one (graph_vectors.py: a row kind per doc id, whole rows, scales, corrections, checks); format 2 wrote
  `vectors` (float32, one row per doc id, zeros where none) and `has` (bool), still read;
- `live.npz`: `objects` and `vectors`, bool masks over every doc id: what is alive now.
A checkpoint hard-links the segments of the previous one into its own folder (no copy, no rewrite) and
writes one new segment for the ids added since. It rewrites everything as one segment when the earlier
segments are many (SEGMENT_LIMIT) or mostly deleted objects, when a link cannot be made, or when an
earlier segment does not rebuild its live vectors bit for bit from the new `hnsw.bin` (or is of format 2).
A live vector's graph record never changes (only a deleted one's slot is reused), so the last is a
safeguard, checked on every checkpoint.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import StorageError
from .flat import FlatIndex
from .folder_checks import (
    check_live_masks,
    check_segment_arrays,
    check_segment_meta,
    check_segment_rows,
    damaged,
)
from .graph_vectors import GraphRows, Rows, differs, encode, is_relative, load_arrays, parts
from .held_vectors import GraphHeldIndex
from .objects import ObjectTable
from .values import normalize_value, to_json_value

SEGMENT_LIMIT = 32
_ENCODE_ROWS = 65536  # rows of a segment encoded at a time (about 100 MB of float32 at 384 dimensions)


@dataclass(frozen=True)
class Segment:
    """A doc-id range already on disk: its files (name -> [size, sha256]) and the folder holding them."""

    start: int
    end: int
    files: dict[str, list]
    source: Path


def write_segments(
    collection: Any, folder: Path, final: Path, graph: GraphRows | None = None
) -> tuple[dict, dict[str, list]]:
    """Write (or link) the object data of `collection` into `folder`, which will be renamed to `final`;
    vectors relative to `graph`, the collection's HNSW file just written into `folder` (if any).

    Returns the meta to keep in objects.json and the files whose size and digest are already known.
    Sets `collection._segments` (a frozen copy's) to the segments `final` holds.
    """
    table: ObjectTable = collection.objects
    next_id = table.next_id
    earlier: list[Segment] = list(getattr(collection, "_segments", []))
    covered = earlier[-1].end if earlier else 0
    if len(earlier) >= SEGMENT_LIMIT or (earlier and 2 * len(table) < covered):
        earlier = []  # many small segments, or mostly deleted objects: one fresh segment instead
    if collection.vectors.dim is not None and any(
        not any(n.endswith(".npz") for n in s.files) for s in earlier
    ):
        earlier = []  # written before the first vector: they have no vector file, which a reader needs
    if earlier and collection.vectors.dim is not None and not _still_exact(collection, earlier, graph):
        earlier = []
    known: dict[str, list] = {}
    try:
        for segment in earlier:
            for name, entry in segment.files.items():
                os.link(segment.source / name, folder / name)
                known[name] = entry
    except OSError:  # a file system without hard links, or a segment gone: write everything afresh
        for name in known:
            (folder / name).unlink(missing_ok=True)
        earlier, known = [], {}
    start = earlier[-1].end if earlier else 0
    segments = [dataclasses.replace(s, source=final) for s in earlier]  # the old folder goes away
    if next_id > start or not segments:
        files = _write_segment(collection, folder, start, next_id, graph)
        segments.append(Segment(start, next_id, files, final))
        known.update(files)
    vectors = collection.vectors
    objects_live = np.fromiter((p is not None for p in table.props), bool, next_id)
    vectors_live = np.zeros(next_id, bool)
    if vectors.dim is not None:
        mask = vectors.flat.live_mask[:next_id]
        vectors_live[: len(mask)] = mask
    np.savez(folder / "live.npz", objects=objects_live, vectors=vectors_live)
    collection._segments = segments
    meta = {
        "next_id": next_id,
        "dim": vectors.dim,
        "segments": [[s.start, s.end, sorted(s.files)] for s in segments],
    }
    return meta, known


class _HeldRows:
    """A held store's exact rows start..end-1 as Rows: rebuilt from the graph only as they are read."""

    def __init__(self, flat: GraphHeldIndex, start: int, end: int) -> None:
        self.flat, self.start, self.end = flat, start, end

    @property
    def shape(self) -> tuple[int, ...]:
        return (self.end - self.start, self.flat.dim or 0)

    def __getitem__(self, rows: slice) -> np.ndarray:
        first, stop, _ = rows.indices(self.end - self.start)
        return self.flat.between(self.start + first, self.start + stop)[0]


def _still_exact(collection: Any, segments: list[Segment], graph: GraphRows | None) -> bool:
    """Whether every segment is of this format and rebuilds its live vectors bit for bit from `graph`."""
    flat = collection.vectors.flat
    for segment in segments:
        name = f"seg-{segment.start:012d}-{segment.end:012d}.npz"
        ids = np.arange(segment.start, segment.end)
        exact: Rows
        if isinstance(flat, GraphHeldIndex):
            exact = _HeldRows(flat, segment.start, segment.end)  # rebuilt a chunk at a time as compared
            mask = flat.live_between(segment.start, segment.end)
        else:
            exact, mask = flat.between(segment.start, segment.end)
        try:
            with np.load(segment.source / name, allow_pickle=False) as npz:
                if not is_relative(npz):
                    return False
                arrays = load_arrays(npz, name, len(ids), flat.dim)
            if differs(arrays, mask, ids, graph, exact, name).any():
                return False
        except (OSError, ValueError, StorageError):
            return False
    return True


def _write_segment(
    collection: Any, folder: Path, start: int, end: int, graph: GraphRows | None
) -> dict[str, list]:
    table: ObjectTable = collection.objects
    types = collection._types
    rows = []
    for d in range(start, end):
        uuid, props = table.uuids[d], table.props[d]
        if uuid is None:
            rows.append(None)
            continue
        values = {k: to_json_value(types[k], v) for k, v in props.items()} if props is not None else {}
        rows.append([uuid, table.created[d], table.updated[d], values])
    name = f"seg-{start:012d}-{end:012d}"
    paths = [folder / f"{name}.json"]
    paths[0].write_text(json.dumps(rows, separators=(",", ":"), ensure_ascii=False), encoding="utf-8")
    flat = collection.vectors.flat
    if flat.dim is not None:
        # A part at a time: each kind's array keeps its rows in row order, so the parts' arrays joined
        # are the whole's, and no full copy of the vectors is built for a checkpoint.
        encoded = []
        for at in range(start, max(end, start + 1), _ENCODE_ROWS):
            stop = min(at + _ENCODE_ROWS, end)
            data, has = flat.between(at, stop)
            encoded.append(encode(data, has, np.arange(at, stop), graph))
        arrays = {key: np.concatenate([part[key] for part in encoded]) for key in encoded[0]}
        paths.append(folder / f"{name}.npz")
        np.savez(paths[1], **arrays)
    files = {}
    for path in paths:
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
            digest = hashlib.file_digest(fh, "sha256").hexdigest()
        files[path.name] = [path.stat().st_size, digest]
    return files


_PLAIN = {"text": str, "int": int, "number": float, "boolean": bool, "uuid": str}


def _loader(data_type: str) -> Callable[[Any], Any]:
    """JSON value -> stored value: as read where JSON already holds the stored type (checked with one
    type() call, the file's checksum having matched), normalize_value for dates and anything unexpected."""
    kind = _PLAIN.get(data_type.removesuffix("[]"))
    if kind is None:
        return lambda value: normalize_value(data_type, value)
    if data_type.endswith("[]"):
        return lambda value: (
            value
            if type(value) is list and all(type(v) is kind for v in value)
            else normalize_value(data_type, value)
        )
    return lambda value: value if type(value) is kind else normalize_value(data_type, value)


def read_segments(
    collection: Any, folder: Path, meta: dict, files: dict[str, list], graph: GraphRows | None = None
) -> None:
    """Fill `collection`'s object table and exact vector store from the segments of a checkpoint folder;
    `graph`: the folder's HNSW file, which vectors of this format are rebuilt from.

    Everything read is checked first (folder_checks.py): a checksum proves only which file this is.
    """
    check_segment_meta(meta)
    next_id = meta["next_id"]
    dim = meta["dim"]
    types = collection._types
    loaders = {name: _loader(data_type) for name, data_type in types.items()}
    with np.load(folder / "live.npz", allow_pickle=False) as live:
        objects_live, vectors_live = _arrays(live, "live.npz", "objects", "vectors")
    check_live_masks(objects_live, vectors_live, next_id)
    table = ObjectTable()
    table.skip(next_id)
    data = np.zeros((next_id, dim), np.float32) if dim is not None else None
    has_vector = np.zeros(next_id, bool)
    segments = []
    uuids: set[str] = set()
    for start, end, names in meta["segments"]:
        name = f"seg-{start:012d}-{end:012d}"
        rows = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
        check_segment_rows(rows, start, end, types.keys(), objects_live, uuids)
        for d, row in enumerate(rows, start):
            if row is None:
                continue
            uuid, created, updated, props = row
            table.uuids[d], table.created[d], table.updated[d] = uuid, created, updated
            if objects_live[d]:
                table.props[d] = {k: loaders[k](v) for k, v in props.items()}
                table.by_uuid[uuid] = d
        if data is not None:
            with np.load(folder / f"{name}.npz", allow_pickle=False) as npz:
                if is_relative(npz):
                    arrays = load_arrays(npz, f"{name}.npz", end - start, dim)
                    vectors = None
                else:
                    vectors, has = _arrays(npz, f"{name}.npz", "vectors", "has")
            if vectors is None:
                live = vectors_live[start:end]
                ids = np.arange(start, end)
                for at, rows in parts(arrays, live, ids, graph, dim, f"{name}.npz"):
                    data[start + at : start + at + len(rows)] = rows
                has_vector[start:end] = arrays["kind"] != 0
            else:
                check_segment_arrays(vectors, has, end - start, dim, f"{name}.npz")
                data[start:end] = vectors
                has_vector[start:end] = has
        if not all(n in files for n in names):
            raise damaged(f"segment {name} names files the manifest does not list")
        segments.append(Segment(start, end, {n: files[n] for n in names}, folder))
    if (vectors_live & ~has_vector).any():
        raise damaged("live.npz marks a vector alive that no segment holds")
    collection.objects = table
    if data is not None:
        vectors = collection.vectors
        vectors.flat = FlatIndex.from_state(vectors.metric, dim, data, vectors_live)
    collection._segments = segments


def _arrays(npz: Any, name: str, *keys: str) -> list[np.ndarray]:
    missing = [k for k in keys if k not in npz.files]
    if missing:
        raise damaged(f"{name} lacks its {', '.join(missing)} array")
    return [npz[k] for k in keys]
