"""Replaying a collection's logged writes when a folder is opened: the same objects, times and vectors."""

from __future__ import annotations

import numpy as np

from .values import normalize_value
from .writes import CollectionWriter, _Prepared


def replay_put(writer: CollectionWriter, header: dict, blob: bytes) -> None:
    """Apply a logged put again; the vectors come from the record, so no vectorizer runs."""
    c = writer.collection
    types = c._types
    dim = header.get("dim")
    rows = np.frombuffer(blob, dtype="<f4").reshape(-1, dim) if dim else None
    prepared = []
    row = 0
    for position, (uuid, created, props, has_vector) in enumerate(header["objects"]):
        vector = None
        if has_vector:
            if rows is None or row >= len(rows):
                raise ValueError("a put names more vectors than it holds")
            vector = rows[row].astype(np.float32)
            row += 1
        values = {k: normalize_value(types[k], v) for k, v in props.items()}
        prepared.append(_Prepared(position, uuid, values, vector, c.objects.by_uuid.get(uuid), int(created)))
    ids, vec_ids, matrix = writer._layout(prepared)

    def publish() -> None:
        c.vectors.add(vec_ids, matrix)

    writer._apply(prepared, ids, vec_ids, publish if matrix is not None else None, int(header["stamp"]))


def replay_delete(writer: CollectionWriter, header: dict) -> None:
    c = writer.collection
    for uuid in header["uuids"]:
        doc_id = c.doc_id_of(uuid)
        if doc_id is not None:
            writer._unindex(doc_id)
    c.objects.touch()
