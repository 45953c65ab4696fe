"""Change detection for live views: has the logdir changed, and which runs did?

SQLite's ``PRAGMA data_version`` is a per-connection counter that moves whenever *another*
connection commits, so polling it costs one tiny statement and no table scan. Only when it moved
(or when a running run may have gone stale, which no write announces) is the run list read again.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import Protocol

from .reader import STALE_AFTER_S, RunInfo

RunMark = tuple[str, "int | None", float]  # (status, last_step, heartbeat_at)


def data_version(conn: sqlite3.Connection) -> int:
    """The change counter of ``conn``: it differs after another connection has committed."""
    row = conn.execute("PRAGMA data_version").fetchone()
    return int(row[0])


class ChangeSource(Protocol):
    """What :class:`RunChanges` needs from a reader (``SqliteReader`` provides both)."""

    def data_version(self) -> int:
        """A counter that changes whenever another connection commits to the logdir."""
        ...

    def list_runs(self) -> list[RunInfo]:
        """Every run, newest first."""
        ...


def run_mark(run: RunInfo) -> RunMark:
    """The part of a run whose change is worth telling a live client about."""
    return (run.status, run.last_step, run.heartbeat_at)


class RunChanges:
    """Tells which runs changed (status, last step or heartbeat) since the previous poll.

    Use one instance per connection: ``data_version`` values of different connections are not
    comparable. New runs count as changed; the first poll reports nothing (the snapshot is taken
    when the instance is created).

    Args:
        source: A reader with its own connection (not shared with other threads meanwhile).
        clock: Source of "now", to notice running runs that are about to be reported stale.
    """

    def __init__(self, source: ChangeSource, *, clock: Callable[[], float] = time.time) -> None:
        """Take the initial snapshot of the runs."""
        self._source = source
        self._clock = clock
        self._version = source.data_version()
        self._marks = {r.id: run_mark(r) for r in source.list_runs()}

    def poll(self) -> list[RunInfo]:
        """Runs whose status, last step or heartbeat differ from the previous poll, newest first."""
        version = self._source.data_version()
        if version == self._version and not self._may_turn_stale():
            return []
        self._version = version
        runs = self._source.list_runs()
        changed = [r for r in runs if self._marks.get(r.id) != run_mark(r)]
        self._marks = {r.id: run_mark(r) for r in runs}
        return changed

    def _may_turn_stale(self) -> bool:
        now = self._clock()
        return any(status == "running" and now - heartbeat > STALE_AFTER_S
                   for status, _, heartbeat in self._marks.values())
