"""A database folder held open: its lock, the last checkpoint, the log tail to replay, and checkpoints.

Opening: take the folder lock, load the generation the pointer names (n), read the logs `wal-<k>.log`
for k >= n in order (dropping a torn tail) and hand their records to the Database to replay. A
checkpoint has two parts. `begin_checkpoint` (during the writer's turn) picks the new generation m and
moves the writes that follow to a new log `wal-<m>.log`; `finish_checkpoint` (while writes go on)
writes generation m from a snapshot, moves the pointer, and only then deletes generation n and the logs
older than m. A crash in between leaves the pointer on n, and the logs n and m hold every write since.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from ..errors import StorageError
from .collection import Collection
from .folder_lock import FolderLock
from .persist import (
    folder_generation,
    fsync_dir,
    load_database,
    log_numbers,
    next_generation,
    save_database,
    wal_name,
)
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
            logs = [k for k in log_numbers(root) if k >= (self.generation or 0)]
            self.pending: list[tuple[dict, bytes]] = []
            keep = None
            for k in logs:
                keep = self._read_log(self._log_path(k))
            path = self._log_path(logs[-1] if logs else (self.generation or 0))
            self.journal = Journal(path, durable=self.durable, keep=keep)
        except BaseException:
            self._lock.release()
            raise

    def _log_path(self, generation: int) -> Path:
        return self.root / wal_name(generation)

    def _read_log(self, path: Path) -> int:
        """Add a log's writes to `pending` (aborted ones dropped); where its whole records end."""
        try:
            records, end = read_records(path)
        except (OSError, ValueError) as exc:
            raise StorageError(f"the write-ahead log '{path}' cannot be read: {exc}", hint=_HINT) from None
        kept = self.pending
        for header, blob in records:
            if not isinstance(header, dict):
                raise StorageError(f"the write-ahead log '{path}' holds a foreign record", hint=_HINT)
            if header.get("op") == "abort":  # the write just before it failed and was never applied
                if kept:
                    kept.pop()
            else:
                kept.append((header, blob))
        return end

    def begin_checkpoint(self) -> int:
        """During the writer's turn: the new generation's number; later writes go to its log."""
        generation = next_generation(self.root, self.generation)
        fresh = Journal(self._log_path(generation), durable=self.durable, keep=None)
        fsync_dir(self.root)
        old, self.journal = self.journal, fresh
        old.close()
        return generation

    def finish_checkpoint(self, generation: int, collections: list[Collection]) -> None:
        """Write `generation` from frozen collections, point at it, drop what it replaces."""
        save_database(self.root, collections, previous=self.generation, generation=generation)
        self.generation = generation

    def close(self) -> None:
        try:
            self.journal.close()
        finally:
            self._lock.release()
