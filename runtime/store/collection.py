"""A collection: its definition, objects, vector and keyword indexes, and the searches over them."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from rankql.dsl.schema import ClassSchema

from ..errors import ObjectError, SearchError, TenantError
from .bm25 import Bm25Index, not_searchable
from .definition import class_schema
from .definition_update import keyword_settings
from .definition_vectors import as_class_definition, unknown_target
from .filter_cache import cached_filter
from .filters import evaluate
from .guard import DatabaseGuard
from .objects import BatchResult, ObjectTable
from .references import as_json, change_references, given_beacons, is_reference_type
from .tenants import HOT, TenantsApi, not_active, not_found, with_tenant_refused, without_tenant
from .thresholds import PAGE_ROWS
from .values import show
from .vectorizers import make_vectorizer, object_text
from .vectors import VectorIndex, has_ties
from .writes import CollectionWriter

_FLOAT32 = np.dtype(np.float32)


def _keyword_parts(definition: dict) -> tuple[Any, Any]:
    """A fresh Bm25Index and the Stopwords of the class."""
    k1, b, stopwords = keyword_settings(definition)
    fields = {p["name"]: p["tokenization"] for p in definition["properties"] if p["indexSearchable"]}
    return Bm25Index(fields, k1=k1, b=b, stopwords=stopwords), stopwords


def _batch(objects: Any) -> list:
    """insert_many's argument as a list; ObjectError for one object or something that is no list."""
    if isinstance(objects, str | bytes | dict) or not isinstance(objects, Iterable):
        what = "one object" if isinstance(objects, dict) else f"{type(objects).__name__} {show(objects)}"
        raise ObjectError(
            f"insert_many takes a list of objects, got {what}",
            hint='pass e.g. [{"properties": {...}}, ...]; insert(obj) stores one object',
        )
    return list(objects)


def _no_peer(name: str) -> None:
    """A collection outside a Database knows no other class."""
    return None


class Collection:
    """One Weaviate class held in memory. Doc ids are dense, never reused; an update gets a new one."""

    def __init__(
        self,
        definition: dict,
        *,
        registered: Callable[[], Iterable[str]] = frozenset,
        _empty: bool = False,
        guard: DatabaseGuard | None = None,
        tenant: str | None = None,
    ) -> None:
        self.name: str = definition["class"]
        # A multi-tenant class holds its tenants (each a Collection of its own, `tenant` naming it);
        # a tenant's shard knows its Tenant entry (`tenancy`), whose status its writes check.
        self.tenant = tenant
        self.tenancy: Any = None
        self.log_key = {"class": self.name} if tenant is None else {"class": self.name, "tenant": tenant}
        self._registered = registered
        self._schema_cache: tuple[dict, Any, ClassSchema] | None = None
        self.read_definition(definition)
        self.vectorizer = make_vectorizer(definition)
        self.objects = ObjectTable()
        self.vectors = VectorIndex(definition["vectorIndexConfig"], definition["vectorIndexType"])
        # Named vectors (vectorConfig): one index and vectorizer each, keyed by name, in declaration order.
        self.named = {
            name: VectorIndex(d["vectorIndexConfig"], d["vectorIndexType"])
            for name, d in self.named_definitions.items()
        }
        self.named_vectorizers = {name: make_vectorizer(d) for name, d in self.named_definitions.items()}
        self.bm25, self.stopwords = (None, None) if _empty else _keyword_parts(definition)
        self._peers: Callable[[str], Collection | None] = _no_peer  # the Database's other collections
        self._guard = guard if guard is not None else DatabaseGuard()  # the Database's: its locks and log
        self.writer = CollectionWriter(self)
        multi = tenant is None and "multiTenancyConfig" in definition
        self.tenant_shards: TenantsApi | None = TenantsApi(self) if multi else None

    def read_definition(self, definition: dict) -> None:
        """Take `definition` and what is looked up from it per write and query (properties by name, their
        types, the references, the searchable ones, each named vector as a class definition)."""
        self.definition = definition
        self._props = {p["name"]: p for p in definition["properties"]}
        self._types = {p["name"]: p["dataType"][0] for p in definition["properties"]}
        self._refs = frozenset(n for n, t in self._types.items() if is_reference_type(t))
        self._searchable = [(p["name"], 1.0) for p in definition["properties"] if p["indexSearchable"]]
        self.named_definitions = {
            name: as_class_definition(definition, config)
            for name, config in (definition.get("vectorConfig") or {}).items()
        }

    # -- description -------------------------------------------------------------------------------

    @property
    def class_schema(self) -> ClassSchema:
        """Built once per definition and set of registered rerankers (a query asks for it several times).

        The definition is never changed in place: replacing it (or registering a reranker) rebuilds this.
        Callers must not modify the returned schema.
        """
        registered = self._registered()
        cached = self._schema_cache
        if cached is not None and cached[0] is self.definition and cached[1] == registered:
            return cached[2]
        schema = class_schema(self.definition, registered)
        self._schema_cache = (self.definition, frozenset(registered), schema)
        return schema

    @property
    def distance(self) -> str:
        return self.definition["vectorIndexConfig"]["distance"]

    @property
    def dim(self) -> int | None:
        return self.vectors.dim

    @property
    def module_config(self) -> dict:
        return self.definition["moduleConfig"]

    @property
    def bm25_params(self) -> dict:
        return dict(self.definition["invertedIndexConfig"]["bm25"])

    @property
    def version(self) -> int:
        """Grows with every write: lets callers (and save) notice changes."""
        if self.tenant_shards is not None:
            return self.objects.version + self.tenant_shards.version
        return self.objects.version

    # -- tenants (store/tenants.py) ----------------------------------------------------------------

    @property
    def tenants(self) -> TenantsApi:
        """The tenants of a multi-tenant collection: create, get, update, remove (store/tenants.py)."""
        if self.tenant_shards is None:
            raise TenantError(
                f'multi-tenancy is not enabled for class "{self.name}"',
                hint='create the class with "multiTenancyConfig": {"enabled": true}',
            )
        return self.tenant_shards

    def for_tenant(self, tenant: str | None) -> Collection:
        """The collection a request naming `tenant` (or none) reads and writes: this one, or a tenant's
        shard; Weaviate's errors for a tenant where there is none, none where one is needed, an unknown
        or an inactive one."""
        if self.tenant_shards is None:
            if tenant:
                raise with_tenant_refused(self.name)
            return self
        return self.tenant_shards.shard(tenant)

    def with_tenant(self, tenant: str) -> Collection:
        """The shard of tenant `tenant` (HOT) of this multi-tenant collection: insert, get, update and
        delete objects there, as the v4 client's collection.with_tenant(...) does. A class with
        autoTenantCreation creates the tenant, one with autoTenantActivation sets a COLD one HOT."""
        if self.tenant_shards is None:
            raise with_tenant_refused(self.name)
        if not tenant:
            raise without_tenant(self.name)
        self.tenant_shards.ensure(tenant, for_write=True)  # autoTenantCreation / autoTenantActivation
        return self.for_tenant(tenant)

    def check_writable(self) -> None:
        """Raise TenantError when a write cannot go here: the class of tenants itself, or a tenant
        that is not HOT (or this handle of it was unloaded since). Called inside the writer's turn."""
        if self.tenant_shards is not None:
            raise without_tenant(self.name)
        tenant = self.tenancy
        if tenant is not None:
            if tenant.removed:
                raise not_found(tenant.name)
            if tenant.status != HOT or tenant.shard is not self:
                raise not_active(tenant.name)

    def __len__(self) -> int:
        shards = self.tenant_shards
        if shards is not None:  # the class of tenants: the objects of its loaded tenants
            return sum(len(t.shard) for t in shards.items.values() if t.shard is not None)
        return len(self.objects)

    def __repr__(self) -> str:
        if self.tenant is not None:
            return f"Collection({self.name!r}, tenant={self.tenant!r}, objects={len(self)})"
        if self.tenant_shards is not None:
            return f"Collection({self.name!r}, tenants={len(self.tenant_shards)})"
        return f"Collection({self.name!r}, objects={len(self)})"

    # -- reading objects ---------------------------------------------------------------------------

    def uuid_of(self, doc_id: int) -> str:
        uuid = self.objects.uuids[doc_id]
        if uuid is None:
            raise KeyError(doc_id)
        return uuid

    def doc_id_of(self, uuid: str) -> int | None:
        return self.objects.by_uuid.get(str(uuid).lower())

    def properties_of(self, doc_id: int) -> dict:
        props = self.objects.props[doc_id]
        return props if props is not None else {}

    def created_ms(self, doc_id: int) -> int:
        return self.objects.created[doc_id]

    def updated_ms(self, doc_id: int) -> int:
        return self.objects.updated[doc_id]

    def vector_of(self, doc_id: int, target: str | None = None) -> np.ndarray | None:
        return self.vector_index(target).flat.vector(doc_id)

    def vectors_of(self, doc_id: int) -> dict[str, list[float]]:
        """The object's named vectors by name (those it has)."""
        out = {}
        for name, index in self.named.items():
            vector = index.flat.vector(doc_id)
            if vector is not None:
                out[name] = vector.tolist()
        return out

    # -- named vectors -----------------------------------------------------------------------------

    @property
    def vector_names(self) -> list[str]:
        """The names a search may target: the named vectors, or the client's name of the class vector."""
        return self.class_schema.vector_names

    def vector_index(self, target: str | None) -> VectorIndex:
        """The vectors a target searches: None (or the class vector's alias) is the class-level vector."""
        if target is None or (not self.named and target in self.vector_names):
            return self.vectors
        index = self.named.get(target)
        if index is None:
            raise SearchError(unknown_target(self.name, target, self.vector_names))
        return index

    def vectorizer_for(self, target: str | None) -> Any:
        if target is None or target not in self.named:
            return self.vectorizer
        return self.named_vectorizers[target]

    def live_ids(self) -> np.ndarray:
        return self.objects.live_ids()

    def live_mask(self) -> np.ndarray:
        """True at each live doc id (read-only, next_id long), valid until the next write."""
        return self.objects.live_mask()

    def column(self, prop: str) -> list:
        return self.objects.column(prop)

    def object_text(self, properties: dict, target: str | None = None) -> str:
        """The text the vectorizer embeds for these properties (docs/search-internals.md#vectors)."""
        if target is not None and target in self.named_definitions:
            return object_text(self.named_definitions[target], properties)
        return object_text(self.definition, properties)

    def get(self, uuid: str) -> dict | None:
        """The object as Weaviate shows it (dates as RFC3339 text), or None."""
        from .values import to_json_value

        if self.tenant_shards is not None:
            raise without_tenant(self.name)
        with self._guard.reading():
            doc_id = self.doc_id_of(uuid)
            if doc_id is None:
                return None
            props = self.objects.props[doc_id] or {}
            vector = self.vector_of(doc_id)
            named = self.vectors_of(doc_id) if self.named else None
            created, updated = self.objects.created[doc_id], self.objects.updated[doc_id]
            stored_id = self.objects.uuids[doc_id]
        return {
            "class": self.name,
            "id": stored_id,
            "properties": {
                k: as_json(v) if k in self._refs else to_json_value(self._props[k]["dataType"][0], v)
                for k, v in props.items()
            },
            "vector": None if vector is None else vector.tolist(),
            **({"vectors": named} if named is not None else {}),
            "creationTimeUnix": created,
            "lastUpdateTimeUnix": updated,
        }

    def list_ids(self, allow: np.ndarray | None = None) -> np.ndarray:
        """Live doc ids in uuid order, restricted to `allow` when given."""
        order = self.objects.uuid_order()
        if allow is None:
            return order
        ranks = self.objects.rank_of_uuid()
        allow = np.asarray(allow, dtype=np.int64)
        allow = allow[(allow >= 0) & (allow < len(ranks))]
        allow = allow[ranks[allow] >= 0]
        return allow[np.argsort(ranks[allow], kind="stable")]

    # -- searches ----------------------------------------------------------------------------------

    def _by_uuid_on_ties(self, ids: np.ndarray, keys: np.ndarray, descending: bool) -> np.ndarray:
        """Order of (ids, keys) best first, ties by uuid ascending."""
        ranks = self.objects.rank_of_uuid()[ids]
        return np.lexsort((ranks, -keys if descending else keys))

    def uuid_ranks(self) -> np.ndarray:
        """ranks[doc_id] = the doc's position in uuid order (-1 for deleted ids): sorts ties by uuid cheaply."""
        return self.objects.rank_of_uuid()

    def vector_search(
        self,
        vector: Any,
        k: int | None,
        allow: np.ndarray | None = None,
        max_distance: float | None = None,
        *,
        exact: bool = False,
        lists: bool = False,
        target: str | None = None,
    ) -> tuple[Any, Any]:
        """(doc ids, distances) nearest first, exact ties by uuid; k=None gives every object within
        max_distance. The engine's lowering chooses: `exact` scans every vector (or those in `allow`)
        instead of walking the HNSW graph; `lists` gives Python lists (a page) instead of arrays
        (int64 ids, float32 distances). The answers are the same either way, up to HNSW recall.
        `target` names the named vector searched (None: the class-level vector).
        """
        vectors = self.vector_index(target)
        hnsw = vectors.hnsw
        if lists and not exact and allow is None and hnsw is not None and k is not None:
            found = self._hnsw_page(hnsw, vector, k, max_distance)
            if found is not None:
                return found
        ids, distances = self._vector_columns(vectors, vector, k, allow, max_distance, exact)
        return (ids.tolist(), distances.tolist()) if lists else (ids, distances)

    def _hnsw_page(
        self, hnsw: Any, vector: Any, k: int, max_distance: float | None
    ) -> tuple[list[int], list[float]] | None:
        """An unfiltered float32 page from hnswlib straight to lists (the benchmark holds this within 10%
        of raw hnswlib); None where the general path must answer (a tie across the cut, k too large)."""
        found = hnsw.nearest(vector, k) if type(vector) is np.ndarray else None
        if found is None:
            return None
        ids, values = found  # k + 1 of them
        if len(set(values)) > k:  # no exact tie: the common case
            del ids[k], values[k]
        elif values[k] != values[k - 1]:  # ties inside the page only: uuid order
            del ids[k], values[k]
            ranks = self.objects.rank_of_uuid()
            order = sorted(range(k), key=lambda i: (values[i], ranks[ids[i]]))
            ids, values = [ids[i] for i in order], [values[i] for i in order]
        else:
            return None  # a tie across the cut needs a wider search: the general path makes it
        if max_distance is not None:
            keep = bisect.bisect_right(values, float(np.float32(max_distance)))
            del ids[keep:], values[keep:]
        return ids, values

    def _vector_columns(
        self,
        vectors: VectorIndex,
        vector: Any,
        k: int | None,
        allow: np.ndarray | None,
        max_distance: float | None,
        exact: bool,
    ) -> tuple[np.ndarray, np.ndarray]:
        hnsw = vectors.hnsw
        if (
            not exact
            and allow is None
            and hnsw is not None
            and k is not None
            and k > 0
            and type(vector) is np.ndarray
            and vector.dtype is _FLOAT32
            and vector.shape == (hnsw.dim,)
        ):
            # Unfiltered float32 queries of the right size (hybrid's vector pools, pages the list path
            # leaves here) skip check_query and VectorIndex.search: the same results as the general path
            # below, with fewer calls.
            try:
                ids, dist, values = hnsw.search_values(vector, k)
            except RuntimeError:
                pass  # hnswlib could not gather k: the general path falls back to exact search
            else:
                if values and not math.isfinite(values[0]):
                    raise SearchError(
                        "vector search: the query vector holds NaN, infinite or overflowing numbers"
                    )
                if len(set(values)) < len(values):
                    order = self._by_uuid_on_ties(ids, dist, descending=False)[:k]
                    ids, dist = ids[order], dist[order]
                if max_distance is not None:
                    keep = int(np.searchsorted(dist, np.float32(max_distance), side="right"))
                    ids, dist = ids[:keep], dist[:keep]
                return ids, dist
        query = vectors.check_query(vector, self.name)
        if query is None or (k is not None and k <= 0):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        ids, dist = vectors.search(query, k, allow, exact=exact)
        # A page is checked with Python floats (one numpy call), a long list with numpy.
        small = len(dist) <= PAGE_ROWS
        values = dist.tolist() if small else [float(dist[0])]
        # NaN or inf in the query make every distance non-finite: checking the best one is enough,
        # and cheaper than scanning the query before each search.
        if len(dist) and not math.isfinite(values[0]):
            raise SearchError("vector search: the query vector holds NaN, infinite or overflowing numbers")
        if len(set(values)) < len(values) if small else has_ties(dist):
            # The indexes return every candidate tied with the k-th: order ties by uuid, then cut.
            order = self._by_uuid_on_ties(ids, dist, descending=False)
            if k is not None:
                order = order[:k]
            ids, dist = ids[order], dist[order]
        if max_distance is not None:
            keep = int(np.searchsorted(dist, np.float32(max_distance), side="right"))
            ids, dist = ids[:keep], dist[:keep]
        return ids, dist

    def _search_properties(self, properties: list[tuple[str, float]] | None) -> list[tuple[str, float]]:
        if properties is None:
            if not self._searchable:
                raise SearchError("No properties provided, and no indexed properties found in class")
            return self._searchable
        for name, _ in properties:
            prop = self._props.get(name)
            if prop is None:
                raise SearchError(
                    f"no such prop with name '{name}' found in class '{self.name}' in the schema. "
                    "Check your schema files for which properties in this class are available"
                )
            if not prop["dataType"][0].startswith("text"):
                raise SearchError(f"cannot handle datatype '{prop['dataType'][0]}' of property '{name}'")
            if not prop["indexSearchable"]:
                raise not_searchable(name)
        return properties

    def bm25_search(
        self,
        query: str,
        properties: list[tuple[str, float]] | None = None,
        allow: np.ndarray | None = None,
        k: int | None = None,
        explain: bool = False,
        operator: str = "Or",
        minimum_match: int = 0,
    ) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
        """(int64 doc ids, float32 scores, explainScores or None without explain) by score desc, ties by
        uuid asc, cut at k; `properties` None searches every searchable property; `operator` and
        `minimum_match` are bm25's searchOperator (Bm25Index.search)."""
        properties = self._search_properties(properties)
        if k is not None and k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32), [] if explain else None
        ids, scores, explains = self.bm25.search(
            query, properties, allow, k, explain=explain, operator=operator, minimum_match=minimum_match
        )
        ids = np.asarray(ids, dtype=np.int64)
        scores = np.asarray(scores, dtype=np.float32)
        if has_ties(scores):  # the index returns best first, ties by doc id: re-order ties by uuid
            order = self._by_uuid_on_ties(ids, scores, descending=True)[:k]
            ids, scores = ids[order], scores[order]
            explains = [explains[i] for i in order.tolist()] if explains is not None else None
        elif k is not None and len(ids) > k:  # not without ties: the index cuts after the k-th's ties
            ids, scores, explains = ids[:k], scores[:k], explains[:k] if explains is not None else None
        return ids, scores, explains

    def filter(self, where: Any) -> np.ndarray:
        """Sorted doc ids that pass a where filter: read-only, kept and carried across writes (filter_cache.py)."""
        return cached_filter(where, self, evaluate)

    def embed_queries(self, texts: list[str], target: str | None = None) -> np.ndarray:
        """Query vectors from the class vectorizer (or the target's), one row per text."""
        vectorizer = self.vectorizer_for(target)
        if vectorizer is None:
            whose = (
                f"named vector '{target}' of class '{self.name}'"
                if target in self.named
                else f"class '{self.name}'"
            )
            raise SearchError(
                f"{whose} has no vectorizer, so text cannot be turned into a vector",
                hint='create it with "vectorizer": "text2vec-transformers", or search with nearVector',
            )
        return vectorizer.embed_queries(list(texts))

    # -- writing objects (a CollectionWriter, writes.py, does them) ---------------------------------

    def insert(self, obj: dict) -> str:
        """Store one object; ObjectError if it does not fit, or if its id already exists."""
        with self._guard.writing():  # the check and the write in one turn
            if (
                isinstance(obj, dict)
                and obj.get("id") is not None
                and self.doc_id_of(str(obj["id"])) is not None
            ):
                raise ObjectError(
                    f"id '{obj['id']}' already exists in class '{self.name}'",
                    hint="use update(id, properties) to change it, or insert_many to replace it",
                )
            result = self.insert_many([obj])[0]
        if result.error is not None:
            raise ObjectError(result.error)
        assert result.id is not None
        return result.id

    def insert_many(
        self, objects: Iterable[dict], *, progress: bool | None | Callable[[int], None] = None
    ) -> BatchResult:
        """Store every valid object (an existing id is replaced, as Weaviate's batch does); errors per object.

        One call is one write-ahead log record, written after the vectorizer ran: all or nothing.
        progress: True/False force a bar on stderr, None shows one for big batches on a terminal, a
        callable gets the number of objects each step finished (checks, then each vectorizer batch).
        """
        return self.writer.insert_many(_batch(objects), progress=progress)

    def update(
        self,
        uuid: str,
        properties: dict | None = None,
        *,
        vector: Any = None,
        replace: bool = False,
        vectors: dict | None = None,
    ) -> None:
        """Change an object: merge `properties` into it (replace=True: swap them all); a null value unsets.

        A vector (each named vector) is re-computed only when the text it embeds changed (as Weaviate
        does), unless given: `vector` for the class-level vector, `vectors` by name for named vectors.
        """
        self.writer.update(uuid, properties, vector, replace, vectors)

    def add_reference(self, uuid: str, prop: str, ref: Any) -> None:
        """Append references (a uuid, a beacon, {"beacon": ...}, or a list of them) to `prop` of an object."""
        given = given_beacons(self, prop, ref) if prop in self._refs else []
        change_references(self, uuid, prop, lambda current: current + given)

    def replace_references(self, uuid: str, prop: str, refs: Any) -> None:
        """Set the references of `prop` of an object to `refs` (an empty list removes them all)."""
        given = given_beacons(self, prop, refs) if prop in self._refs else []
        change_references(self, uuid, prop, lambda current: given)

    def delete_reference(self, uuid: str, prop: str, ref: Any) -> None:
        """Remove the references equal to `ref` from `prop` of an object (none equal: nothing changes)."""
        gone = set(given_beacons(self, prop, ref)) if prop in self._refs else set()
        change_references(self, uuid, prop, lambda current: [b for b in current if b not in gone])

    def delete(self, uuid: str) -> bool:
        """Remove an object; False when there was none with this id."""
        return self.writer.delete(uuid)

    def delete_many(self, uuids: list[str]) -> int:
        """Remove the objects with these ids in one write (one log record); the number removed."""
        return self.writer.delete_many(uuids)
