"""Hands freed heap memory back to the operating system after big writes (glibc's malloc_trim)."""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable

from .thresholds import TRIM_ROWS


def _trimmer() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None where the C library has none (macOS, musl, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_TRIM = _trimmer()


def release_free_heap(rows: int) -> None:
    """After a write of `rows` objects (TRIM_ROWS or more), return the heap's free pages to the system.

    A big write allocates and frees tens of megabytes on the way (the batch's vector matrix, its log
    record, the tokens, hnswlib's resize); glibc keeps freed chunks below its mmap threshold in the heap,
    so the process's resident size stays at the write's peak. malloc_trim(0) gives those pages back
    (a few milliseconds); smaller writes skip it.
    """
    if _TRIM is not None and rows >= TRIM_ROWS:
        _TRIM(0)
