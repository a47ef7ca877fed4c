"""The Database: collections by name, the schema, rerankers, queries, and keeping it in a folder.

Safe to share between threads: queries run side by side, each on the database as of one moment; writes
take turns (store/guard.py). With a folder every write is logged before it returns (store/wal.py) and
save() is a checkpoint (store/durable.py); docs/durability.md says what a crash can lose.
"""

from __future__ import annotations

import difflib
import threading
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rankql.dsl.schema import Schema

from .arguments import check_database_arguments
from .errors import SchemaError, StorageError
from .store.collection import Collection
from .store.definition import capitalize_class_name, normalize_definition
from .store.definition_update import check_update, redefine, with_property
from .store.guard import DatabaseGuard
from .store.references import check_targets, reference_targets
from .store.replay import replay_delete, replay_put, replay_tenants

if TYPE_CHECKING:  # at run time these load lazily: torch stays out of `import rankql.runtime`
    from .engine import PreparedQuery, QueryEngine
    from .rerank.jobs import Reranker
    from .rerank.service import RerankService


class Database:
    """An embedded Weaviate-like database: in memory, or kept in a folder when `path` is given.

    With a path, an existing database is opened (no re-embedding, no re-indexing) and held by this
    process; every write is on disk before it returns (durability="durable", the default) or handed to
    the operating system (durability="relaxed": survives the process being killed, not a power cut).
    save() writes a checkpoint; close() and leaving a `with` block checkpoint and release the folder.
    One Database may be shared by many threads.
    """

    checkpoint_log_bytes = 64 << 20  # a write that makes the log longer than this runs a checkpoint

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        rerank_query_fallback: bool = True,
        rerank_cache_size: int = 10_000,
        durability: str = "durable",
    ) -> None:
        check_database_arguments(path, rerank_query_fallback, rerank_cache_size)
        from .store.durable import DURABILITY

        if durability not in DURABILITY:
            raise StorageError(
                f"durability must be one of {', '.join(map(repr, DURABILITY))}, got {durability!r}",
                hint='use "durable" (the default) or "relaxed" for bulk loads',
            )
        self.durability = durability
        self.path = Path(path).expanduser() if path is not None else None
        self.rerank_query_fallback = rerank_query_fallback
        self.rerank_cache_size = rerank_cache_size
        self._collections: dict[str, Collection] = {}
        self._registered: dict[str, Any] = {}
        self._registered_frozen: frozenset[str] | None = None  # names, kept until a registration
        self._rerank: Any = None
        self._engine: Any = None
        self._schema: tuple[tuple, Schema] | None = None  # (schema version, registered names), Schema
        self._closed = False
        self._schema_version = 0  # grows on create/delete: a save must notice those too
        self._saved: dict[str, int] | None = None  # collection name -> version at the last checkpoint
        self._guard = DatabaseGuard()
        self._checkpointing = threading.Lock()  # one checkpoint at a time
        self._folder: Any = None
        if self.path is not None:
            self._open_folder(self.path)

    def _open_folder(self, path: Path) -> None:
        from .store.durable import DatabaseFolder

        folder = DatabaseFolder(path, durability=self.durability, registered=self._registered_names)
        try:
            for collection in folder.collections:
                collection._guard = self._guard
                if collection.tenant_shards is not None:
                    for tenant in collection.tenant_shards.items.values():
                        collection.tenant_shards.attach(tenant)
                collection._peers = self._collections.get
                self._collections[collection.name] = collection
            self._saved = self._versions()
            for header, blob in folder.pending:  # the writes logged since the checkpoint, in order
                try:
                    self._replay(header, blob)
                except (AttributeError, KeyError, IndexError, TypeError, ValueError) as exc:
                    raise StorageError(
                        f"the write-ahead log of '{path}' holds a damaged or crafted record that does not "
                        "fit the database "
                        f"({type(exc).__name__}: {exc})",
                        hint="restore the folder from a backup, or open another path",
                    ) from None
        except BaseException:
            folder.close()
            raise
        folder.pending = []
        self._folder = folder
        self._guard.journal = folder.journal
        self._guard.after_write = self._checkpoint_if_log_is_long
        self._guard.tenant_lock = self._checkpointing
        self._guard.settle = self._settle_tenants
        if any(
            c.tenant_shards is not None and c.tenant_shards.cold_loaded() for c in self._collections.values()
        ):
            with self._checkpointing:  # the log set tenants COLD: unload them once a checkpoint holds them
                self._settle_tenants()

    def _replay(self, header: dict, blob: bytes) -> None:
        op = header.get("op")
        if op == "create":
            collection = Collection(
                header["definition"], registered=self._registered_names, guard=self._guard
            )
            collection._peers = self._collections.get
            self._collections[collection.name] = collection
            self._schema_version += 1
        elif op == "define":  # a property added, or settings changed (store/definition_update.py)
            redefine(self._collections[header["class"]], header["definition"])
            self._schema_version += 1
        elif op == "drop":
            del self._collections[header["class"]]
            self._schema_version += 1
        elif op == "put":
            replay_put(self._logged_target(header).writer, header, blob)
        elif op == "delete":
            replay_delete(self._logged_target(header).writer, header)
        elif op == "tenants":
            replay_tenants(self._collections[header["class"]], header)
        else:
            raise StorageError(f"the write-ahead log of '{self.path}' holds an unknown record {op!r}")

    def _logged_target(self, header: dict) -> Collection:
        """The collection (or tenant shard) a logged write went to."""
        collection = self._collections[header["class"]]
        tenant = header.get("tenant")
        if tenant is None:
            return collection
        shard = collection.tenant_shards.items[tenant].shard if collection.tenant_shards is not None else None
        if shard is None:
            raise ValueError(f"a write to tenant '{tenant}', which is unknown or unloaded")
        return shard

    def _settle_tenants(self) -> None:
        """With the checkpoint lock held: a checkpoint (holding every COLD tenant's files), then the COLD
        tenants leave memory; their files stay in the folder until they are set HOT again."""
        self._checkpoint()
        with self._guard.writing(), self._guard.exclusive():
            clean = self._saved == self._versions()
            for collection in self._collections.values():
                if collection.tenant_shards is not None:
                    collection.tenant_shards.unload_cold()
            if self._engine is not None:
                self._engine.forget_plans()
            if clean:  # nothing on disk changed: the checkpoint stays current
                self._saved = self._versions()

    def read_view(self) -> AbstractContextManager[None]:
        """A context manager the query engine holds for one query: it sees the database as of one moment."""
        return self._guard.reading()

    def write_turn(self) -> AbstractContextManager[None]:
        """A context manager that makes several writes one turn: no other write runs between them, while
        queries go on (each write still holds them back only for the step that makes it visible)."""
        return self._guard.writing()

    # -- rerankers and queries ---------------------------------------------------------------------

    def _registered_names(self) -> frozenset[str]:
        names = self._registered_frozen
        if names is None:
            names = self._registered_frozen = frozenset(self._registered)
        return names

    @property
    def rerank(self) -> RerankService:
        """The RerankService that runs every reranker of this database (created on first use)."""
        if self._rerank is None:
            from .rerank import RerankService

            self._rerank = RerankService(cache_size=self.rerank_cache_size)
            for name, (reranker, timeout) in self._registered.items():
                self._rerank.register(name, reranker, timeout=timeout)
        return self._rerank

    def register_reranker(self, name: str, reranker: Reranker, *, timeout: float | None = None) -> None:
        """Make `reranker` (an object with score(query, documents) -> list[float]) usable as module `name`.

        A class may then name it in its moduleConfig, e.g. {"moduleConfig": {name: {}}}. With `timeout`
        (seconds), a score() call that takes longer fails the rerank (onError decides what the query shows).
        """
        if not isinstance(name, str) or not name:
            raise SchemaError("a reranker needs a non-empty name")
        if not callable(getattr(reranker, "score", None)):
            raise SchemaError(
                f"reranker '{name}' has no score(query, documents) method",
                hint="pass an object whose score(query, documents) returns one float per document",
            )
        self.rerank.register(name, reranker, timeout=timeout)  # checks the timeout
        self._registered[name] = (reranker, timeout)
        self._registered_frozen = None

    @property
    def engine(self) -> QueryEngine:
        if self._engine is None:
            from .engine import QueryEngine

            self._engine = QueryEngine(self)
        return self._engine

    def query(self, text: str, variables: dict | None = None, *, headers: dict | None = None) -> dict:
        """Run a GraphQL Get query; returns {"data": ..., "errors": ...} as Weaviate does."""
        return self.engine.query(text, variables, headers=headers)

    def prepare(self, text: str) -> PreparedQuery:
        """Parse and plan a query once, to run it many times with different variables."""
        return self.engine.prepare(text)

    def explain(self, text: str, variables: dict | None = None, analyze: bool = False) -> str:
        """The query plan, one operator per line (analyze=True runs it and adds rows and times)."""
        return self.engine.explain(text, variables, analyze=analyze)

    # -- collections -------------------------------------------------------------------------------

    def create_collection(self, definition: dict) -> Collection:
        """Create a collection from a Weaviate class definition (a dict); SchemaError lists every problem."""
        self._check_open()
        normalized = normalize_definition(definition, self._registered)
        name = normalized["class"]
        guard = self._guard
        with guard.writing():
            if name in self._collections:
                raise SchemaError(
                    f"class name '{name}' already exists",
                    hint=f"pick another name, or db.delete_collection('{name}') first",
                )
            check_targets(normalized, self._collections.__contains__)
            collection = Collection(normalized, registered=self._registered_names, guard=guard)
            collection._peers = self._collections.get
            guard.log({"op": "create", "definition": normalized})
            with guard.exclusive():
                self._collections[name] = collection
                self._schema_version += 1
        guard.logged()
        return collection

    def add_property(self, class_name: str, prop: dict, *, shown: dict | None = None) -> None:
        """Add a property (e.g. {"name": "body", "dataType": ["text"]}) to a class, also one that holds
        objects: those have no value for it, as in Weaviate (collection.config.add_property); objects
        written later are indexed and vectorized with it. `shown`: its settings rankql only shows back
        (the REST server's wireConfig entry for it)."""
        self._check_open()
        guard = self._guard
        with guard.writing():
            collection = self.collection(class_name)
            definition = with_property(collection.definition, prop, self._registered_names(), shown)
            check_targets(definition, self._collections.__contains__)
            self._define(collection, definition)
        guard.logged()

    def add_reference_property(self, class_name: str, prop: dict) -> None:
        """add_property for a cross-reference property (e.g. {"name": "inCity", "dataType": ["City"]})."""
        if not isinstance(prop, dict) or reference_targets(prop.get("dataType")) is None:
            raise SchemaError(
                f"only a cross-reference property can be added with add_reference_property, got {prop!r}",
                hint='e.g. {"name": "inCity", "dataType": ["City"]}; add_property adds any property',
            )
        self.add_property(class_name, prop)

    def update_collection_settings(self, class_name: str, definition: dict) -> None:
        """Swap in a class definition that changes only what Weaviate lets a class holding objects change
        (store/definition_update.py check_update: descriptions, auto-tenant switches, BM25 and search
        settings, the reranker, new named vectors), logged so that it survives a crash as any write."""
        self._check_open()
        guard = self._guard
        with guard.writing():
            collection = self.collection(class_name)
            proposed = normalize_definition(definition, self._registered_names())
            check_update(collection.definition, proposed, self._registered_names())
            self._define(collection, proposed)
        guard.logged()

    def _define(self, collection: Collection, definition: dict) -> None:
        """Log a checked new definition of `collection` and make it visible (inside the writer's turn)."""
        self._guard.log({"op": "define", "class": collection.name, "definition": definition})
        with self._guard.exclusive():
            redefine(collection, definition)
            self._schema_version += 1

    def collection(self, name: str) -> Collection:
        """The collection called `name` (first letter case-insensitive, as Weaviate capitalizes)."""
        found = self._collections.get(name) or self._collections.get(capitalize_class_name(str(name)))
        if found is None:
            close = difflib.get_close_matches(str(name), list(self._collections), n=1)
            hint = f"did you mean '{close[0]}'?" if close else "create it with db.create_collection({...})"
            raise SchemaError(f"class '{name}' does not exist", hint=hint)
        return found

    def __getitem__(self, name: str) -> Collection:
        return self.collection(name)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (
            name in self._collections or capitalize_class_name(name) in self._collections
        )

    def collections(self) -> list[str]:
        """Collection names in creation order."""
        return list(self._collections)

    def delete_collection(self, name: str) -> None:
        self._check_open()
        guard = self._guard
        with guard.writing():
            found = self.collection(name).name
            guard.log({"op": "drop", "class": found})
            with guard.exclusive():
                del self._collections[found]
                self._schema_version += 1
        guard.logged()

    def schema(self) -> Schema:
        """The plain schema description the query validator and planner use (do not modify it).

        Kept until a collection is created or deleted or a reranker registered (each query validates
        against it); definitions never change in place.
        """
        key = (self._schema_version, self._registered_names())
        cached = self._schema
        if cached is None or cached[0] != key:
            with self._guard.reading():  # no collection created or deleted halfway through the list
                classes = [c.class_schema for c in self._collections.values()]
            cached = self._schema = (key, Schema(classes=classes))
        return cached[1]

    # -- persistence -------------------------------------------------------------------------------

    def _versions(self) -> dict[str, int]:
        versions = {name: c.version for name, c in self._collections.items()}
        versions[" schema"] = self._schema_version  # a space: no class name can collide with it
        return versions

    def _check_open(self) -> None:
        if self._closed:
            raise StorageError("the database is closed", hint="open it again with Database(path)")

    def save(self) -> None:
        """Write a checkpoint (atomically) and start an empty log; nothing to do in memory or when nothing
        changed. Queries go on meanwhile; writes wait only while it copies the collections.

        Reopening reads the last checkpoint plus the log.
        """
        self._check_open()
        if self._folder is None:
            return
        with self._checkpointing:
            self._checkpoint()

    def _checkpoint(self) -> None:
        from .store.snapshot import snapshot

        folder = self._folder
        try:
            with self._guard.writing():  # no write runs meanwhile: the copy is one moment
                versions = self._versions()
                if self._saved == versions:
                    return
                live = list(self._collections.values())
                frozen = [snapshot(c) for c in live]
                generation = folder.begin_checkpoint()
                self._guard.journal = folder.journal
            folder.finish_checkpoint(generation, frozen)  # writes go on into the new log
            for original, written in zip(live, frozen, strict=True):
                if self._collections.get(original.name) is original:  # not deleted (or recreated) since
                    original._segments = written._segments  # on disk now: the next checkpoint links them
                    if original.tenant_shards is not None:
                        original.tenant_shards.adopt(written.tenant_shards)
        except OSError as exc:
            raise StorageError(
                f"cannot save the database to '{self.path}': {exc}",
                hint="check free disk space and permissions; the previous save and the log are intact",
            ) from None
        self._saved = versions

    def _checkpoint_if_log_is_long(self) -> None:
        folder = self._folder
        if folder is None or folder.journal.size <= self.checkpoint_log_bytes:
            return
        if self._checkpointing.acquire(blocking=False):  # one running already: it empties the log
            try:
                self._checkpoint()
            finally:
                self._checkpointing.release()

    def close(self) -> None:
        """Checkpoint (with a path), release the folder and close; later use raises StorageError.

        Closing twice is harmless.
        """
        if self._closed:
            return
        try:
            self.save()
        finally:
            self._closed = True
            # In the writer's turn: a write in flight ends first, and every later one is refused.
            with self._checkpointing, self._guard.writing():
                self._guard.closed = True
                self._guard.journal = None
                if self._folder is not None:
                    self._folder.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = str(self.path) if self.path else "memory"
        return f"Database({where}, collections={self.collections()})"
