"""One readers-writer lock per served database: queries share it, writes (batches, deletes) hold it alone.

The store is not safe for a write running beside a search (its arrays grow and are swapped), so every
request handler of the server, REST and gRPC alike, goes through `lock_for(db)`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_LOCKS_GUARD = threading.Lock()


class ReadWriteLock:
    """Many readers or one writer; a waiting writer stops new readers, so a stream of queries cannot
    starve a batch."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def reading(self) -> Iterator[None]:
        with self._cond:
            while self._writing or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        with self._cond:
            self._writers_waiting += 1
            try:
                while self._writing or self._readers:
                    self._cond.wait()
            finally:
                self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


def lock_for(db: Any) -> ReadWriteLock:
    """The lock every server request on `db` takes (made on first use, kept on the database object)."""
    lock = getattr(db, "_server_lock", None)
    if lock is None:
        with _LOCKS_GUARD:
            lock = getattr(db, "_server_lock", None)
            if lock is None:
                lock = ReadWriteLock()
                db._server_lock = lock
    return lock
