"""Readers for request threads: one connection per worker thread, all closed at shutdown.

Starlette runs each synchronous handler in a worker thread. A SQLite connection must not be
used by two threads at the same time, so every worker thread gets its own reader (SQLite in WAL
mode lets them all read while training processes write).
"""

from __future__ import annotations

import threading
from pathlib import Path

from ..query.sqlite import SqliteReader


class ReaderPool:
    """Hands each thread its own :class:`SqliteReader` over one logdir.

    Args:
        logdir: The logdir to read; opening it fails fast (LogdirError) if it is not one.
    """

    def __init__(self, logdir: Path) -> None:
        """Open the calling thread's reader, so a bad logdir is reported at once."""
        self.logdir = logdir
        self._local = threading.local()
        self._lock = threading.Lock()
        self._readers: list[SqliteReader] = []
        self.get()

    def get(self) -> SqliteReader:
        """The calling thread's reader, opened on first use."""
        reader: SqliteReader | None = getattr(self._local, "reader", None)
        if reader is None:
            reader = self.open()
            self._local.reader = reader
        return reader

    def open(self) -> SqliteReader:
        """A new reader of its own (e.g. for a live stream that polls its change counter)."""
        reader = SqliteReader(self.logdir)
        with self._lock:
            self._readers.append(reader)
        return reader

    def release(self, reader: SqliteReader) -> None:
        """Close a reader obtained from :meth:`open`."""
        with self._lock:
            if reader in self._readers:
                self._readers.remove(reader)
        reader.close()

    def close(self) -> None:
        """Close every reader (safe to call twice)."""
        with self._lock:
            readers, self._readers = self._readers, []
        for reader in readers:
            reader.close()
        self._local = threading.local()
