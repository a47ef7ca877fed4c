"""Checks of a saved folder that someone else may have written: nothing read from it is trusted blindly.

A checksum proves a file is the one the manifest names, not that a friendly process wrote it (the manifest
can be recomputed). So before anything is used: manifest paths stay inside their generation, each
definition passes create_collection's own rules, object rows and vector arrays fit together, and an
hnswlib file's header and links are checked against its size and each other, since hnswlib itself
trusts them and a crafted one crashes the process (SIGSEGV) instead of raising.
"""

from __future__ import annotations

import struct
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import numpy as np

from ..errors import SchemaError, StorageError
from .definition import normalize_definition

_HINT = "restore the folder from a backup, or re-import the data; do not open folders from unknown sources"

# hnswlib's saveIndex (hnswlib/hnswalg.h): offsetLevel0, max_elements, cur_element_count,
# size_data_per_element, label_offset, offsetData (size_t each), maxlevel (int), enterpoint_node
# (uint32), maxM, maxM0, M (size_t), mult (double), ef_construction (size_t); then cur_element_count
# level-0 records, then per element a uint32 byte size and that many bytes of upper-level links.
_HNSW_HEADER = struct.Struct("<QQQQQQiIQQQdQ")
_HNSW_MAX_M = 10_000  # hnswlib caps M here (HierarchicalNSW's constructor)


def _damaged(what: str) -> StorageError:
    return StorageError(f"database folder is damaged or crafted: {what}", hint=_HINT)


def damaged(what: str) -> StorageError:
    """The error for content that does not fit together, found while reading it."""
    return _damaged(what)


def check_relative_path(path: Any, what: str) -> str:
    """A path the manifest names: relative, with no '..', no drive and no NUL; StorageError otherwise."""
    if not isinstance(path, str) or not path or "\0" in path or "\\" in path:
        raise _damaged(f"{what} {path!r} is not a plain relative path")
    posix = PurePosixPath(path)
    if posix.is_absolute() or PureWindowsPath(path).drive or ".." in posix.parts:
        raise _damaged(f"{what} {path!r} leaves the generation folder (absolute, or with '..')")
    return path


def check_manifest(manifest: Any) -> None:
    """The manifest's shape and every path it names (files and collection folders)."""
    if not isinstance(manifest, dict):
        raise _damaged("manifest.json is not an object")
    files, listing = manifest.get("files"), manifest.get("collections")
    if not isinstance(files, dict) or not isinstance(listing, list):
        raise _damaged("manifest.json lacks its files or collections")
    for rel, entry in files.items():
        check_relative_path(rel, "manifest file")
        ok = isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], str)
        if not ok or isinstance(entry[0], bool) or not isinstance(entry[0], int) or entry[0] < 0:
            raise _damaged(f"manifest entry of {rel!r} is not [size, sha256]")
    for item in listing:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise _damaged("a collection in manifest.json has no name")
        folder = check_relative_path(item.get("folder"), "collection folder")
        if len(PurePosixPath(folder).parts) != 1:
            raise _damaged(f"collection folder {folder!r} is not a folder of the generation")


def check_definition(definition: Any) -> dict:
    """The definition as create_collection would accept it (normalized), or StorageError naming why.

    Modules named in its moduleConfig count as known: custom rerankers are registered after opening.
    """
    modules: set[str] = set()
    if isinstance(definition, dict):
        for config in [definition.get("moduleConfig")] + [
            p.get("moduleConfig") for p in definition.get("properties") or [] if isinstance(p, dict)
        ]:
            if isinstance(config, dict):
                modules.update(k for k in config if isinstance(k, str))
    try:
        return normalize_definition(definition, modules)
    except SchemaError as exc:
        raise _damaged(f"definition.json would not be accepted by create_collection: {exc.message}") from None


def check_objects(meta: Any) -> None:
    """objects.json: a next id, and rows [doc id, uuid, created, updated, properties] that fit it."""
    if not isinstance(meta, dict):
        raise _damaged("objects.json is not an object")
    next_id, rows = meta.get("next_id"), meta.get("objects")
    if isinstance(next_id, bool) or not isinstance(next_id, int) or next_id < 0 or not isinstance(rows, list):
        raise _damaged("objects.json has no valid next_id or objects")
    seen: set[int] = set()
    uuids: set[str] = set()
    for row in rows:
        if not (isinstance(row, list) and len(row) == 5 and isinstance(row[4], dict)):
            raise _damaged("an object row of objects.json is malformed")
        doc_id, uuid = row[0], row[1]
        if isinstance(doc_id, bool) or not isinstance(doc_id, int) or not 0 <= doc_id < next_id:
            raise _damaged(f"object doc id {doc_id!r} is outside 0..{next_id - 1}")
        if doc_id in seen or not isinstance(uuid, str) or uuid in uuids:
            raise _damaged(f"object doc id {doc_id} or its uuid is repeated or invalid")
        seen.add(doc_id)
        uuids.add(uuid)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def check_segment_meta(meta: Any) -> None:
    """objects.json of format 2: next_id, dim, and segments [start, end, names] covering 0..next_id-1 in order."""
    if not isinstance(meta, dict) or not _count(meta.get("next_id")):
        raise _damaged("objects.json has no valid next_id")
    next_id, dim, segments = meta["next_id"], meta.get("dim"), meta.get("segments")
    if dim is not None and not (_count(dim) and dim > 0):
        raise _damaged(f"objects.json has a vector dimension {dim!r}")
    if not isinstance(segments, list):
        raise _damaged("objects.json has no list of segments")
    position = 0
    for entry in segments:
        ok = isinstance(entry, list) and len(entry) == 3 and _count(entry[0]) and _count(entry[1])
        if not ok or not isinstance(entry[2], list) or not all(isinstance(n, str) for n in entry[2]):
            raise _damaged("a segment of objects.json is not [start, end, files]")
        if entry[0] != position or not entry[0] <= entry[1] <= next_id:
            raise _damaged(f"segments do not cover the doc ids 0..{next_id - 1} in order")
        position = entry[1]
    if position != next_id:
        raise _damaged(f"segments do not cover the doc ids 0..{next_id - 1} in order")


def check_live_masks(objects: np.ndarray, vectors: np.ndarray, next_id: int) -> None:
    """live.npz: one flag per doc id for objects and for vectors; a live vector belongs to a live object."""
    for mask in (objects, vectors):
        if mask.shape != (next_id,) or mask.dtype != bool:
            raise _damaged(
                f"live.npz holds a mask of {mask.dtype} and shape {mask.shape}, expected {next_id} booleans"
            )
    if (vectors & ~objects).any():
        raise _damaged("live.npz marks a vector alive whose object is not")


def check_segment_rows(
    rows: Any, start: int, end: int, properties: Any, live: np.ndarray, uuids: set[str]
) -> None:
    """One segment's rows: null or [uuid, created, updated, properties], a live one for each live doc id,
    and no uuid held by two live objects (`uuids` gathers them across segments)."""
    if not isinstance(rows, list) or len(rows) != end - start:
        raise _damaged(f"segment {start}..{end} does not hold {end - start} object rows")
    for doc_id, row in enumerate(rows, start):
        if row is None:
            if live[doc_id]:
                raise _damaged(f"object doc id {doc_id} is alive but has no row")
            continue
        ok = isinstance(row, list) and len(row) == 4 and isinstance(row[0], str) and isinstance(row[3], dict)
        if not ok or not all(isinstance(t, int) and not isinstance(t, bool) for t in row[1:3]):
            raise _damaged(f"the object row of doc id {doc_id} is malformed")
        if not row[3].keys() <= properties:
            raise _damaged(f"the object of doc id {doc_id} has properties its collection does not define")
        if live[doc_id]:
            if row[0] in uuids:
                raise _damaged(f"uuid {row[0]!r} is repeated (doc id {doc_id})")
            uuids.add(row[0])


def check_segment_arrays(vectors: np.ndarray, has: np.ndarray, rows: int, dim: int, name: str) -> None:
    """A segment's .npz: a (rows, dim) float array and one `has` flag per row."""
    if vectors.shape != (rows, dim) or vectors.dtype.kind != "f":
        raise _damaged(f"{name} holds vectors of shape {vectors.shape}, expected ({rows}, {dim})")
    if has.shape != (rows,) or has.dtype != bool:
        raise _damaged(f"{name} has a mask that does not fit its vectors")


def check_vector_arrays(vectors: np.ndarray, live: np.ndarray, dim: int) -> None:
    """vectors.npz: a (rows, dim) float array and one live flag per row."""
    if vectors.ndim != 2 or vectors.shape[1] != dim or vectors.dtype.kind != "f":
        raise _damaged(f"vectors.npz holds an array of shape {vectors.shape}, expected (rows, {dim})")
    if live.shape != (vectors.shape[0],) or live.dtype != bool:
        raise _damaged("vectors.npz has a live mask that does not fit its vectors")


def check_hnsw_file(path: Path, dim: int, m: int) -> int:
    """The number of elements of a saved hnswlib index, once its layout is proven consistent.

    Checked: the header against the space (dim, M) and the file size, every level-0 and upper-level
    link (neighbour ids inside the index, on a level the neighbour has), and the entry point.
    """
    data = path.read_bytes()
    size = len(data)
    if size < _HNSW_HEADER.size:
        raise _damaged(f"{path.name} is shorter than an hnswlib header")
    (offset0, _capacity, count, per_element, label_offset, data_offset, max_level, entry, max_m, max_m0,
     big_m, mult, _ef) = _HNSW_HEADER.unpack_from(data)  # fmt: skip
    links0 = max_m0 * 4 + 4
    expected_m = min(m, _HNSW_MAX_M)
    layout = (offset0, max_m, max_m0, big_m, data_offset, label_offset, per_element)
    wanted = (0, expected_m, 2 * expected_m, expected_m, links0, links0 + 4 * dim, links0 + 4 * dim + 8)
    if layout != wanted or not (0 < mult < float("inf")):
        raise _damaged(f"{path.name} has a header that does not match its collection (dim {dim}, M {m})")
    body = size - _HNSW_HEADER.size
    if count > body // (per_element + 4):
        raise _damaged(f"{path.name} claims {count} elements, more than its {size} bytes can hold")
    # Every size above is a multiple of 4 bytes: level 0 reads as a (count, words) table of uint32.
    level0 = np.frombuffer(data, np.uint32, count * per_element // 4, _HNSW_HEADER.size)
    links = level0.reshape(count, per_element // 4)[:, : links0 // 4]
    counts = links[:, 0] & 0xFFFF  # hnswlib's list count: the low 16 bits (byte 2 is the deleted mark)
    if count and int(counts.max()) > max_m0:
        raise _damaged(f"{path.name} has a level-0 link list longer than maxM0")
    beyond = links[:, 1:] >= count  # unused slots may hold anything: only the counted ones matter
    if beyond.any() and (beyond & (np.arange(max_m0)[None, :] < counts[:, None])).any():
        raise _damaged(f"{path.name} links to an element it does not hold")
    levels = _upper_levels(data, path.name, count, _HNSW_HEADER.size + count * per_element, max_m)
    if count:
        top = int(levels.max())
        if max_level != top or entry >= count or int(levels[entry]) != top:
            raise _damaged(f"{path.name} has an entry point that is not on its top level")
    return count


def _upper_levels(data: bytes, name: str, count: int, start: int, max_m: int) -> np.ndarray:
    """Each element's level, after checking the upper-level link lists that follow level 0."""
    block = max_m + 1  # words per level: the count word, then max_m neighbour ids
    if (len(data) - start) % 4:
        raise _damaged(f"{name} does not end on a whole link list")
    tail = np.frombuffer(data, np.uint32, (len(data) - start) // 4, start)
    words = tail.tolist()  # one pass of list indexing: the walk below is sequential by nature
    end = len(words)
    levels = [0] * count
    starts: list[int] = []  # word offset of each element's first upper level
    owners: list[int] = []
    at = 0
    for element in range(count):
        if at >= end:
            raise _damaged(f"{name} ends inside its link lists")
        nbytes = words[at]
        at += 1
        if nbytes:
            level, rest = divmod(nbytes // 4, block)
            if nbytes % 4 or rest or at + nbytes // 4 > end:
                raise _damaged(f"{name} has an upper-level link list of a wrong size")
            levels[element] = level
            starts.append(at)
            owners.append(element)
            at += nbytes // 4
    if at != end:
        raise _damaged(f"{name} has {4 * (end - at)} bytes after its last link list")
    depth_of = np.asarray(levels, np.int64)
    if starts:
        # Every upper-level block at once: its count, and neighbours that exist and reach that level.
        per_owner = depth_of[owners]
        first = np.repeat(np.asarray(starts, np.int64), per_owner)
        depth = np.arange(len(first)) - np.repeat(np.cumsum(per_owner) - per_owner, per_owner)
        table = tail[(first + depth * block)[:, None] + np.arange(block)]
        counts = (table[:, 0] & 0xFFFF).astype(np.int64)
        used = np.arange(max_m)[None, :] < counts[:, None]
        bad = bool(counts.max() > max_m)
        if not bad and used.any():
            named = table[:, 1:].astype(np.int64)[used]
            needed = np.broadcast_to(depth[:, None] + 1, used.shape)[used]  # the level each link is on
            bad = bool(named.max() >= count) or bool((depth_of[named] < needed).any())
        if bad:
            raise _damaged(f"{name} has an upper-level link to an element not on that level")
    return depth_of
