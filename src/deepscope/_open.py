"""``deepscope.open``: the entry point of the read side."""

from __future__ import annotations

import os

from .query.sqlite import SqliteReader


def open(logdir: str | os.PathLike[str] = "deepscope-logs") -> SqliteReader:  # noqa: A001
    """Open a logdir for reading (works while runs are being written).

    Raises:
        LogdirError: there is no deepscope logdir at that path.
        CorruptLogdirError: the database is damaged (the message quotes SQLite's check).

    Examples:
        >>> reader = deepscope.open("deepscope-logs")
        >>> run = reader.list_runs()[0]
        >>> loss = reader.read_scalars(run.id, "train/loss", max_points=2000)
    """
    return SqliteReader(logdir)
