"""The embedded store: runs, series, chunks, summaries, texts and media in one SQLite file.

Every write is one short ``BEGIN IMMEDIATE`` transaction, retried while another process holds
the lock, so several processes (a sweep, DDP ranks) can write one logdir at once and a reader
reads while they write.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import LogdirError, NotFoundError
from ..records import (
    Finding,
    MediaRecord,
    RunMeta,
    RunStatus,
    SeriesKind,
    SummaryRecord,
    TextRecord,
)
from ._summary_codec import encode_summary
from .chunks import EncodedChunk
from .config import flatten_config
from .connection import ProcessLocal, with_lock_retry
from .schema import MEDIA_DIRNAME


@dataclass(frozen=True)
class ChunkWrite:
    """Write one chunk: insert when ``rowid`` is None, else replace the row's content."""

    series_id: int
    rowid: int | None
    chunk: EncodedChunk


@dataclass(frozen=True)
class ResumeState:
    """What a resumed run continues from."""

    last_step: int | None
    config: dict[str, object]


class SqliteStore:
    """Write access to one logdir.

    Args:
        logdir: The directory; created if missing.
    """

    def __init__(self, logdir: str | os.PathLike[str]) -> None:
        """Create the logdir if needed and check it is writable (raises LogdirError)."""
        self.logdir = Path(logdir)
        _ensure_writable(self.logdir)
        self.media_dir = self.logdir / MEDIA_DIRNAME
        self._db = ProcessLocal(self.logdir, create=True)
        self._db.get()

    def _tx(self, statements: Sequence[tuple[str, Sequence[object]]]) -> None:
        def run() -> None:
            conn = self._db.get()
            conn.execute("BEGIN IMMEDIATE")
            try:
                for sql, params in statements:
                    conn.execute(sql, params)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        with_lock_retry(run)

    def create_run(self, meta: RunMeta) -> None:
        """Insert a new run row (status running) with its config and tags."""
        self._tx([
            ("INSERT INTO runs (id, name, project, status, created_at, heartbeat_at, config, tags,"
             " notes, system) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)",
             (meta.id, meta.name, meta.project, meta.started_at, meta.started_at,
              _json(meta.config), _json(list(meta.tags)), meta.notes, _json(meta.system))),
            *self._config_statements(meta.id, meta.config),
            *self._tag_statements(meta.id, meta.tags),
        ])

    def run_exists(self, run_id: str) -> bool:
        """Whether a run with this id is in the logdir."""
        row = self._db.get().execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone()
        return row is not None

    def resume_run(self, run_id: str, *, now: float) -> ResumeState:
        """Mark an existing run running again and return where it left off."""
        conn = self._db.get()
        row = conn.execute("SELECT config FROM runs WHERE id = ?", (run_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"No run with id {run_id!r} to resume in {str(self.logdir)!r}.")
        last = conn.execute(
            "SELECT max(m) FROM (SELECT max(c.last_step) AS m FROM scalar_chunks c JOIN series s"
            " ON s.id = c.series_id WHERE s.run_id = ?1 UNION ALL SELECT max(t.step) FROM"
            " tensor_summaries t JOIN series s ON s.id = t.series_id WHERE s.run_id = ?1)",
            (run_id,)).fetchone()[0]
        self._tx([("UPDATE runs SET status = 'running', ended_at = NULL, exit_reason = NULL,"
                   " heartbeat_at = ? WHERE id = ?", (now, run_id))])
        return ResumeState(last_step=last, config=json.loads(row[0]))

    def update_config(self, run_id: str, config: dict[str, object]) -> None:
        """Replace the run's config (already merged by the caller)."""
        self._tx([("UPDATE runs SET config = ? WHERE id = ?", (_json(config), run_id)),
                  ("DELETE FROM run_config WHERE run_id = ?", (run_id,)),
                  *self._config_statements(run_id, config)])

    def update_tags(self, run_id: str, tags: Iterable[str]) -> None:
        """Replace the run's tags."""
        tags = tuple(dict.fromkeys(tags))
        self._tx([("UPDATE runs SET tags = ? WHERE id = ?", (_json(list(tags)), run_id)),
                  ("DELETE FROM run_tags WHERE run_id = ?", (run_id,)),
                  *self._tag_statements(run_id, tags)])

    def update_notes(self, run_id: str, notes: str) -> None:
        """Replace the run's notes."""
        self._tx([("UPDATE runs SET notes = ? WHERE id = ?", (notes, run_id))])

    def set_status(self, run_id: str, status: RunStatus, *, now: float,
                   reason: str | None = None) -> None:
        """Record the run's final (or running) status."""
        ended = None if status == "running" else now
        self._tx([("UPDATE runs SET status = ?, ended_at = ?, heartbeat_at = ?, exit_reason = ?"
                   " WHERE id = ?", (status, ended, now, reason, run_id))])

    def write_model(self, run_id: str, name: str, tree: dict[str, object], *, now: float) -> None:
        """Record (or replace) the structure of a model the run watches."""
        self._tx([("INSERT OR REPLACE INTO models (run_id, name, created_at, tree) VALUES"
                   " (?, ?, ?, ?)", (run_id, name, now, _json(tree)))])

    def series_id(self, run_id: str, name: str, kind: SeriesKind) -> int:
        """The id of a series, created on first use."""
        conn = self._db.get()
        sql = "SELECT id FROM series WHERE run_id = ? AND name = ? AND kind = ?"
        row = conn.execute(sql, (run_id, name, kind)).fetchone()
        if row is None:
            self._tx([("INSERT OR IGNORE INTO series (run_id, name, kind) VALUES (?, ?, ?)",
                       (run_id, name, kind))])
            row = conn.execute(sql, (run_id, name, kind)).fetchone()
        return int(row[0])

    def write(self, run_id: str, *, chunks: Sequence[ChunkWrite],
              summaries: Sequence[tuple[int, SummaryRecord]] = (),
              texts: Sequence[tuple[int, TextRecord]] = (),
              media: Sequence[tuple[int, MediaRecord]] = (),
              findings: Sequence[tuple[float, Finding]] = (),
              heartbeat: float | None = None) -> list[int]:
        """Write one batch in one transaction; returns the row id of every chunk, in order.

        Media files are written (content-addressed) before their rows, so a row never points
        at a missing file.
        """
        for _, item in media:
            self._write_media_file(item)

        def run() -> list[int]:
            conn = self._db.get()
            conn.execute("BEGIN IMMEDIATE")
            try:
                rowids = [_write_chunk(conn, w) for w in chunks]
                conn.executemany(
                    "INSERT INTO tensor_summaries (series_id, step, wall_time, blob) VALUES"
                    " (?, ?, ?, ?)",
                    [(sid, r.step, r.wall_time, encode_summary(r.summary)) for sid, r in summaries])
                conn.executemany(
                    "INSERT INTO texts (series_id, step, wall_time, text) VALUES (?, ?, ?, ?)",
                    [(sid, r.step, r.wall_time, r.text) for sid, r in texts])
                conn.executemany(
                    "INSERT INTO media (series_id, step, wall_time, sha256, mime, width, height,"
                    " size) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [(sid, r.step, r.wall_time, r.sha256, r.mime, r.width, r.height, len(r.data))
                     for sid, r in media])
                conn.executemany(
                    "INSERT INTO findings (run_id, detector, category, severity, step_start,"
                    " step_end, message, layer, evidence, suggestion, created_at) VALUES"
                    " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(run_id, f.detector, f.category, f.severity, f.step_start, f.step_end,
                      f.message, f.layer, _json(f.evidence), f.suggestion, t)
                     for t, f in findings])
                if heartbeat is not None:
                    conn.execute("UPDATE runs SET heartbeat_at = ? WHERE id = ?",
                                 (heartbeat, run_id))
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return rowids
        return with_lock_retry(run)

    def _write_media_file(self, item: MediaRecord) -> None:
        target = media_file(self.media_dir, item.sha256)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(item.data)
        os.replace(tmp, target)

    @staticmethod
    def _config_statements(run_id: str,
                           config: dict[str, object]) -> list[tuple[str, Sequence[object]]]:
        return [("INSERT INTO run_config (run_id, key, num, text) VALUES (?, ?, ?, ?)",
                 (run_id, key, num, text)) for key, num, text in flatten_config(config)]

    @staticmethod
    def _tag_statements(run_id: str, tags: Iterable[str]) -> list[tuple[str, Sequence[object]]]:
        return [("INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)", (run_id, t))
                for t in tags]

    def close(self) -> None:
        """Close this process's connection (safe to call twice)."""
        self._db.close()


def media_file(media_dir: Path, sha256: str) -> Path:
    """Where a content-addressed media file lives: ``media/ab/abcdef…``."""
    return media_dir / sha256[:2] / sha256


def _write_chunk(conn: sqlite3.Connection, w: ChunkWrite) -> int:
    c = w.chunk
    cols = (c.first_step, c.last_step, c.count, c.min_value, c.min_step, c.min_wall, c.max_value,
            c.max_step, c.max_wall, c.last_value, c.last_wall, c.nan_count, c.steps, c.values,
            c.walls, c.blocks)
    if w.rowid is None:
        cur = conn.execute(
            "INSERT INTO scalar_chunks (series_id, first_step, last_step, count, min_value,"
            " min_step, min_wall, max_value, max_step, max_wall, last_value, last_wall,"
            " nan_count, steps, vals, walls, blocks)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (w.series_id, *cols))
        return int(cur.lastrowid or 0)
    conn.execute(
        "UPDATE scalar_chunks SET first_step = ?, last_step = ?, count = ?, min_value = ?,"
        " min_step = ?, min_wall = ?, max_value = ?, max_step = ?, max_wall = ?, last_value = ?,"
        " last_wall = ?, nan_count = ?, steps = ?, vals = ?, walls = ?, blocks = ? WHERE id = ?",
        (*cols, w.rowid))
    return w.rowid


def _ensure_writable(logdir: Path) -> None:
    try:
        logdir.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=logdir, prefix=".write-probe-", delete=True)
        probe.close()
    except OSError as exc:
        raise LogdirError(
            f"Cannot write to the logdir {str(logdir)!r}: {exc.strerror or exc}. Pass a "
            f"writable directory as logdir=, or fix its permissions.") from exc


def _json(value: object) -> str:
    return json.dumps(value, default=str, allow_nan=True, ensure_ascii=False)
