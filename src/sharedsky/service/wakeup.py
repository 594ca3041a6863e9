"""Waking this process's event streams when a write commits.

Each open ``GET /v1/events`` stream waits here instead of polling the database several times
a second; every committed write transaction of this process wakes them all. Writes made by
another process (the ``sharedsky admin`` CLI, a second server) are seen at the streams'
fallback poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from types import TracebackType

__all__ = ["Wakeup"]


class Wakeup:
    """Commit notifications from any thread to the streams' asyncio loops."""

    def __init__(self) -> None:
        self._waiters: set[_Waiter] = set()
        self._lock = threading.Lock()

    def notify(self) -> None:
        """Wake every stream (called after each commit, from whatever thread committed)."""
        with self._lock:
            waiters = list(self._waiters)
        for waiter in waiters:
            waiter.wake()

    def waiter(self) -> _Waiter:
        """A registration, made *before* the stream reads the database, so that a commit
        between that read and the wait is not missed."""
        waiter = _Waiter(self)
        with self._lock:
            self._waiters.add(waiter)
        return waiter

    def _forget(self, waiter: _Waiter) -> None:
        with self._lock:
            self._waiters.discard(waiter)


class _Waiter:
    def __init__(self, owner: Wakeup) -> None:
        self._owner = owner
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()

    def wake(self) -> None:
        # A stream whose loop has closed forgets itself on exit; until then, nothing to wake.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._event.set)

    async def wait(self, timeout: float) -> None:
        """Until a commit, or ``timeout`` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout)

    def __enter__(self) -> _Waiter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._owner._forget(self)
