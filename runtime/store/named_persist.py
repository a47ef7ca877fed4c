"""Named vectors in a checkpoint folder: per vector its exact store (.npz) and HNSW graph, by position.

Each checkpoint writes every named vector whole (`named-<i>.npz` with `vectors` and `live`, and
`named-<i>-hnsw.bin`); objects.json lists them as {name, dim, hnsw_count}. A folder saved before named
vectors has no such entry and opens as it always did.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .flat import FlatIndex
from .folder_checks import check_vector_arrays, damaged
from .hnsw import HnswIndex, dynamic_settings
from .vectors import VectorIndex


def save_named(named: dict[str, VectorIndex], folder: Path) -> list[dict]:
    """Write each named vector's files into `folder`; the entries objects.json keeps."""
    entries = []
    for position, (name, index) in enumerate(named.items()):
        entry: dict = {"name": name, "dim": index.dim, "hnsw_count": None}
        if index.dim is not None:
            state = index.flat.state()
            np.savez(folder / f"named-{position}.npz", vectors=state["vectors"], live=state["live"])
            if index.hnsw is not None:
                index.hnsw.save(folder / f"named-{position}-hnsw.bin")
                entry["hnsw_count"] = len(index.hnsw)
        entries.append(entry)
    return entries


def load_named(named: dict[str, VectorIndex], folder: Path, entries: list) -> None:
    """Fill the collection's named vector indexes from the files `entries` name."""
    if not isinstance(entries, list):
        raise damaged("objects.json lists its named vectors in a form rankql never writes")
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict) or entry.get("name") not in named:
            raise damaged(f"objects.json names a vector the class does not declare: {entry!r}")
        index = named[entry["name"]]
        dim, count = entry.get("dim"), entry.get("hnsw_count")
        if dim is None:
            continue
        if type(dim) is not int or dim <= 0 or (count is not None and (type(count) is not int or count < 0)):
            raise damaged(f"objects.json: named vector {entry['name']!r} with a malformed size or count")
        with np.load(folder / f"named-{position}.npz", allow_pickle=False) as data:
            check_vector_arrays(data["vectors"], data["live"], dim)
            index.flat = FlatIndex.from_state(index.metric, dim, data["vectors"], data["live"])
        if count is not None:
            config = index.config
            index.hnsw = HnswIndex.load(
                folder / f"named-{position}-hnsw.bin",
                index.metric,
                dim,
                count=count,
                ef_construction=int(config["efConstruction"]),
                m=int(config["maxConnections"]),
                ef=int(config["ef"]),
                dynamic=dynamic_settings(config),
            )
