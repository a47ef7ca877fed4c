"""One writing process per database folder: an fcntl lock on `rankql.lock`, which names its holder's pid."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from ..errors import StorageError

LOCK_FILE = "rankql.lock"


class FolderLock:
    """Held from opening a Database on a folder until it is closed (or its process ends, even by kill -9)."""

    def __init__(self, root: Path) -> None:
        path = root / LOCK_FILE
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(self._fd)
            os.close(self._fd)
            self._fd = -1
            raise StorageError(
                f"database folder '{root}' is open in another Database ({holder}); "
                "one process at a time may open a folder",
                hint="close the Database that holds it (db.close(), or end that process), "
                "or open a copy of the folder",
            ) from None
        except BaseException:
            os.close(self._fd)
            raise
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)

    def release(self) -> None:
        if self._fd >= 0:
            fd, self._fd = self._fd, -1
            os.close(fd)  # closing drops the flock


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    if text.isdigit():
        same = " (this process)" if int(text) == os.getpid() else ""
        return f"process {text}{same}"
    return "a process that has not written its pid yet"
