"""Opening a logdir's database: settings, migrations, and damage reported as a clear error.

Connections belong to one process. SQLite must not use a connection opened before ``fork()``
(e.g. in a DataLoader worker), so :class:`ProcessLocal` hands each process its own and never
closes a parent's connection from a child.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ..errors import CorruptLogdirError, LogdirError
from .schema import configure, db_path, migrate

T = TypeVar("T")
LOCK_RETRY_SECONDS = 600.0  # beyond SQLite's busy timeout, keep retrying a locked write this long
_INTEGRITY_LINES = 20  # lines of integrity_check output quoted in an error


def connect(logdir: Path, *, create: bool) -> sqlite3.Connection:
    """Open (and with ``create=True``, create and migrate) the database of ``logdir``.

    Raises:
        LogdirError: the logdir or database cannot be opened.
        CorruptLogdirError: the file exists but is damaged; nothing was written to it.
        SchemaVersionError: the logdir was written by a newer deepscope.
    """
    path = db_path(logdir)
    if not create and not path.exists():
        raise LogdirError(f"No deepscope logdir at {str(logdir)!r} (no {path.name} in it). "
                          f"Check the path, or log a run there first with deepscope.init().")
    try:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=60)
    except sqlite3.Error as exc:
        raise LogdirError(f"Cannot open the deepscope database {str(path)!r}: {exc}") from exc
    try:
        configure(conn)
        migrate(conn) if create else _check_readable(conn)
    except sqlite3.OperationalError as exc:
        conn.close()
        raise LogdirError(f"Cannot use the deepscope database {str(path)!r}: {exc}") from exc
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise corruption_error(path, exc) from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _check_readable(conn: sqlite3.Connection) -> None:
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    migrate(conn)


def corruption_error(path: Path, exc: BaseException) -> CorruptLogdirError:
    """Build the error for a damaged database, quoting ``PRAGMA integrity_check``."""
    report = _integrity_report(path)
    return CorruptLogdirError(
        f"The deepscope database {str(path)!r} is damaged ({exc}). SQLite's integrity check "
        f"says:\n{report}\nNothing was written to it. To salvage what is readable, run "
        f"`sqlite3 {path} .recover | sqlite3 recovered.db`; to start afresh, move the logdir "
        f"aside.")


def _integrity_report(path: Path) -> str:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("PRAGMA integrity_check").fetchmany(_INTEGRITY_LINES)
        finally:
            conn.close()
        return "\n".join(f"  {row[0]}" for row in rows)
    except sqlite3.DatabaseError as exc:
        return f"  (the check itself failed: {exc})"


def with_lock_retry(fn: Callable[[], T], *, clock: Callable[[], float] = time.monotonic) -> T:
    """Run a write, retrying while another process holds the lock past SQLite's busy timeout."""
    deadline = clock() + LOCK_RETRY_SECONDS
    delay = 0.01
    while True:
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if clock() > deadline:
                raise LogdirError(f"The logdir database stayed locked for "
                                  f"{LOCK_RETRY_SECONDS:.0f} s: {exc}") from exc
            time.sleep(delay)
            delay = min(delay * 2, 1.0)


class ProcessLocal:
    """A connection per process: reopened after ``fork()``, the parent's left untouched."""

    def __init__(self, logdir: Path, *, create: bool) -> None:
        """Remember how to open the connection; the first :meth:`get` opens it."""
        self._logdir = logdir
        self._create = create
        self._pid = -1
        self._conn: sqlite3.Connection | None = None
        self._orphans: list[sqlite3.Connection] = []

    def get(self) -> sqlite3.Connection:
        """This process's connection, opened on first use."""
        pid = os.getpid()
        if self._conn is None or self._pid != pid:
            if self._conn is not None:
                # Inherited through fork(): closing it here could disturb the parent's locks.
                self._orphans.append(self._conn)
            self._conn = connect(self._logdir, create=self._create)
            self._pid = pid
        return self._conn

    def close(self) -> None:
        """Close this process's connection (safe to call twice)."""
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        self._conn = None
