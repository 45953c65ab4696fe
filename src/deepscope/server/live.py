"""Live updates as Server-Sent Events: which runs moved, pushed at most once per second.

Each stream owns one reader (``PRAGMA data_version`` is only comparable on one connection) and
polls it every ``poll_s``; the poll reads the run list only when the counter moved (see
:class:`~deepscope.query.changes.RunChanges`). Changes seen within ``min_event_s`` of the last
event are merged into the next one; a ``ping`` every ``ping_s`` keeps proxies from closing an
idle stream. Clients then fetch only the new points (``start=<last step they have> + 1``).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import anyio
from starlette.concurrency import run_in_threadpool

from ..query.changes import RunChanges
from ..query.reader import RunInfo
from .readers import ReaderPool
from .routing import encode_json
from .serialize import serialize_run_change

RETRY_MS = 2000  # how long an EventSource waits before reconnecting after a drop


@dataclass(frozen=True)
class LiveTiming:
    """How often a stream polls, emits and pings (seconds)."""

    poll_s: float = 0.5
    min_event_s: float = 1.0
    ping_s: float = 15.0


DEFAULT_TIMING = LiveTiming()


def format_event(event: str, data: object) -> str:
    """One SSE message: ``event:`` line, one ``data:`` line of JSON, blank line."""
    return f"event: {event}\ndata: {encode_json(data).decode('utf-8')}\n\n"


def update_event(runs: list[RunInfo]) -> str:
    """The ``update`` event listing runs whose status, last step or heartbeat changed."""
    return format_event("update", {"runs": [serialize_run_change(r) for r in runs]})


async def run_events(pool: ReaderPool, *, timing: LiveTiming = DEFAULT_TIMING,
                     clock: Callable[[], float] = time.monotonic) -> AsyncIterator[str]:
    """The SSE stream of one client; ends when the client goes away (Starlette cancels it)."""
    reader = await run_in_threadpool(pool.open)
    try:
        changes = await run_in_threadpool(RunChanges, reader)
        yield f"retry: {RETRY_MS}\n: connected\n\n"
        pending: dict[str, RunInfo] = {}
        last_event, last_ping = float("-inf"), clock()
        while True:
            await anyio.sleep(timing.poll_s)
            for run in await run_in_threadpool(changes.poll):
                pending[run.id] = run
            now = clock()
            if pending and now - last_event >= timing.min_event_s:
                yield update_event(list(pending.values()))
                pending.clear()
                last_event = now
            if now - last_ping >= timing.ping_s:
                yield format_event("ping", {})
                last_ping = now
    finally:
        pool.release(reader)
