"""The :class:`~deepscope.query.reader.Reader` over a logdir's SQLite database."""

from __future__ import annotations

import functools
import json
import os
import re
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, cast

from ..errors import NotFoundError
from ..records import Finding, RunStatus, SeriesKind, Severity
from ..store._summary_codec import decode_summary
from ..store.connection import ProcessLocal, corruption_error
from ..store.schema import MEDIA_DIRNAME, db_path
from ..store.sqlite import media_file
from . import _scalars
from .changes import data_version
from .filters import filter_sql
from .reader import (
    STALE_AFTER_S,
    Filter,
    LastValue,
    MediaItem,
    RunInfo,
    ScalarSeries,
    SeriesInfo,
    SummaryPoint,
    TextPoint,
)

F = TypeVar("F", bound=Callable[..., Any])
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_RUN_COLUMNS = ("id, name, project, status, created_at, ended_at, heartbeat_at, config, tags,"
                " notes, system, exit_reason")
_LAST_STEP = ("(SELECT max(c.last_step) FROM scalar_chunks c JOIN series s ON s.id = c.series_id"
              " WHERE s.run_id = runs.id)")


def _reports_corruption(method: F) -> F:
    @functools.wraps(method)
    def wrapper(self: SqliteReader, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError):
                raise
            raise corruption_error(db_path(self.logdir), exc) from exc
    return cast(F, wrapper)


class SqliteReader:
    """Read a logdir. Safe to use while other processes write to it.

    Args:
        logdir: The logdir to read.
        clock: Source of "now" for telling stale runs (injected by tests).
    """

    def __init__(self, logdir: str | os.PathLike[str], *,
                 clock: Callable[[], float] = time.time) -> None:
        """Open the logdir (LogdirError if it is not one)."""
        self.logdir = Path(logdir)
        self._db = ProcessLocal(self.logdir, create=False)
        self._db.get()
        self._clock = clock

    def _conn(self) -> sqlite3.Connection:
        return self._db.get()

    @_reports_corruption
    def list_runs(self, *, project: str | None = None, name: str | None = None,
                  tags: Sequence[str] = (), status: RunStatus | None = None,
                  where: Sequence[Filter] = (), limit: int | None = None) -> list[RunInfo]:
        """Runs, newest first, matching every filter (see :class:`Reader`)."""
        clauses, params = filter_sql(where)
        if project is not None:
            clauses.append("project = ?")
            params.append(project)
        if name:
            clauses.append("instr(name, ?) > 0")
            params.append(name)
        for tag in tags:
            clauses.append("EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = runs.id AND"
                           " t.tag = ?)")
            params.append(tag)
        sql = f"SELECT {_RUN_COLUMNS}, {_LAST_STEP} FROM runs"
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY created_at DESC, id"
        runs = [self._run_info(row) for row in self._conn().execute(sql, params)]
        if status is not None:
            runs = [r for r in runs if r.status == status]
        return runs[:limit] if limit is not None else runs

    @_reports_corruption
    def get_run(self, run: str) -> RunInfo:
        """One run by id, exact name, or unique id prefix."""
        conn = self._conn()
        base = f"SELECT {_RUN_COLUMNS}, {_LAST_STEP} FROM runs"
        row = conn.execute(f"{base} WHERE id = ?", (run,)).fetchone()
        if row is None:
            rows = conn.execute(f"{base} WHERE name = ? ORDER BY created_at DESC",
                                (run,)).fetchall()
            if not rows:
                rows = conn.execute(f"{base} WHERE substr(id, 1, ?) = ?",
                                    (len(run), run)).fetchall()
            if len(rows) > 1:
                ids = ", ".join(r[0] for r in rows[:10])
                raise NotFoundError(f"{run!r} matches {len(rows)} runs ({ids}); use the run id.")
            row = rows[0] if rows else None
        if row is None:
            raise NotFoundError(f"No run {run!r} in {str(self.logdir)!r}: give a run id or "
                                f"name; `deepscope ls {self.logdir}` lists them.")
        return self._run_info(row)

    def _run_info(self, row: tuple[Any, ...]) -> RunInfo:
        status, heartbeat = row[3], row[6]
        stale = status == "running" and self._clock() - heartbeat > STALE_AFTER_S
        return RunInfo(id=row[0], name=row[1], project=row[2],
                       status="crashed" if stale else status, created_at=row[4],
                       ended_at=row[5], heartbeat_at=heartbeat, config=json.loads(row[7]),
                       tags=tuple(json.loads(row[8])), notes=row[9], system=json.loads(row[10]),
                       exit_reason=row[11], last_step=row[12], stale=stale)

    @_reports_corruption
    def list_series(self, run_id: str, *, kind: SeriesKind | None = None) -> list[SeriesInfo]:
        """The series of a run, ordered by kind then name."""
        conn = self._conn()
        out: list[SeriesInfo] = []
        rows = conn.execute(
            "SELECT s.name, s.kind, sum(c.count), min(c.first_step), max(c.last_step),"
            " min(c.min_value), max(c.max_value), (SELECT c2.last_value FROM scalar_chunks c2"
            " WHERE c2.series_id = s.id ORDER BY c2.last_step DESC, c2.id DESC LIMIT 1)"
            " FROM series s JOIN scalar_chunks c ON c.series_id = s.id"
            " WHERE s.run_id = ? AND s.kind = 'scalar' GROUP BY s.id", (run_id,)).fetchall()
        # SQLite stores NaN as NULL; chunk values themselves are exact, aggregates are not.
        out.extend(SeriesInfo(run_id, r[0], "scalar", r[2], r[3], r[4], r[5], r[6],
                              float("nan") if r[7] is None else r[7]) for r in rows)
        for k, table in (("tensor", "tensor_summaries"), ("text", "texts"), ("image", "media")):
            rows = conn.execute(
                f"SELECT s.name, count(*), min(t.step), max(t.step) FROM series s JOIN {table} t"
                f" ON t.series_id = s.id WHERE s.run_id = ? GROUP BY s.id", (run_id,)).fetchall()
            out.extend(SeriesInfo(run_id, r[0], k, r[1], r[2], r[3]) for r in rows)  # type: ignore[arg-type]
        order = {"scalar": 0, "tensor": 1, "text": 2, "image": 3}
        out.sort(key=lambda s: (order[s.kind], s.name))
        return [s for s in out if kind is None or s.kind == kind]

    def _series_id(self, run_id: str, name: str, kind: SeriesKind) -> int:
        row = self._conn().execute("SELECT id FROM series WHERE run_id = ? AND name = ? AND"
                                   " kind = ?", (run_id, name, kind)).fetchone()
        if row is None:
            raise NotFoundError(f"Run {run_id!r} has no {kind} series {name!r}.")
        return int(row[0])

    @_reports_corruption
    def read_scalars(self, run_id: str, name: str, *, start: int | None = None,
                     end: int | None = None, max_points: int | None = None) -> ScalarSeries:
        """Points of a scalar series (see :class:`Reader` for downsampling)."""
        if max_points is not None and max_points < 1:
            raise ValueError(f"max_points must be a positive integer or None, got {max_points}")
        sid = self._series_id(run_id, name, "scalar")
        conn = self._conn()
        # One read transaction: chunk metadata and blobs come from the same snapshot, even
        # while a writer rewrites the series' open chunk.
        conn.execute("BEGIN")
        try:
            return _scalars.read_scalars(conn, sid, run_id=run_id, name=name, start=start,
                                         end=end, max_points=max_points)
        finally:
            conn.execute("COMMIT")

    @_reports_corruption
    def read_last_scalars(self, run_ids: Sequence[str]) -> dict[str, dict[str, LastValue]]:
        """For each run, each scalar series' value at its largest step."""
        out: dict[str, dict[str, LastValue]] = {r: {} for r in run_ids}
        if not run_ids:
            return out
        marks = ",".join("?" * len(run_ids))
        rows = self._conn().execute(
            "SELECT s.run_id, s.name, c.last_step, c.last_value FROM series s JOIN scalar_chunks c"
            " ON c.id = (SELECT c2.id FROM scalar_chunks c2 WHERE c2.series_id = s.id ORDER BY"
            f" c2.last_step DESC, c2.id DESC LIMIT 1) WHERE s.kind = 'scalar' AND s.run_id IN"
            f" ({marks}) ORDER BY s.name", list(run_ids)).fetchall()
        for run_id, name, step, value in rows:
            out[run_id][name] = LastValue(step, float("nan") if value is None else value)
        return out

    def _range_rows(self, table: str, columns: str, run_id: str, name: str, kind: SeriesKind,
                    start: int | None, end: int | None) -> list[tuple[Any, ...]]:
        sid = self._series_id(run_id, name, kind)
        return self._conn().execute(
            f"SELECT step, wall_time, {columns} FROM {table} WHERE series_id = ? AND step >= ?"
            f" AND step <= ? ORDER BY step, rowid",
            (sid, -(2**63) if start is None else start,
             2**63 - 1 if end is None else end)).fetchall()

    @_reports_corruption
    def read_tensor_summaries(self, run_id: str, name: str, *, start: int | None = None,
                              end: int | None = None,
                              max_points: int | None = None) -> list[SummaryPoint]:
        """Tensor summaries of a series, ordered by step."""
        rows = self._range_rows("tensor_summaries", "blob", run_id, name, "tensor", start, end)
        if max_points is not None and len(rows) > max_points:
            stride = len(rows) / max_points
            picks = sorted({int(i * stride) for i in range(max_points - 1)} | {len(rows) - 1})
            rows = [rows[i] for i in picks]
        return [SummaryPoint(r[0], r[1], decode_summary(r[2])) for r in rows]

    @_reports_corruption
    def read_texts(self, run_id: str, name: str, *, start: int | None = None,
                   end: int | None = None) -> list[TextPoint]:
        """Texts of a series, ordered by step."""
        rows = self._range_rows("texts", "text", run_id, name, "text", start, end)
        return [TextPoint(*r) for r in rows]

    @_reports_corruption
    def read_media(self, run_id: str, name: str, *, start: int | None = None,
                   end: int | None = None) -> list[MediaItem]:
        """Media items of a series, ordered by step."""
        rows = self._range_rows("media", "sha256, mime, width, height, size", run_id, name,
                                "image", start, end)
        return [MediaItem(*r) for r in rows]

    @_reports_corruption
    def read_model(self, run_id: str) -> dict[str, object] | None:
        """The module tree recorded by ``run.watch`` (the latest one), or None."""
        row = self._conn().execute("SELECT tree FROM models WHERE run_id = ? ORDER BY"
                                   " created_at DESC LIMIT 1", (run_id,)).fetchone()
        return None if row is None else cast(dict[str, object], json.loads(row[0]))

    @_reports_corruption
    def list_findings(self, run_id: str) -> list[Finding]:
        """The run's findings, ordered by first step (findings without a step first)."""
        rows = self._conn().execute(
            "SELECT detector, category, severity, step_start, step_end, message, layer, evidence,"
            " suggestion FROM findings WHERE run_id = ? ORDER BY step_start IS NOT NULL,"
            " step_start, id", (run_id,)).fetchall()
        return [Finding(r[0], r[1], r[2], r[3], r[4], r[5], layer=r[6],
                        evidence=json.loads(r[7]), suggestion=r[8]) for r in rows]

    @_reports_corruption
    def count_findings(self, run_ids: Sequence[str]) -> dict[str, dict[Severity, int]]:
        """For each run id, its number of findings per severity (one grouped query)."""
        out: dict[str, dict[Severity, int]] = {
            r: {"error": 0, "warning": 0, "info": 0} for r in run_ids}
        if not run_ids:
            return out
        marks = ",".join("?" * len(out))
        rows = self._conn().execute(
            f"SELECT run_id, severity, count(*) FROM findings WHERE run_id IN ({marks})"
            " GROUP BY run_id, severity", list(out)).fetchall()
        for run_id, severity, n in rows:
            if severity in ("error", "warning", "info"):
                out[run_id][severity] = int(n)
        return out

    def read_media_bytes(self, sha256: str) -> bytes:
        """The content of a media item, by its SHA-256."""
        if not isinstance(sha256, str) or not _SHA256.match(sha256):
            raise NotFoundError(f"{sha256!r} is not a media id (64 lowercase hex characters).")
        try:
            return media_file(self.logdir / MEDIA_DIRNAME, sha256).read_bytes()
        except FileNotFoundError:
            raise NotFoundError(f"No media item {sha256} in {str(self.logdir)!r}.") from None

    def data_version(self) -> int:
        """A counter that changes whenever another connection commits to the logdir."""
        return data_version(self._conn())

    def close(self) -> None:
        """Release the connection (safe to call twice)."""
        self._db.close()

    def __enter__(self) -> SqliteReader:
        """Return the reader itself."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close the reader."""
        self.close()
