"""Named vectors in a checkpoint folder: per vector its exact store (.npz) and HNSW graph, by position.

Each checkpoint writes every named vector afresh: `named-<i>-hnsw.bin` (its graph, if any) and
`named-<i>.npz` with `live` and the vectors relative to that graph (graph_vectors.py; format 2 wrote
them whole as `vectors`, still read); objects.json lists them as {name, dim, hnsw_count}. A folder saved
before named vectors has no such entry and opens as it always did.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .flat import FlatIndex
from .folder_checks import check_vector_arrays, damaged
from .graph_vectors import GraphRows, decode, encode, is_relative, load_arrays
from .hnsw import HnswIndex, dynamic_settings
from .vectors import VectorIndex


def save_named(named: dict[str, VectorIndex], folder: Path) -> list[dict]:
    """Write each named vector's files into `folder`; the entries objects.json keeps."""
    entries = []
    for position, (name, index) in enumerate(named.items()):
        entry: dict = {"name": name, "dim": index.dim, "hnsw_count": None}
        if index.dim is not None:
            graph = None
            if index.hnsw is not None:
                index.hnsw.save(folder / f"named-{position}-hnsw.bin")
                graph = GraphRows(folder / f"named-{position}-hnsw.bin", index.dim)
                entry["hnsw_count"] = len(index.hnsw)
            state = index.flat.state()
            live = state["live"]
            arrays = encode(state["vectors"][: len(live)], live, np.arange(len(live)), graph)
            np.savez(folder / f"named-{position}.npz", live=live, **arrays)
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
        name = f"named-{position}.npz"
        with np.load(folder / name, allow_pickle=False) as data:
            if "live" not in data.files:
                raise damaged(f"{name} lacks its live array")
            live = data["live"]
            if live.ndim != 1 or live.dtype != bool:
                raise damaged(f"{name} has a live mask that does not fit its vectors")
            if is_relative(data):
                arrays = load_arrays(data, name, len(live), dim)
                vectors = None
            else:
                vectors = data["vectors"]
        if vectors is None:
            graph = GraphRows(folder / f"named-{position}-hnsw.bin", dim) if count is not None else None
            vectors = decode(arrays, live, np.arange(len(live)), graph, dim, name)
        check_vector_arrays(vectors, live, dim)
        index.flat = FlatIndex.from_state(index.metric, dim, vectors, live)
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
            index.hold()
