"""Writes of a collection: check every object first, vectorize in batches, then update all indexes at once."""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ObjectError
from .objects import BatchResult, ObjectResult, now_ms
from .progress import progress_bar
from .values import ValueProblem, normalize_uuid, normalize_value, text_of

_OBJECT_KEYS = ("class", "id", "properties", "vector")


@dataclass(slots=True)
class _Prepared:
    """An object that passed every check: ready to be written."""

    position: int
    uuid: str
    props: dict
    vector: np.ndarray | None
    replaces: int | None  # doc id of the version it replaces
    created: int | None = None


class WriteMixin:
    """insert_many / update / delete for Collection (which provides objects, vectors, bm25, vectorizer)."""

    def _check_vector(self, raw: Any, dim: int | None) -> np.ndarray:
        try:
            vector = np.asarray(raw, dtype=np.float32)
        except (TypeError, ValueError):
            raise ObjectError("vector must be a list of numbers") from None
        if vector.ndim != 1 or len(vector) == 0:
            raise ObjectError(f"vector must be a non-empty flat list of numbers, got shape {vector.shape}")
        if not np.isfinite(vector).all():
            raise ObjectError("vector holds NaN or infinite numbers")
        if dim is not None and len(vector) != dim:
            raise ObjectError(
                f"new object has a vector with length {len(vector)}. "
                f"Existing objects have vectors with length {dim}"
            )
        return vector

    def _check_properties(self, raw: Any) -> dict:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise ObjectError(f"properties must be an object (dict), got {type(raw).__name__}")
        out = {}
        for name, value in raw.items():
            prop = self._props.get(name)
            if prop is None:
                raise ObjectError(
                    f"no such prop with name '{name}' found in class '{self.name}' in the schema. "
                    "Check your schema files for which properties in this class are available"
                )
            if value is None:
                continue  # null means unset
            try:
                out[name] = normalize_value(prop["dataType"][0], value)
            except ValueProblem as exc:
                raise ObjectError(f"property '{name}' ({prop['dataType'][0]}): {exc}") from None
        return out

    def _prepare(self, position: int, obj: Any, dim: int | None) -> _Prepared:
        if not isinstance(obj, dict):
            raise ObjectError(f"an object must be a dict with 'properties', got {type(obj).__name__}")
        for key in obj:
            if key not in _OBJECT_KEYS:
                raise ObjectError(f"unknown field '{key}' in object: use id, properties and vector")
        cls = None if obj.get("class") is None else text_of(obj["class"])
        if cls is not None and str(cls)[:1].upper() + str(cls)[1:] != self.name:
            raise ObjectError(f"object names class '{cls}' but is inserted into '{self.name}'")
        try:
            uuid = normalize_uuid(obj["id"]) if obj.get("id") is not None else str(uuidlib.uuid4())
        except ValueProblem as exc:
            raise ObjectError(f"id: {exc}") from None
        props = self._check_properties(obj.get("properties"))
        vector = None if obj.get("vector") is None else self._check_vector(obj["vector"], dim)
        old = self.objects.by_uuid.get(uuid)
        created = self.objects.created[old] if old is not None else None
        return _Prepared(position, uuid, props, vector, old, created)

    def _write_batch(self, objects: list, *, progress: bool | None) -> BatchResult:
        results = [ObjectResult(i, None) for i in range(len(objects))]
        prepared: list[_Prepared] = []
        seen: dict[str, int] = {}
        dim = self.vectors.dim
        for i, obj in enumerate(objects):
            try:
                item = self._prepare(i, obj, dim)
            except ObjectError as exc:
                results[i].error = exc.message
                continue
            results[i].id = item.uuid
            if item.uuid in seen:
                results[
                    i
                ].error = f"id '{item.uuid}' appears twice in the batch (first at object {seen[item.uuid]})"
                continue
            seen[item.uuid] = i
            if item.vector is not None and dim is None:
                dim = len(item.vector)  # the first vector fixes the collection's dimension
            prepared.append(item)
        bar = progress_bar(len(objects), f"importing into {self.name}", progress)
        try:
            self._vectorize(prepared, results, bar)
            prepared = [p for p in prepared if results[p.position].error is None]
            self._commit(prepared, now_ms())
        finally:
            bar.close()
        return BatchResult(results)

    def _vectorize(self, prepared: list[_Prepared], results: list[ObjectResult], bar: Any) -> None:
        bar.update(sum(1 for p in prepared if p.vector is not None or self.vectorizer is None))
        todo = [p for p in prepared if p.vector is None]
        if self.vectorizer is None or not todo:
            return
        vectors = self.vectorizer.embed([self.object_text(p.props) for p in todo], on_batch=bar.update)
        dim = self.vectors.dim or next((len(p.vector) for p in prepared if p.vector is not None), None)
        for p, vector in zip(todo, vectors, strict=True):
            if dim is not None and len(vector) != dim:
                results[p.position].error = (
                    f"the vectorizer made a vector of length {len(vector)}, but the collection holds vectors "
                    f"of length {dim}"
                )
            else:
                p.vector = vector

    def _commit(self, prepared: list[_Prepared], stamp: int) -> None:
        """Write prepared objects to every index, or to none (then the error propagates)."""
        if not prepared:
            return
        base = self.objects.next_id
        ids = np.arange(base, base + len(prepared), dtype=np.int64)
        with_vector = [
            (doc_id, p.vector)
            for doc_id, p in zip(ids.tolist(), prepared, strict=True)
            if p.vector is not None
        ]
        vec_ids = np.asarray([d for d, _ in with_vector], dtype=np.int64)
        try:
            if with_vector:
                self.vectors.add(vec_ids, np.stack([v for _, v in with_vector]))
            try:
                self.bm25.add_many(
                    (doc_id, p.props) for doc_id, p in zip(ids.tolist(), prepared, strict=True)
                )
            except BaseException:
                for doc_id in ids.tolist():
                    self.bm25.remove(doc_id)  # a no-op for ids it never indexed
                self.vectors.remove(vec_ids)
                raise
        except BaseException:
            self.objects.skip(len(prepared))  # these ids may sit in an index as deleted: never reuse them
            self.objects.touch()
            raise
        for p in prepared:
            if p.replaces is not None:
                self._unindex(p.replaces)
            self.objects.put(p.uuid, p.props, p.created if p.created is not None else stamp, stamp)
        self.objects.touch()

    def _unindex(self, doc_id: int) -> None:
        self.bm25.remove(doc_id)
        self.vectors.remove(np.asarray([doc_id], dtype=np.int64))
        self.objects.drop(doc_id)

    def update(
        self, uuid: str, properties: dict | None = None, *, vector: Any = None, replace: bool = False
    ) -> None:
        """Change an object: merge `properties` into it (replace=True: swap them all); a null value unsets.

        The vector is re-computed only when the vectorized text changed (as Weaviate does), unless given.
        """
        doc_id = self.doc_id_of(uuid)
        if doc_id is None:
            raise ObjectError(f"no object with id '{uuid}' in class '{self.name}'")
        if not isinstance(properties, dict | None):
            self._check_properties(properties)  # raises the ObjectError that says what to pass
        old = self.objects.props[doc_id] or {}
        merged: dict = {} if replace else dict(old)
        for name, value in (properties or {}).items():
            merged[name] = value
        merged = {k: v for k, v in merged.items() if v is not None}
        item = self._prepare(0, {"id": uuid, "properties": merged, "vector": vector}, self.vectors.dim)
        if item.vector is None:
            same_text = self.vectorizer is None or self.object_text(item.props) == self.object_text(old)
            if same_text:
                item.vector = self.vector_of(doc_id)
        results = [ObjectResult(0, item.uuid)]
        self._vectorize([item], results, progress_bar(1, "", False))
        if results[0].error:
            raise ObjectError(results[0].error)
        self._commit([item], now_ms())

    def delete(self, uuid: str) -> bool:
        """Remove an object; False when there was none with this id."""
        doc_id = self.doc_id_of(uuid)
        if doc_id is None:
            return False
        self._unindex(doc_id)
        self.objects.touch()
        return True
