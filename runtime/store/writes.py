"""Writes of a collection: check every object, vectorize, log, then make the write visible in one step.

A CollectionWriter belongs to one Collection. Each write holds the database's writer turn (one write at
a time); queries go on during the checks, the vectorizing, the write-ahead log's fsync and a big HNSW
insertion (on a private copy, see vector_stage.py), and wait only for the short exclusive step that
updates the object table and the indexes together.
"""

from __future__ import annotations

import uuid as uuidlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ObjectError
from .definition_vectors import unknown_target
from .heap import release_free_heap
from .nested import normalize_property
from .objects import BatchResult, ObjectResult, now_ms
from .progress import progress_bar
from .references import check_write
from .uuids import random_uuids
from .values import ValueProblem, normalize_uuid, text_of, to_json_value
from .vector_stage import stage_vectors

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from .bm25 import BatchTokens
    from .collection import Collection

_OBJECT_KEYS = ("class", "id", "properties", "vector", "vectors")
# The named vectors of an object of a class without any: one empty dict for all of them (a batch made one
# per object). Never written: only a class with named vectors adds to an object's, which is its own.
_NO_NAMED: dict[str, np.ndarray] = {}


@dataclass(slots=True)
class _Prepared:
    """An object that passed every check: ready to be written."""

    position: int
    uuid: str
    props: dict
    vector: np.ndarray | None
    replaces: int | None  # doc id of the version it replaces
    created: int | None = None
    named: dict[str, np.ndarray] = field(default_factory=dict)  # named vectors (vectorConfig) by name


class CollectionWriter:
    """insert_many / update / delete of one collection, and the replay of its logged writes."""

    def __init__(self, collection: Collection) -> None:
        self.collection = collection

    # -- checks ------------------------------------------------------------------------------------

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
            # Weaviate's words (adapters/repos/db/vector/hnsw/insert.go, wrapping ErrWrongDimensions)
            raise ObjectError(
                f"new node has a vector with length {len(vector)}. Existing nodes have vectors with length "
                f"{dim}: vector dimensions do not match the index dimensions",
                hint=f"give a vector of {dim} numbers, the size this class's vectors have",
            )
        return vector

    def _check_properties(self, raw: Any, kept: dict | None = None) -> dict:
        """Checked, normalized properties; `kept`: the properties the object holds now (an update)."""
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise ObjectError(f"properties must be an object (dict), got {type(raw).__name__}")
        c = self.collection
        out = {}
        for name, value in raw.items():
            prop = c._props.get(name)
            if prop is None:
                raise ObjectError(
                    f"no such prop with name '{name}' found in class '{c.name}' in the schema. "
                    "Check your schema files for which properties in this class are available"
                )
            if value is None:
                continue  # null means unset
            try:
                out[name] = normalize_property(prop, value)
                if name in c._refs:
                    out[name] = check_write(c, name, out[name], (kept or {}).get(name))
            except ValueProblem as exc:
                raise ObjectError(f"property '{name}' ({prop['dataType'][0]}): {exc}") from None
        return out

    def _named_vectors(self, obj: dict, dims: dict[str, int | None]) -> tuple[Any, dict[str, np.ndarray]]:
        """The object's class-level vector (raw, or None) and its checked named vectors."""
        c = self.collection
        raw, given = obj.get("vector"), obj.get("vectors")
        if given is not None and not isinstance(given, dict):
            raise ObjectError("vectors must be an object: {name: [numbers], ...}")
        given = {k: v for k, v in (given or {}).items() if v is not None and not _empty(v)}
        names = c.vector_names
        if not c.named:  # the class-level vector, perhaps known to the client under one name
            unknown = sorted(set(given) - set(names))
            if unknown:
                raise ObjectError(
                    f"class '{c.name}' has no named vector {', '.join(repr(n) for n in unknown)}"
                    + (f": its one vector is '{names[0]}'" if names else ": send its one vector as 'vector'")
                )
            return (given[names[0]] if given else raw), _NO_NAMED
        if raw is not None and not _empty(raw):
            raise ObjectError(
                f"class '{c.name}' has named vectors ({', '.join(names)}) and no class-level vector: "
                "send vectors: {name: [...]} instead of vector"
            )
        out = {}
        for name, value in given.items():
            if name not in c.named:
                raise ObjectError(unknown_target(c.name, name, names))
            out[name] = self._check_vector(value, dims.get(name))
        return None, out

    def _prepare(
        self,
        position: int,
        obj: Any,
        dim: int | None,
        dims: dict[str, int | None] | None = None,
        fresh: Iterator[str] | None = None,
    ) -> _Prepared:
        if not isinstance(obj, dict):
            raise ObjectError(f"an object must be a dict with 'properties', got {type(obj).__name__}")
        for key in obj:
            if key not in _OBJECT_KEYS:
                raise ObjectError(
                    f"unknown field '{key}' in object: use id, properties and vector (or vectors)"
                )
        c = self.collection
        cls = None if obj.get("class") is None else text_of(obj["class"])
        if cls is not None and str(cls)[:1].upper() + str(cls)[1:] != c.name:
            raise ObjectError(f"object names class '{cls}' but is inserted into '{c.name}'")
        try:
            if obj.get("id") is not None:
                uuid = normalize_uuid(obj["id"])
            else:  # a random id: from the batch's, made in bulk
                uuid = next(fresh) if fresh is not None else str(uuidlib.uuid4())
        except ValueProblem as exc:
            raise ObjectError(f"id: {exc}") from None
        old = c.objects.by_uuid.get(uuid)
        props = self._check_properties(obj.get("properties"), None if old is None else c.objects.props[old])
        raw, named = self._named_vectors(obj, dims if dims is not None else self._dims())
        vector = None if raw is None else self._check_vector(raw, dim)
        created = c.objects.created[old] if old is not None else None
        return _Prepared(position, uuid, props, vector, old, created, named)

    def _dims(self) -> dict[str, int | None]:
        return {name: index.dim for name, index in self.collection.named.items()}

    def texts_to_embed(self, objects: list) -> list[tuple[int, str]]:
        """(position, text) of each object insert_many would vectorize (no vector, properties that fit):
        a caller may embed them with the class's vectorizer outside any lock and pass the vectors in."""
        c = self.collection
        if c.vectorizer is None:
            return []
        out = []
        for i, obj in enumerate(objects):
            if not isinstance(obj, dict) or obj.get("vector") is not None or obj.get("vectors"):
                continue
            try:
                out.append((i, c.object_text(self._check_properties(obj.get("properties")))))
            except ObjectError:
                continue  # insert_many reports it
        return out

    def named_texts_to_embed(self, objects: list) -> list[tuple[str, list[tuple[int, str]]]]:
        """Per named vector with a vectorizer: (name, [(position, text)]) of the objects that lack it."""
        c = self.collection
        out = []
        for name, vectorizer in c.named_vectorizers.items():
            if vectorizer is None:
                continue
            todo = []
            for i, obj in enumerate(objects):
                given = obj.get("vectors") if isinstance(obj, dict) else None
                if not isinstance(obj, dict) or isinstance(given, dict) and given.get(name) is not None:
                    continue
                try:
                    todo.append((i, c.object_text(self._check_properties(obj.get("properties")), name)))
                except ObjectError:
                    continue  # insert_many reports it
            if todo:
                out.append((name, todo))
        return out

    # -- writes ------------------------------------------------------------------------------------

    def insert_many(self, objects: list, *, progress: bool | None | Callable[[int], None]) -> BatchResult:
        guard = self.collection._guard
        with guard.writing():
            self.collection.check_writable()
            result = self._write_batch(objects, progress=progress)
        release_free_heap(len(objects))  # the batch's transient arrays, freed: back to the system
        guard.logged()  # outside the writer's turn: a checkpoint it starts lets other writes go on
        return result

    def _write_batch(self, objects: list, *, progress: bool | None | Callable[[int], None]) -> BatchResult:
        c = self.collection
        results = [ObjectResult(i, None) for i in range(len(objects))]
        prepared: list[_Prepared] = []
        seen: dict[str, ObjectResult] = {}  # the first result of each uuid (no int object per object)
        dim = c.vectors.dim
        dims = self._dims()
        fresh = iter(random_uuids(sum(1 for o in objects if isinstance(o, dict) and o.get("id") is None)))
        for i, obj in enumerate(objects):
            try:
                item = self._prepare(i, obj, dim, dims, fresh)
            except ObjectError as exc:
                results[i].error = exc.message
                continue
            results[i].id = item.uuid
            if item.uuid in seen:
                results[
                    i
                ].error = (
                    f"id '{item.uuid}' appears twice in the batch (first at object {seen[item.uuid].index})"
                )
                continue
            seen[item.uuid] = results[i]
            if item.vector is not None and dim is None:
                dim = len(item.vector)  # the first vector fixes the collection's dimension
            for name, vector in item.named.items():
                dims[name] = dims.get(name) or len(vector)  # ... and each named vector's
            prepared.append(item)
        bar = progress_bar(len(objects), f"importing into {c.name}", progress)
        try:
            self._vectorize(prepared, results, bar)
            prepared = [p for p in prepared if results[p.position].error is None]
            self._commit(prepared, now_ms())
        finally:
            bar.close()
        return BatchResult(results)

    def _vectorize(self, prepared: list[_Prepared], results: list[ObjectResult], bar: Any) -> None:
        c = self.collection
        if c.named:
            self._vectorize_named(prepared, results, bar)
            return
        bar.update(sum(1 for p in prepared if p.vector is not None or c.vectorizer is None))
        todo = [p for p in prepared if p.vector is None]
        if c.vectorizer is None or not todo:
            return
        vectors = c.vectorizer.embed([c.object_text(p.props) for p in todo], on_batch=bar.update)
        dim = c.vectors.dim or next((len(p.vector) for p in prepared if p.vector is not None), None)
        for p, vector in zip(todo, vectors, strict=True):
            if dim is not None and len(vector) != dim:
                results[p.position].error = (
                    f"the vectorizer made a vector of length {len(vector)}, but the collection holds vectors "
                    f"of length {dim}"
                )
            else:
                p.vector = vector

    def _vectorize_named(self, prepared: list[_Prepared], results: list[ObjectResult], bar: Any) -> None:
        """Each named vector an object lacks, from that vector's own vectorizer and source properties."""
        c = self.collection
        bar.update(len(prepared))  # progress counts objects; each vectorizer below runs over all of them
        for name, vectorizer in c.named_vectorizers.items():
            todo = [p for p in prepared if name not in p.named and results[p.position].error is None]
            if vectorizer is None or not todo:
                continue
            vectors = vectorizer.embed([c.object_text(p.props, name) for p in todo])
            dim = c.named[name].dim or next((len(p.named[name]) for p in prepared if name in p.named), None)
            for p, vector in zip(todo, vectors, strict=True):
                if dim is not None and len(vector) != dim:
                    results[p.position].error = (
                        f"the vectorizer of named vector '{name}' made a vector of length {len(vector)}, "
                        f"but '{name}' holds vectors of length {dim}"
                    )
                else:
                    p.named[name] = vector

    def _named_layout(
        self, prepared: list[_Prepared], ids: np.ndarray
    ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Per named vector: the doc ids and rows of the objects that have it."""
        out = {}
        for name in self.collection.named:
            keep = [i for i, p in enumerate(prepared) if name in p.named]
            if keep:
                rows = np.stack([prepared[i].named[name] for i in keep]).astype(np.float32)
                out[name] = (ids[keep], rows)
        return out

    def _commit(self, prepared: list[_Prepared], stamp: int) -> None:
        """Log the write, then apply it to every index at once (or to none: then the error propagates)."""
        if not prepared:
            return
        c = self.collection
        guard = c._guard
        for p in prepared:
            if p.created is None:
                p.created = stamp
        ids, vec_ids, matrix = self._layout(prepared)
        named = self._named_layout(prepared, ids)
        # The costly part of a big batch (its HNSW insertion) happens here, before queries are held.
        publish = stage_vectors(c.vectors, vec_ids, matrix) if matrix is not None else None
        if named:
            staged = [stage_vectors(c.named[n], n_ids, rows) for n, (n_ids, rows) in named.items()]
            publish = _publish_all(([publish] if publish is not None else []) + staged, c, ids)
        tokens = c.bm25.tokenize_batch(ids.tolist(), [p.props for p in prepared])
        if guard.journal is not None:  # an in-memory database logs nothing: no record to build
            guard.log(*self._put_record(prepared, matrix, stamp, named))
        try:
            with guard.exclusive():
                self._apply(prepared, ids, vec_ids, publish, stamp, tokens)
        except BaseException:
            _log_abort(guard)
            raise

    def _layout(self, prepared: list[_Prepared]) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """New doc ids of the objects, and the ids and rows of those with a vector."""
        base = self.collection.objects.next_id
        ids = np.arange(base, base + len(prepared), dtype=np.int64)
        keep = [i for i, p in enumerate(prepared) if p.vector is not None]
        vec_ids = ids[keep]
        # The checked vectors are float32 already: np.stack makes the one copy needed.
        matrix = np.stack([prepared[i].vector for i in keep]).astype(np.float32, copy=False) if keep else None
        return ids, vec_ids, matrix

    def _apply(
        self,
        prepared: list[_Prepared],
        ids: np.ndarray,
        vec_ids: np.ndarray,
        publish: Callable[[], None] | None,
        stamp: int,
        tokens: BatchTokens | None = None,
    ) -> None:
        c = self.collection
        try:
            if publish is not None:
                publish()  # the vector rows, and the HNSW insertion or the swap of its staged copy
            try:
                items = ((doc_id, p.props) for doc_id, p in zip(ids.tolist(), prepared, strict=True))
                c.bm25.add_many(items, tokens)
            except BaseException:
                for doc_id in ids.tolist():
                    c.bm25.remove(doc_id)  # a no-op for ids it never indexed
                c.vectors.remove(vec_ids)
                for index in c.named.values():
                    index.remove(ids)  # skips the ids it does not hold
                raise
        except BaseException:
            c.objects.skip(len(prepared))  # these ids may sit in an index as deleted: never reuse them
            c.objects.touch()
            raise
        for p in prepared:
            if p.replaces is not None:
                self._unindex(p.replaces)
            c.objects.put(p.uuid, p.props, p.created if p.created is not None else stamp, stamp)
        c.objects.touch()

    def _unindex(self, doc_id: int) -> None:
        c = self.collection
        c.bm25.remove(doc_id)
        c.vectors.remove(np.asarray([doc_id], dtype=np.int64))
        for index in c.named.values():
            index.remove(np.asarray([doc_id], dtype=np.int64))
        c.objects.drop(doc_id)

    def update(
        self, uuid: str, properties: dict | None, vector: Any, replace: bool, vectors: dict | None = None
    ) -> None:
        c = self.collection
        with c._guard.writing():
            c.check_writable()
            doc_id = c.doc_id_of(uuid)
            if doc_id is None:
                raise ObjectError(f"no object with id '{uuid}' in class '{c.name}'")
            if not isinstance(properties, dict | None):
                self._check_properties(properties)  # raises the ObjectError that says what to pass
            old = c.objects.props[doc_id] or {}
            merged: dict = {} if replace else dict(old)
            for name, value in (properties or {}).items():
                merged[name] = value
            merged = {k: v for k, v in merged.items() if v is not None}
            given = {"id": uuid, "properties": merged, "vector": vector, "vectors": vectors}
            item = self._prepare(0, given, c.vectors.dim)
            if item.vector is None and not c.named:
                same_text = c.vectorizer is None or c.object_text(item.props) == c.object_text(old)
                if same_text:
                    item.vector = c.vector_of(doc_id)
            for name, vectorizer in c.named_vectorizers.items():
                kept = c.vector_of(doc_id, name)
                same = vectorizer is None or c.object_text(item.props, name) == c.object_text(old, name)
                if name not in item.named and kept is not None and same:
                    item.named[name] = kept  # re-computed only when the text it embeds changed
            results = [ObjectResult(0, item.uuid)]
            self._vectorize([item], results, progress_bar(1, "", False))
            if results[0].error:
                raise ObjectError(results[0].error)
            self._commit([item], now_ms())
        c._guard.logged()

    def delete(self, uuid: str) -> bool:
        return self.delete_many([uuid]) == 1

    def delete_many(self, uuids: list[str]) -> int:
        """Remove the objects with these ids (unknown ones are skipped) in one logged write and one
        exclusive step; the number removed."""
        c = self.collection
        guard = c._guard
        with guard.writing():
            c.check_writable()
            doc_ids = list(dict.fromkeys(d for d in map(c.doc_id_of, uuids) if d is not None))
            if not doc_ids:
                return 0
            guard.log({"op": "delete", **c.log_key, "uuids": [c.objects.uuids[d] for d in doc_ids]})
            try:
                with guard.exclusive():
                    for doc_id in doc_ids:
                        self._unindex(doc_id)
                    c.objects.touch()
            except BaseException:
                _log_abort(guard)
                raise
        guard.logged()
        return len(doc_ids)

    # -- the log -----------------------------------------------------------------------------------

    def _put_record(
        self,
        prepared: list[_Prepared],
        matrix: np.ndarray | None,
        stamp: int,
        named: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    ) -> tuple[dict, bytes]:
        types = self.collection._types
        objects = [
            [
                p.uuid,
                p.created,
                {k: to_json_value(types[k], v) for k, v in p.props.items()},
                p.vector is not None,
            ]
            for p in prepared
        ]
        header = {"op": "put", **self.collection.log_key, "stamp": stamp, "objects": objects}
        blob = b""
        if matrix is not None:
            header["dim"] = int(matrix.shape[1])
            blob = matrix.astype("<f4", copy=False).tobytes()
        if named:
            # After the class vectors: each named vector's rows, in the order listed, for the objects
            # (positions in `objects`) that have it.
            position = {p.uuid: i for i, p in enumerate(prepared)}
            header["named"] = [
                [name, int(rows.shape[1]), [position[p.uuid] for p in prepared if name in p.named]]
                for name, (_, rows) in named.items()
            ]
            blob += b"".join(rows.astype("<f4", copy=False).tobytes() for _, rows in named.values())
        return header, blob


def _empty(value: Any) -> bool:
    """An empty list or array: Weaviate's clients send [] for "no vector"."""
    return isinstance(value, list | tuple) and len(value) == 0


def _publish_all(steps: list[Callable[[], None]], c: Any, ids: np.ndarray) -> Callable[[], None]:
    """One publish for the class vector and every named vector: all of them, or none on failure."""

    def publish() -> None:
        try:
            for step in steps:
                step()
        except BaseException:
            c.vectors.remove(ids)
            for index in c.named.values():
                index.remove(ids)
            raise

    return publish


def _log_abort(guard: Any) -> None:
    """The logged write did not apply: cut it from the log, so that opening the folder skips it too."""
    guard.unlog()
