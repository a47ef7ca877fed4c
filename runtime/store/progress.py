"""Progress of long imports: a tqdm bar when stderr is a terminal (or when asked), silence otherwise."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

# Below this many objects an import is quick enough that a bar would only flicker.
MIN_OBJECTS = 500


class _Silent:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


class _Reported:
    """Progress handed to the caller's callback (a face that draws its own bar)."""

    def __init__(self, report: Callable[[int], None]) -> None:
        self.update = report

    def close(self) -> None:
        pass


def progress_bar(total: int, description: str, enabled: bool | None | Callable[[int], None] = None) -> Any:
    """A bar with update(n)/close(); enabled=None shows it only for big imports on a terminal, a callable
    gets each step's count of objects instead."""
    if callable(enabled):
        return _Reported(enabled)
    if enabled is None:
        enabled = total >= MIN_OBJECTS and sys.stderr.isatty()
    if not enabled:
        return _Silent()
    from tqdm import tqdm

    return tqdm(total=total, desc=description, unit="obj", file=sys.stderr, leave=False)
