"""Work that Ctrl-C abandons: a query runs in a worker thread, so the prompt comes back at once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
# How often the waiting thread wakes: Python delivers SIGINT to the main thread only between bytecodes,
# and a plain Event.wait() without timeout would hold the KeyboardInterrupt until the work ends.
_POLL_S = 0.05


class Cancelled(Exception):
    """Ctrl-C stopped the wait; the work goes on in its thread until its current step ends, unseen."""


class _Outcome:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None


_abandoned: list[threading.Thread] = []


def run_cancellable(work: Callable[[], T]) -> T:
    """work() in a daemon thread; Ctrl-C (KeyboardInterrupt here) raises Cancelled and leaves it behind.

    Neither torch nor an HTTP request can be stopped from outside, so a cancelled query is abandoned, not
    killed: a model call keeps one batch of CPU work going and an HTTP reranker keeps its connection until
    the answer or its timeout; the answer is dropped. The engine serves concurrent queries (its caches take
    locks), so the next query does not wait for it.
    """
    outcome = _Outcome()

    def target() -> None:
        try:
            outcome.value = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread, which re-raises it
            outcome.error = exc
        finally:
            outcome.done.set()

    worker = threading.Thread(target=target, name="rankql-query", daemon=True)
    worker.start()
    try:
        while not outcome.done.wait(_POLL_S):
            pass
    except KeyboardInterrupt:
        _abandoned.append(worker)
        raise Cancelled() from None
    if outcome.error is not None:
        raise outcome.error
    return outcome.value


def still_running() -> int:
    """How many cancelled queries have not finished yet."""
    _abandoned[:] = [t for t in _abandoned if t.is_alive()]
    return len(_abandoned)
