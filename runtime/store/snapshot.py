"""A collection frozen for a checkpoint: copies of what later writes change, taken during the writer's turn.

A checkpoint holds the writer's turn only while it copies (lists, arrays, the HNSW graph through
hnswlib's copy constructor); it writes its files from the copy afterwards, while writes go on into the
next log. The copy shares whatever writes never change in place (property dicts, term id arrays).
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from .held_vectors import GraphHeldIndex
from .objects import ObjectTable

if TYPE_CHECKING:
    from .bm25 import Bm25Index
    from .collection import Collection
    from .vectors import VectorIndex


def snapshot(collection: Collection) -> Collection:
    """A copy of `collection` for persist.py to write; the live collection is only read."""
    frozen = copy.copy(collection)
    frozen.objects = _objects(collection.objects)
    frozen.vectors = _vectors(collection.vectors)
    frozen.named = {name: _vectors(index) for name, index in collection.named.items()}
    frozen.bm25 = _keywords(collection.bm25)
    if collection.tenant_shards is not None:
        frozen.tenant_shards = collection.tenant_shards.frozen(snapshot)
    return frozen


def _objects(table: ObjectTable) -> ObjectTable:
    out = ObjectTable()
    out.uuids = list(table.uuids)
    out.props = list(table.props)
    out.created = list(table.created)
    out.updated = list(table.updated)
    out.by_uuid = dict(table.by_uuid)
    out.version = table.version
    return out


def _vectors(vectors: VectorIndex) -> VectorIndex:
    out = copy.copy(vectors)
    if isinstance(vectors.flat, GraphHeldIndex):
        out.hnsw = vectors.flat.graph.copy()
        out.flat = vectors.flat.copy_onto(out.hnsw)
        return out
    flat = out.flat = copy.copy(vectors.flat)
    flat._data = vectors.flat._data.copy()  # rows of new ids are written in place, deletes clear `_live`
    flat._live = vectors.flat._live.copy()
    flat._norms = vectors.flat._norms.copy()
    if vectors.hnsw is not None:
        out.hnsw = vectors.hnsw.copy()
    return out


def _keywords(index: Bm25Index) -> Bm25Index:
    out = copy.copy(index)
    out.alive = index.alive.copy()
    out.fields = {}
    for name, field in index.fields.items():
        twin = out.fields[name] = copy.copy(field)
        indptr, docs, tfs = field.merged()
        twin.indptr, twin.docs, twin.tfs = indptr.copy(), docs.copy(), tfs.copy()  # deletes zero tfs in place
        twin.delta, twin.delta_nnz, twin.dead = {}, 0, 0
        twin.vocab = dict(field.vocab)
        twin.df = field.df.copy()
        twin.lengths = field.lengths.copy()
        twin.fwd_start, twin.fwd_count = field.fwd_start.copy(), field.fwd_count.copy()
        twin.fwd_extra = dict(field.fwd_extra)  # fwd_terms and the arrays held here never change in place
    return out
