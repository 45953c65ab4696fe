"""The logdir's on-disk layout and SQLite schema, with its version and migrations.

One database file per logdir (``deepscope.db``) in WAL mode; media are content-addressed files in
``media/`` beside it. ``PRAGMA user_version`` holds the schema version. Opening an older logdir
runs the migrations in ``MIGRATIONS`` in order, in one transaction; opening a newer one is refused
with :class:`~deepscope.errors.SchemaVersionError` rather than guessed at.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from ..errors import SchemaVersionError

DB_FILENAME = "deepscope.db"
MEDIA_DIRNAME = "media"
SCHEMA_VERSION = 3
BUSY_TIMEOUT_MS = 60_000  # how long SQLite itself waits on a lock before our retry loop takes over

_SCHEMA_V1 = """
CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    project TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at REAL NOT NULL,
    ended_at REAL,
    heartbeat_at REAL NOT NULL,
    config TEXT NOT NULL DEFAULT '{}',
    tags TEXT NOT NULL DEFAULT '[]',
    notes TEXT NOT NULL DEFAULT '',
    system TEXT NOT NULL DEFAULT '{}',
    exit_reason TEXT
);
CREATE INDEX runs_project ON runs(project, created_at);
CREATE TABLE run_config (
    run_id TEXT NOT NULL REFERENCES runs(id),
    key TEXT NOT NULL,
    num REAL,
    text TEXT,
    PRIMARY KEY (run_id, key)
);
CREATE INDEX run_config_key ON run_config(key, num);
CREATE TABLE run_tags (
    run_id TEXT NOT NULL REFERENCES runs(id),
    tag TEXT NOT NULL,
    PRIMARY KEY (run_id, tag)
);
CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id),
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    UNIQUE (run_id, name, kind)
);
CREATE TABLE scalar_chunks (
    id INTEGER PRIMARY KEY,
    series_id INTEGER NOT NULL REFERENCES series(id),
    first_step INTEGER NOT NULL,
    last_step INTEGER NOT NULL,
    count INTEGER NOT NULL,
    min_value REAL,
    min_step INTEGER,
    min_wall INTEGER,
    max_value REAL,
    max_step INTEGER,
    max_wall INTEGER,
    last_value REAL,
    last_wall INTEGER NOT NULL,
    nan_count INTEGER NOT NULL,
    steps BLOB NOT NULL,
    vals BLOB NOT NULL,
    walls BLOB NOT NULL
);
CREATE INDEX scalar_chunks_series ON scalar_chunks(series_id, first_step);
CREATE TABLE tensor_summaries (
    series_id INTEGER NOT NULL REFERENCES series(id),
    step INTEGER NOT NULL,
    wall_time REAL NOT NULL,
    blob BLOB NOT NULL
);
CREATE INDEX tensor_summaries_series ON tensor_summaries(series_id, step);
CREATE TABLE texts (
    series_id INTEGER NOT NULL REFERENCES series(id),
    step INTEGER NOT NULL,
    wall_time REAL NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX texts_series ON texts(series_id, step);
CREATE TABLE media (
    series_id INTEGER NOT NULL REFERENCES series(id),
    step INTEGER NOT NULL,
    wall_time REAL NOT NULL,
    sha256 TEXT NOT NULL,
    mime TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    size INTEGER NOT NULL
);
CREATE INDEX media_series ON media(series_id, step);
"""

_SCHEMA_V2 = """
CREATE TABLE models (
    run_id TEXT NOT NULL REFERENCES runs(id),
    name TEXT NOT NULL,
    created_at REAL NOT NULL,
    tree TEXT NOT NULL,
    PRIMARY KEY (run_id, name)
);
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id),
    detector TEXT NOT NULL,
    category TEXT NOT NULL,
    severity TEXT NOT NULL,
    step_start INTEGER,
    step_end INTEGER,
    message TEXT NOT NULL,
    layer TEXT,
    evidence TEXT NOT NULL DEFAULT '{}',
    suggestion TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL
);
CREATE INDEX findings_run ON findings(run_id, step_start);
"""

# Per-64-point block extremes inside each chunk (older chunks keep NULL and decode fully).
_SCHEMA_V3 = """
ALTER TABLE scalar_chunks ADD COLUMN blocks BLOB
"""

# version reached -> function taking the connection from (version - 1) to version
MIGRATIONS: dict[int, Callable[[sqlite3.Connection], None]] = {
    1: lambda conn: _run_script(conn, _SCHEMA_V1),
    2: lambda conn: _run_script(conn, _SCHEMA_V2),  # model structure and findings
    3: lambda conn: _run_script(conn, _SCHEMA_V3),  # block extremes for zoomed-out reads
}


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    # Not executescript(): it COMMITs first, which would end our migration transaction.
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def db_path(logdir: Path) -> Path:
    """The database file of a logdir."""
    return logdir / DB_FILENAME


def configure(conn: sqlite3.Connection) -> None:
    """Apply the connection settings every deepscope connection uses."""
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode = WAL")
    # NORMAL in WAL mode: a killed process loses nothing committed; only a power cut may drop
    # the last transactions, and the file is never corrupted.
    conn.execute("PRAGMA synchronous = NORMAL")


def migrate(conn: sqlite3.Connection) -> None:
    """Bring the database to ``SCHEMA_VERSION``, creating it when empty.

    Raises:
        SchemaVersionError: the database is newer than this deepscope.
    """
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"This logdir uses schema version {version}, newer than the {SCHEMA_VERSION} this "
            f"deepscope understands. Upgrade deepscope: pip install -U deepscope")
    conn.execute("BEGIN IMMEDIATE")
    try:
        # Another process may have migrated while we waited for the lock.
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for target in range(version + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[target](conn)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
