"""Read-only numpy views of the vectors and labels inside a live hnswlib graph, so that no second copy is kept.

hnswlib keeps every vector in its level-0 records (as given for 'l2' and 'ip', normalised for 'cosine')
but its Python binding hands them out only through get_items, which builds Python floats (about 26 µs a
row). This reads the record block in place instead: the binding's objects are found by their field
offsets in hnswlib 0.8.0 (python_bindings/bindings.cpp `Index`, hnswlib/hnswalg.h `HierarchicalNSW`, on
a 64-bit build), and a view is given only when every field read back agrees with what the binding's
own methods say (capacity, count, dimensions, M, the record layout) and, once per process, sampled rows
equal get_items'. Any other hnswlib version, or a disagreement, gives None: the caller keeps its own copy.

A view is valid until the graph next grows or is freed (add_items, resize_index, deletion of the
index): take one per use, inside the reader's or the writer's turn, and never keep it.
"""

from __future__ import annotations

import ctypes
import importlib.metadata
import struct
import sys
import sysconfig
from typing import Any

import numpy as np

_SUPPORTED = "0.8.0"
# pybind11 instance: PyObject header, then the pointer to the C++ Index<float>.
_INSTANCE_VALUE = 16
# Index<float>: std::string space_name (32 bytes), int dim, size_t seed, size_t default_ef, bool
# index_inited, bool ep_added, bool normalize, int num_threads_default, size_t cur_l, appr_alg.
_INDEX_DIM, _INDEX_INITED, _INDEX_NORMALIZE, _INDEX_ALG = 32, 56, 58, 72
# HierarchicalNSW<float> (after its vtable pointer): the fields read, by offset.
_FIELDS = {
    "max_elements": 8,
    "count": 16,
    "per_element": 24,
    "m": 48,
    "max_m": 56,
    "max_m0": 64,
    "links0": 216,
    "data_at": 224,
    "level0_at": 232,
    "label_at": 240,
    "memory": 248,
}
_DELETED = 1  # hnswlib's DELETE_MARK, in byte 2 of a level-0 record
_usable: bool | None = None  # the version and platform allow it (checked once)
_sampled = False  # rows read once compared with get_items


def _platform_fits() -> bool:
    try:
        version = importlib.metadata.version("hnswlib")
    except importlib.metadata.PackageNotFoundError:
        return False
    return (
        version == _SUPPORTED
        and struct.calcsize("P") == 8
        and sys.byteorder == "little"
        and sys.implementation.name == "cpython"
        and sys.getsizeof(object()) == _INSTANCE_VALUE  # the usual object header: no debug build
        and not sysconfig.get_config_var("Py_GIL_DISABLED")  # nor a free-threaded one
    )


def _word(address: int) -> int:
    return ctypes.c_size_t.from_address(address).value


Level0 = tuple[np.ndarray, np.ndarray, np.ndarray]


def level0(index: Any, dim: int, m: int, normalized: bool) -> Level0 | None:
    """(vectors, labels, marks) of the graph's records in slot order, as views of hnswlib's memory:
    float32 (count, dim), uint64 (count,) and uint8 (count,) with bit 1 set on a record marked deleted;
    None where this hnswlib cannot be read so (see the module)."""
    global _usable, _sampled
    if _usable is None:
        _usable = _platform_fits()
    kind = type(index)
    if not _usable or kind.__name__ != "Index" or kind.__module__ != "hnswlib":
        return None
    if kind.__basicsize__ < _INSTANCE_VALUE + 8:  # too small to hold the pointer read next
        return None
    value = _word(id(index) + _INSTANCE_VALUE)
    if not value:
        return None
    # Fields of the binding's Index first: only a pointer found where it should be is followed.
    head = ctypes.string_at(value + _INDEX_DIM, _INDEX_ALG + 8 - _INDEX_DIM)
    if (
        int.from_bytes(head[:4], "little", signed=True) != dim
        or head[_INDEX_INITED - _INDEX_DIM] != 1
        or head[_INDEX_NORMALIZE - _INDEX_DIM] != int(normalized)
    ):
        return None
    alg = _word(value + _INDEX_ALG)
    if not alg:
        return None
    f = {name: _word(alg + offset) for name, offset in _FIELDS.items()}
    links0 = 2 * m * 4 + 4
    fits = (
        f["max_elements"] == index.get_max_elements()
        and f["count"] == index.get_current_count()
        and f["m"] == m
        and f["max_m"] == m
        and f["max_m0"] == 2 * m
        and f["links0"] == links0
        and f["data_at"] == links0
        and f["level0_at"] == 0
        and f["label_at"] == links0 + 4 * dim
        and f["per_element"] == links0 + 4 * dim + 8
        and f["memory"] != 0
        and f["count"] <= f["max_elements"]
    )
    if not fits:
        return None
    count, per = f["count"], f["per_element"]
    if count == 0:
        empty = np.zeros((0, dim), np.float32), np.zeros(0, np.uint64), np.zeros(0, np.uint8)
        return empty if _sampled else None
    block = np.frombuffer((ctypes.c_char * (count * per)).from_address(f["memory"]), np.uint8)
    records = block.reshape(count, per)
    vectors = records[:, f["data_at"] : f["label_at"]].view(np.float32)
    labels = records[:, f["label_at"] : f["label_at"] + 8].view(np.uint64)[:, 0]
    marks = records[:, 2]
    for view in (vectors, labels, marks):
        view.flags.writeable = False
    if not _sampled:
        # Until rows have been compared with get_items once, no view is given: so no store holding its
        # vectors in a graph ever meets a later refusal.
        live = np.flatnonzero((marks & _DELETED) == 0)  # get_items refuses deleted labels
        if not len(live):
            return None
        slots = live[np.linspace(0, len(live) - 1, min(len(live), 16)).astype(np.int64)]
        if not np.array_equal(index.get_items(labels[slots], return_type="numpy"), vectors[slots]):
            _usable = False
            return None
        _sampled = True
    return vectors, labels, marks
