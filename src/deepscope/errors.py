"""Every error deepscope raises on purpose, in one place.

Hierarchy::

    DeepscopeError                  base class; catch this to catch them all
    ├── RunStateError               a run used in the wrong lifecycle state (e.g. no current run)
    ├── LogdirError                 a logdir cannot be created, written or opened
    │   ├── CorruptLogdirError      the database fails SQLite's integrity check
    │   └── SchemaVersionError      the logdir was written by a newer deepscope
    ├── NotFoundError               a run, series or media item does not exist
    └── ServeError                  the dashboard server cannot start (e.g. its port is taken)

Bad *values* passed to the logging API raise the built-in ``TypeError``/``ValueError`` with the
key and the offending value named, as Python users expect.

Every error that can reach a person carries ``http_code`` so the server can map it to a response
without inspecting messages.
"""

from __future__ import annotations


class DeepscopeError(Exception):
    """Base class of every deepscope error."""

    http_code: int = 400


class RunStateError(DeepscopeError):
    """A run was used in a state that does not allow it (no current run, already finished)."""

    http_code = 409


class LogdirError(DeepscopeError):
    """A logdir cannot be created, written to or opened."""

    http_code = 500


class CorruptLogdirError(LogdirError):
    """The logdir's database is damaged; the message carries SQLite's integrity-check report."""


class SchemaVersionError(LogdirError):
    """The logdir's schema is newer than this deepscope understands."""


class NotFoundError(DeepscopeError):
    """A run, series or media item that was asked for does not exist."""

    http_code = 404


class ServeError(DeepscopeError):
    """The dashboard server cannot start: the port is taken or the host cannot be bound."""

    http_code = 500
