"""A database folder held open: its lock, the last checkpoint, the log tail to replay, and checkpoints.

Opening: take the folder lock, load the generation the pointer names, read `wal-<generation>.log`
(dropping a torn tail) and hand its records to the Database to replay. A checkpoint writes a new
generation from the live collections, starts an empty log for it, moves the pointer, and only then
deletes the previous generation and its log.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import StorageError
from .collection import Collection
from .folder_lock import FolderLock
from .persist import folder_generation, load_database, save_database, wal_name
from .wal import Journal, read_records

DURABILITY = ("durable", "relaxed")
_HINT = "restore the folder from a backup, or open another path (a new folder makes a new database)"


class DatabaseFolder:
    """The on-disk side of a Database opened with a path."""

    def __init__(self, root: Path, *, durability: str, registered: Callable[[], Iterable[str]]) -> None:
        self.root = root
        self.durable = durability == "durable"
        self.generation = folder_generation(root)
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(
                f"cannot create the database folder '{root}': {exc}", hint="check the path and permissions"
            ) from None
        self._lock = FolderLock(root)
        try:
            self.generation = folder_generation(root)  # again, now that no other process can change it
            self.collections: list[Collection] = (
                load_database(root, registered) if self.generation is not None else []
            )
            self.pending, keep = self._log_tail()
            self.journal = Journal(self._log_path(self.generation), durable=self.durable, keep=keep)
        except BaseException:
            self._lock.release()
            raise

    def _log_path(self, generation: int | None) -> Path:
        return self.root / wal_name(generation or 0)

    def _log_tail(self) -> tuple[list[tuple[dict, bytes]], int | None]:
        """The logged writes to replay (aborted ones dropped), and where the log's whole records end."""
        path = self._log_path(self.generation)
        if not path.exists():
            return [], None
        try:
            records, end = read_records(path)
        except (OSError, ValueError) as exc:
            raise StorageError(f"the write-ahead log '{path}' cannot be read: {exc}", hint=_HINT) from None
        kept: list[tuple[dict, bytes]] = []
        for header, blob in records:
            if not isinstance(header, dict):
                raise StorageError(f"the write-ahead log '{path}' holds a foreign record", hint=_HINT)
            if header.get("op") == "abort":  # the write just before it failed and was never applied
                if kept:
                    kept.pop()
            else:
                kept.append((header, blob))
        return kept, end

    def checkpoint(self, collections: list[Collection]) -> None:
        """Write a new generation, switch to it with an empty log, and drop the previous one."""
        fresh: list[Journal] = []

        def start_log(generation: int) -> None:
            fresh.append(Journal(self._log_path(generation), durable=self.durable, keep=None))

        try:
            generation = save_database(
                self.root, collections, previous=self.generation, before_switch=start_log
            )
        except BaseException:
            for journal in fresh:  # the pointer did not move: the current log stays the one to append to
                journal.close()
                journal.path.unlink(missing_ok=True)
            raise
        old = self.journal
        self.journal = fresh[0]
        old.close()
        old.path.unlink(missing_ok=True)
        self.generation = generation

    def close(self) -> None:
        try:
            self.journal.close()
        finally:
            self._lock.release()
