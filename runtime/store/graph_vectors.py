"""Exact vectors kept relative to the HNSW file saved beside them, so that a folder holds each vector once.

hnswlib keeps every vector in its level-0 records: as given for 'l2' and 'ip', normalised for 'cosine'
(n = x * r, r = 1 / (sqrt(sum x*x) + 1e-30) in float32). A saved vector array (a segment's .npz, a named
vector's .npz) holds per row a `kind`:
- 0: no vector;
- 1: the row whole, in `whole` (float32, one row per such row, in order);
- 2 and 3: the graph's row n of that doc id (looked up by label among the records not marked deleted)
  divided by the row's `scales` entry (float32), plus a correction per component added to the float32's
  bits: 2 packs corrections -1..1 as 2 bits each (`fine`, uint8, (dim + 3) // 4 per row, component j in
  bits 2*(j % 4) of byte j // 4, stored as correction + 1), 3 keeps int8 ones (`coarse`, dim per row);
- 4: the graph's row as it is (for 'l2-squared' and 'dot' hnswlib stores the vector unchanged).
`scales` has one entry per row of kind 2 or 3 and `checks` (uint32) one per row of kind 2, 3 or 4, in
row order: the exact vector's bits times fixed odd constants, summed (row_checks); a reader compares
them after rebuilding, so that a graph disagreeing with the array is refused, never used.
A writer derives every row from the HNSW file it has just written and stores whole any row that does not
rebuild bit for bit: correctness never depends on reproducing hnswlib's arithmetic, only the size does.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .folder_checks import _HNSW_HEADER, damaged

NONE, WHOLE, FINE, COARSE, AS_IS = 0, 1, 2, 3, 4
KEYS = ("kind", "whole", "scales", "fine", "coarse", "checks")
_CHUNK = 4096  # rows rebuilt at a time: bounds the temporaries (a few MB at 384 dimensions)
_DELETED = 1  # hnswlib's DELETE_MARK, in byte 2 of a level-0 record


def _constants(dim: int) -> np.ndarray:
    odd = np.arange(dim, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
    return (odd * np.uint64(0x9E3779B97F4A7C15)).astype(np.uint32)  # odd, modulo 2**32


def row_checks(rows: np.ndarray) -> np.ndarray:
    """Per row: the sum of its float32 bits times odd constants, modulo 2**32 (a change of any one
    component's bits always changes it)."""
    return np.einsum("ij,j->i", rows.view(np.uint32), _constants(rows.shape[1]))


class GraphRows:
    """The level-0 records of a saved hnswlib file: each live label's vector, read without a copy."""

    def __init__(self, path: Path, dim: int) -> None:
        name = path.name
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(_HNSW_HEADER.size)
        if len(head) < _HNSW_HEADER.size:
            raise damaged(f"{name} is shorter than an hnswlib header")
        offset0, _capacity, count, per, label_at, data_at = _HNSW_HEADER.unpack_from(head)[:6]
        fits = offset0 == 0 and data_at >= 4 and data_at % 4 == 0 and label_at == data_at + 4 * dim
        if not fits or per != label_at + 8 or count > (size - _HNSW_HEADER.size) // per:
            raise damaged(f"{name} has a level-0 layout that does not fit its collection (dim {dim})")
        self.name = name
        self.dim = dim
        if count:
            records = np.asarray(np.memmap(path, np.uint8, "r", _HNSW_HEADER.size, (count, per)))
        else:
            records = np.zeros((0, per), np.uint8)
        self._vectors = records[:, data_at:label_at].view(np.float32)
        labels = records[:, label_at : label_at + 8].view("<u8")[:, 0]
        slots = np.flatnonzero((records[:, 2] & _DELETED) == 0)
        order = np.argsort(labels[slots], kind="stable")
        self._labels = labels[slots][order]
        self._slots = slots[order]
        if len(self._labels) > 1 and (self._labels[1:] == self._labels[:-1]).any():
            raise damaged(f"{name} holds a doc id in two records")

    def find(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found, slots): whether each doc id has a live record, and that record's slot (where found)."""
        ids = np.asarray(ids, np.uint64)
        labels = self._labels
        at = np.minimum(np.searchsorted(labels, ids), max(len(labels) - 1, 0))
        found = labels[at] == ids if len(labels) else np.zeros(len(ids), bool)
        return found, self._slots[at] if len(labels) else at

    def take(self, slots: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The stored vectors of these slots (into `out`, a C-contiguous float32 array, when given)."""
        rows = self._vectors[slots]  # fancy indexing: several times faster than np.take on strided rows
        if out is None:
            return rows
        out[...] = rows
        return out

    def rows(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(found, vectors): whether each doc id has a live record, and its stored vector (zeros if not)."""
        found, slots = self.find(ids)
        out = np.zeros((len(found), self.dim), np.float32)
        out[found] = self.take(slots[found])
        return found, out


def squared_sums(rows: np.ndarray) -> np.ndarray:
    """Per row the float32 sum of squares, added in component order as hnswlib adds it."""
    with np.errstate(all="ignore"):
        return np.cumsum(rows * rows, axis=1, dtype=np.float32)[:, -1]


def scales_of(rows: np.ndarray, total: np.ndarray | None = None) -> np.ndarray:
    """The r hnswlib multiplies by ('cosine'), as far as float32 arithmetic in this order reproduces it
    (`total`: the rows' squared_sums, when known)."""
    if total is None:
        total = squared_sums(rows)
    with np.errstate(all="ignore"):
        return np.float32(1) / (np.sqrt(total) + np.float32(1e-30))


def pack(corrections: np.ndarray) -> np.ndarray:
    codes = (corrections + 1).astype(np.uint8)
    width = (codes.shape[1] + 3) // 4
    padded = np.zeros((len(codes), 4 * width), np.uint8)
    padded[:, : codes.shape[1]] = codes
    quads = padded.reshape(len(codes), width, 4)
    return quads[:, :, 0] | (quads[:, :, 1] << 2) | (quads[:, :, 2] << 4) | (quads[:, :, 3] << 6)


# Each packed byte -> its four corrections as int8, read as one 4-byte word: one gather per byte.
_CODES = np.arange(256)[:, None] >> np.arange(0, 8, 2)[None, :] & 3
_UNPACKED = np.ascontiguousarray((_CODES - 1).astype(np.int8)).view(np.int32)[:, 0]


def unpack(packed: np.ndarray, dim: int) -> np.ndarray:
    return _UNPACKED[packed].view(np.int8)[:, :dim]


def relate(
    exact: np.ndarray, stored: np.ndarray, total: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """How float32 rows `exact` come back from hnswlib's records `stored` of them: (same, scale, diff),
    `same` the rows stored bit for bit, and for the others the scale to divide the record by and the
    difference of each component's bits from the quotient's (`total`: squared_sums of `exact`, if known).

    The difference is taken modulo 2**32 (int32 wraps), as a reader adds it back: a small difference
    across the sign bit (a NaN next to -0.0) rebuilds all the same; writers prove every row rebuilt.
    """
    same = (stored.view(np.uint32) == exact.view(np.uint32)).all(axis=1)
    other = ~same
    exact = exact[other]
    scale = scales_of(exact, None if total is None else total[other])
    with np.errstate(all="ignore"):
        rebuilt = stored[other] / scale[:, None]
    return same, scale, exact.view(np.int32) - rebuilt.view(np.int32)


def encode(rows: np.ndarray, has: np.ndarray, ids: np.ndarray, graph: GraphRows | None) -> dict:
    """The arrays that keep `rows` (float32, one per doc id in `ids`; those of `has` hold a vector)."""
    rows = np.ascontiguousarray(rows, np.float32)
    dim = rows.shape[1]
    kind = np.where(has, WHOLE, NONE).astype(np.uint8)
    scales = np.zeros(len(rows), np.float32)
    corrections = np.zeros((len(rows), dim), np.int8)
    if graph is not None:
        for at in range(0, len(rows), _CHUNK):
            part = slice(at, at + _CHUNK)
            want = np.flatnonzero(has[part]) + at
            found, stored = graph.rows(ids[want])
            want, stored = want[found], stored[found]
            same, scale, diff = relate(rows[want], stored)
            kind[want[same]] = AS_IS
            want = want[~same]
            low, high = diff.min(axis=1, initial=0), diff.max(axis=1, initial=0)
            fine = (low >= -1) & (high <= 1)
            coarse = ~fine & (low >= -128) & (high <= 127)
            kind[want[fine]], kind[want[coarse]] = FINE, COARSE
            keep = fine | coarse
            scales[want[keep]] = scale[keep]
            corrections[want[keep]] = diff[keep]
    arrays = _arrays(rows, kind, scales, corrections)
    # The proof: rebuilt as a reader will, every row must come back bit for bit; any that does not
    # (arithmetic this platform does otherwise) is stored whole instead.
    if graph is not None and (kind >= FINE).any():
        wrong = differs(arrays, has, ids, graph, rows, "the array being written")
        if wrong.any():
            kind[wrong] = WHOLE
            arrays = _arrays(rows, kind, scales, corrections)
    return arrays


def _arrays(rows: np.ndarray, kind: np.ndarray, scales: np.ndarray, corrections: np.ndarray) -> dict:
    scaled = (kind == FINE) | (kind == COARSE)
    return {
        "kind": kind,
        "whole": rows[kind == WHOLE],
        "scales": scales[scaled],
        "fine": pack(corrections[kind == FINE]),
        "coarse": corrections[kind == COARSE],
        "checks": row_checks(rows)[kind >= FINE],  # no copy of the rows taken for it
    }


def is_relative(npz: Any) -> bool:
    """Whether a loaded .npz holds vectors in this form (else: the float32 rows of format 2)."""
    return "kind" in npz.files


def load_arrays(npz: Any, name: str, rows: int, dim: int) -> dict:
    """The arrays of this form from a loaded .npz, their types and shapes checked against each other."""
    missing = [k for k in KEYS if k not in npz.files]
    if missing:
        raise damaged(f"{name} lacks its {', '.join(missing)} array")
    arrays = {k: npz[k] for k in KEYS}
    kind = arrays["kind"]
    if kind.shape != (rows,) or kind.dtype != np.uint8 or (kind > AS_IS).any():
        raise damaged(f"{name} has row kinds that do not fit its {rows} rows")
    counts = np.bincount(kind, minlength=AS_IS + 1)
    expected = {
        "whole": ((counts[WHOLE], dim), np.float32),
        "scales": ((counts[FINE] + counts[COARSE],), np.float32),
        "fine": ((counts[FINE], (dim + 3) // 4), np.uint8),
        "coarse": ((counts[COARSE], dim), np.int8),
        "checks": ((counts[FINE] + counts[COARSE] + counts[AS_IS],), np.uint32),
    }
    for key, (shape, dtype) in expected.items():
        if arrays[key].shape != shape or arrays[key].dtype != dtype:
            raise damaged(f"{name} holds a {key} array that does not fit its row kinds")
    return arrays


def parts(
    arrays: dict,
    live: np.ndarray,
    ids: np.ndarray,
    graph: GraphRows | None,
    dim: int,
    name: str,
    *,
    check: bool = True,
) -> Iterator[tuple[int, np.ndarray]]:
    """(first row, exact float32 rows) of _CHUNK rows at a time, rebuilt from `graph`: zeros where no
    vector or where `live` is false. Chunks keep every temporary small, whatever the segment's size.

    StorageError when a live row has no vector, needs a graph record that is not there, or (with `check`)
    comes back with other bits than the ones the writer checked.
    """
    kind = arrays["kind"]
    if (live & (kind == NONE)).any():
        raise damaged(f"live.npz marks a vector alive that {name} does not hold")
    if graph is None and (live & (kind >= FINE)).any():
        raise damaged(f"{name} keeps vectors relative to an HNSW file its collection does not have")
    # Where each chunk starts inside the per-kind arrays (each holds its rows in row order).
    kinds = [WHOLE, FINE, COARSE, AS_IS]
    starts = {k: np.concatenate([[0], np.cumsum(kind == k)])[::_CHUNK] for k in kinds}
    for number, at in enumerate(range(0, len(kind), _CHUNK)):
        first = {k: int(starts[k][number]) for k in kinds}
        part = {
            "kind": kind[at : at + _CHUNK],
            "whole": arrays["whole"][first[WHOLE] :],
            "scales": arrays["scales"][first[FINE] + first[COARSE] :],
            "fine": arrays["fine"][first[FINE] :],
            "coarse": arrays["coarse"][first[COARSE] :],
            "checks": arrays["checks"][first[FINE] + first[COARSE] + first[AS_IS] :],
        }
        yield at, _rebuild(part, live[at : at + _CHUNK], ids[at : at + _CHUNK], graph, dim, name, check)


def _rebuild(
    part: dict, live: np.ndarray, ids: np.ndarray, graph: GraphRows | None, dim: int, name: str, check: bool
) -> np.ndarray:
    """One chunk of rows; each per-kind array of `part` starts at the chunk's first row of that kind."""
    kind = part["kind"]
    out = np.zeros((len(kind), dim), np.float32)
    whole = kind == WHOLE
    out[whole & live] = part["whole"][: int(whole.sum())][live[whole]]
    rows = np.flatnonzero((kind >= FINE) & live)
    if not len(rows) or graph is None:
        return out
    found, slots = graph.find(ids[rows])
    if not found.all():
        raise damaged(f"{name} needs a vector that {graph.name} does not hold")
    together = rows[-1] - rows[0] + 1 == len(rows)  # the usual case: rebuilt in place in `out`
    stored = graph.take(slots, out[rows[0] : rows[-1] + 1] if together else None)
    kinds = kind[rows]
    # Positions of the chunk's rows inside the part's per-kind arrays.
    scaled = (kind == FINE) | (kind == COARSE)
    many = scaled[rows]
    if many.any():
        divisor = np.ones(len(rows), np.float32)  # as-is rows: x / 1 is x (verified when written)
        divisor[many] = part["scales"][(np.cumsum(scaled) - 1)[rows[many]]]
        with np.errstate(all="ignore"):
            np.divide(stored, divisor[:, None], out=stored)
        is_fine, is_coarse = kinds == FINE, kinds == COARSE
        fine_at = (np.cumsum(kind == FINE) - 1)[rows[is_fine]]
        if is_fine.all():
            corrections = unpack(part["fine"][fine_at], dim)
        else:
            corrections = np.zeros((len(rows), dim), np.int8)
            corrections[is_fine] = unpack(part["fine"][fine_at], dim)
            corrections[is_coarse] = part["coarse"][(np.cumsum(kind == COARSE) - 1)[rows[is_coarse]]]
        bits = stored.view(np.int32)
        bits += corrections
    if check:
        check_at = (np.cumsum(kind >= FINE) - 1)[rows]
        if (row_checks(stored) != part["checks"][check_at]).any():
            raise damaged(f"{graph.name} holds a vector that disagrees with {name}")
    if not together:
        out[rows] = stored
    return out


def decode(
    arrays: dict,
    live: np.ndarray,
    ids: np.ndarray,
    graph: GraphRows | None,
    dim: int,
    name: str,
    *,
    check: bool = True,
) -> np.ndarray:
    """The exact float32 rows of the whole array (see parts, which it gathers)."""
    out = np.empty((len(arrays["kind"]), dim), np.float32)
    for at, rows in parts(arrays, live, ids, graph, dim, name, check=check):
        out[at : at + len(rows)] = rows
    return out


class Rows(Protocol):
    """Float32 rows read a slice at a time: an array, or rows rebuilt only as they are asked for."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    def __getitem__(self, rows: slice) -> np.ndarray: ...


def differs(
    arrays: dict, live: np.ndarray, ids: np.ndarray, graph: GraphRows | None, exact: Rows, name: str
) -> np.ndarray:
    """Per row, whether a live row rebuilds other than `exact` (float32 rows; those past its end must
    not be live), chunk by chunk."""
    out = np.zeros(len(live), bool)
    for at, rows in parts(arrays, live, ids, graph, exact.shape[1], name, check=False):
        want = exact[at : at + len(rows)]
        wrong = (rows[: len(want)].view(np.uint32) != want.view(np.uint32)).any(axis=1)
        out[at : at + len(want)] = wrong & live[at : at + len(want)]
    return out
