"""The server's hold on a database: the Database's own guard, so REST and gRPC requests share its rules.

A query sees the database as of one moment (a read view); a request that writes in several steps (read
an object, then replace it) takes the database's writer turn for all of them, while queries go on: only
the short step that makes a write visible holds them back (runtime/store/guard.py).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any


class DatabaseHold:
    """`reading()` and `writing()` for request handlers, delegating to the database's guard."""

    def __init__(self, db: Any) -> None:
        self.db = db

    def reading(self) -> AbstractContextManager[Any]:
        return self.db.read_view()

    def writing(self) -> AbstractContextManager[Any]:
        return self.db.write_turn()


def lock_for(db: Any) -> DatabaseHold:
    """How every server request on `db` holds it."""
    return DatabaseHold(db)
