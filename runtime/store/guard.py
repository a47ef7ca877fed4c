"""Who may touch a database when: queries share it, writes and checkpoints take turns, commits stand alone.

Three levels, one object per Database (its collections hold the same one):
- `reading()`: a query. Many at once; each sees the database as of one moment, because nothing
  changes while any query holds it.
- `writing()`: a write or a checkpoint. One at a time (re-entrant in its thread). It does its expensive
  part here (checks, vectorizing, a big HNSW insertion on a private copy, the log's fsync, writing a
  checkpoint's files) while queries go on.
- `exclusive()`: inside `writing()`, the short step that makes a write visible (object table, keyword
  postings, vector rows, HNSW marks or the swap of a copy). Queries wait for it, and it waits for
  the queries in flight; a waiting commit holds back new queries so that it cannot starve.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import StorageError


class ReadWriteLock:
    """Shared (re-entrant per thread) or exclusive; a waiting exclusive holder blocks new shared ones."""

    def __init__(self) -> None:
        # Queries take the mutex itself (a C call) and touch the condition only when a writer is involved.
        self._mutex = threading.Lock()
        self._cond = threading.Condition(self._mutex)
        self._readers = 0
        self._writer: int | None = None  # thread id of the exclusive holder
        self._writer_depth = 0
        self._waiting_writers = 0
        self._local = threading.local()
        self.commits = 0  # exclusive sections ended: a query that stepped out of its view compares it

    def acquire_shared(self) -> None:
        local = self._local
        depth = getattr(local, "depth", 0)
        if depth or self._writer == threading.get_ident():
            # nested query, or a query inside this thread's own commit
            local.depth = depth + 1
            return
        with self._mutex:
            if self._writer is None and not self._waiting_writers:  # the common case: no writer about
                self._readers += 1
                local.depth = 1
                return
        with self._cond:
            while self._writer is not None or self._waiting_writers:
                self._cond.wait()
            self._readers += 1
        local.depth = 1

    def reading_here(self) -> bool:
        """Whether this thread is inside a query."""
        return bool(getattr(self._local, "depth", 0))

    def release_shared(self) -> None:
        local = self._local
        depth = local.depth - 1
        local.depth = depth
        if depth or self._writer == threading.get_ident():
            return
        with self._mutex:
            self._readers -= 1
            # only a writer waits for the last reader (waiting readers wait for the writer to finish)
            if self._readers == 0 and self._waiting_writers:
                self._cond.notify_all()

    def holds_exclusive(self) -> bool:
        return self._writer == threading.get_ident()

    def acquire_exclusive(self) -> None:
        me = threading.get_ident()
        if self._writer == me:
            self._writer_depth += 1
            return
        if getattr(self._local, "depth", 0):
            raise RuntimeError("a write cannot start inside a query of the same thread")
        with self._cond:
            self._waiting_writers += 1
            try:
                while self._writer is not None or self._readers:
                    self._cond.wait()
            finally:
                self._waiting_writers -= 1
            self._writer = me
            self._writer_depth = 1

    def release_exclusive(self) -> None:
        self._writer_depth -= 1
        if self._writer_depth:
            return
        with self._cond:
            self._writer = None
            self.commits += 1
            self._cond.notify_all()

    def step_out(self) -> tuple[int, int] | None:
        """Leave this thread's shared hold for a while: (depth, commits) to step back in with, or None
        when it may not: no hold, a nested one (a caller's read_view() promises its whole block one
        moment), or inside its own exclusive section."""
        depth = getattr(self._local, "depth", 0)
        if depth != 1 or self._writer == threading.get_ident():
            return None
        with self._mutex:
            commits = self.commits
            self._local.depth = 0
            self._readers -= 1
            if self._readers == 0 and self._waiting_writers:
                self._cond.notify_all()
        return depth, commits

    def step_in(self, token: tuple[int, int]) -> bool:
        """Take the shared hold back as step_out left it; whether anything was committed meanwhile."""
        depth, commits = token
        self.acquire_shared()
        self._local.depth = depth
        return self.commits != commits


class _Reading:
    """`with guard.reading():` as a class: a generator-based context manager costs more per query."""

    __slots__ = ("_rw",)

    def __init__(self, rw: ReadWriteLock) -> None:
        self._rw = rw

    def __enter__(self) -> None:
        self._rw.acquire_shared()

    def __exit__(self, *exc: object) -> None:
        self._rw.release_shared()


class Gap:
    """`with guard.gap() as gap:` runs its body outside the query's view, so that writers need not wait
    for it (a rerank call); `gap.moved` says whether a write was committed meanwhile."""

    __slots__ = ("_rw", "_token", "moved")

    def __init__(self, rw: ReadWriteLock | None) -> None:
        self._rw = rw
        self._token: tuple[int, int] | None = None
        self.moved = False

    def __enter__(self) -> Gap:
        self._token = self._rw.step_out() if self._rw is not None else None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._token is not None and self._rw is not None:
            self.moved = self._rw.step_in(self._token)


class DatabaseGuard:
    """The locks of one database, plus the write-ahead log its writes go through (None in memory)."""

    def __init__(self) -> None:
        self._rw = ReadWriteLock()
        self._reading = _Reading(self._rw)
        self._writer = threading.RLock()
        self.journal: Any = None  # a Journal when the database lives in a folder
        self.after_write: Callable[[], None] | None = None  # e.g. a checkpoint once the log is long
        self.closed = False  # set by Database.close() during the writer's turn
        self.broken = False  # a failed write could not be cut from the log: it would come back on open
        self._logged_at: int | None = None  # where the last record of this write turn starts in the log
        # Tenant status changes (store/tenants.py) hold this (the Database's checkpoint lock) so that no
        # checkpoint moves tenant files meanwhile, then call `settle` (with a folder: a checkpoint, after
        # which COLD tenants are unloaded).
        self.tenant_lock: Any = threading.Lock()
        self.settle: Callable[[], None] | None = None

    def reading(self) -> _Reading:
        """A query's view (a context manager; one object serves every thread, its state is per thread)."""
        return self._reading

    def gap(self) -> Gap:
        """A stretch of a query outside its view (see Gap); a no-op outside a query or inside a write."""
        return Gap(None if self.writing_here() else self._rw)

    @contextmanager
    def writing(self) -> Iterator[None]:
        if self._rw.reading_here() and not self._rw.holds_exclusive():
            # Checked before the writer lock: a writer that holds it may be waiting for this very query.
            raise StorageError(
                "a write cannot start inside a query of the same thread",
                hint="finish the query (leave read_view()) before writing",
            )
        with self._writer:
            if self.closed:
                raise StorageError("the database is closed", hint="open it again with Database(path)")
            if self.broken:
                raise StorageError(
                    "the write-ahead log holds a failed write that could not be removed; writes are refused",
                    hint="close the database and check the disk; reopening may bring the failed write back",
                )
            yield

    def writing_here(self) -> bool:
        """Whether this thread holds the writer's turn."""
        return bool(self._writer._is_owned())  # type: ignore[attr-defined]  # RLock's own check

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        self._rw.acquire_exclusive()
        try:
            yield
        finally:
            self._rw.release_exclusive()

    def log(self, record: dict, blob: bytes = b"") -> None:
        """Append one record to the write-ahead log (fsynced in durable mode) before it is applied."""
        if self.journal is None:
            return
        try:
            self._logged_at = self.journal.append(record, blob)
        except OSError as exc:
            self.broken = self.journal.size != _file_size(self.journal)  # a torn record it could not cut
            raise StorageError(
                f"cannot write the write-ahead log '{self.journal.path}': {exc}",
                hint="free disk space; nothing was written",
            ) from None

    def unlog(self) -> None:
        """The write just logged could not be applied: cut it from the log, so that opening skips it too."""
        if self.journal is None or self._logged_at is None:
            return
        try:
            self.journal.cut(self._logged_at)
        except OSError:
            self.broken = True  # the write's own error is reported; later writes are refused
        self._logged_at = None

    def logged(self) -> None:
        """Called after a logged write was applied (outside the exclusive section)."""
        if self.after_write is not None:
            self.after_write()


def _file_size(journal: Any) -> int:
    try:
        return os.fstat(journal._fd).st_size
    except OSError:
        return -1
