"""Reading scalar chunks: exact reads and downsampled reads that use chunk aggregates."""

from __future__ import annotations

import sqlite3
import struct
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..store.chunks import BLOCK_POINTS, decode_floats, decode_ints
from . import _zoomed, downsample
from .reader import ScalarSeries

_US = 1e-6  # wall times are stored in microseconds

_CHUNK_META = ("SELECT id, first_step, last_step, count, nan_count, min_value, min_step, min_wall,"
               " max_value, max_step, max_wall, last_value, last_step, last_wall FROM scalar_chunks"
               " WHERE series_id = ? AND last_step >= ? AND first_step <= ?"
               " ORDER BY id")  # write order, so equal steps keep it after the stable sort
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class _Points:
    steps: np.ndarray
    values: np.ndarray
    walls: np.ndarray

    @staticmethod
    def concat(parts: list[_Points]) -> _Points:
        if not parts:
            return _Points(np.empty(0, np.int64), np.empty(0, np.float64), np.empty(0, np.int64))
        p = _Points(np.concatenate([x.steps for x in parts]),
                    np.concatenate([x.values for x in parts]),
                    np.concatenate([x.walls for x in parts]))
        if len(p.steps) > 1 and np.any(p.steps[1:] < p.steps[:-1]):
            order = np.argsort(p.steps, kind="stable")
            p = _Points(p.steps[order], p.values[order], p.walls[order])
        return p

    def take(self, idx: np.ndarray) -> _Points:
        return _Points(self.steps[idx], self.values[idx], self.walls[idx])


def read_scalars(conn: sqlite3.Connection, series_id: int, *, run_id: str, name: str,
                 start: int | None, end: int | None, max_points: int | None) -> ScalarSeries:
    """Read one scalar series from its chunks (see the Reader contract for the semantics)."""
    lo = _INT64_MIN if start is None else start
    hi = _INT64_MAX if end is None else end
    meta = conn.execute(_CHUNK_META, (series_id, lo, hi)).fetchall()
    whole = [m for m in meta if m[1] >= lo and m[2] <= hi]
    upper = sum(m[3] for m in meta)
    if max_points is None or upper <= max_points:
        pts = _in_range(_decode(conn, [m[0] for m in meta], [m[3] for m in meta]), lo, hi)
        return _series(run_id, name, pts, downsampled=False, total=len(pts.steps))
    first = min(m[1] for m in meta) if start is None else lo
    last = max(m[2] for m in meta) if end is None else hi
    buckets = downsample.bucket_count(max_points)
    cheap, costly = _split_by_bucket(meta, whole, first, last, buckets)
    fast = _try_zoomed(conn, meta, costly, cheap, lo=lo, hi=hi, first=first, last=last,
                       buckets=buckets, max_points=max_points, run_id=run_id, name=name)
    if fast is not None:
        return fast
    decoded = _in_range(_decode(conn, [m[0] for m in costly], [m[3] for m in costly]), lo, hi)
    pts = _Points.concat([decoded, *cheap]) if cheap else decoded
    costly_ids = {m[0] for m in costly}
    total = len(decoded.steps) + sum(m[3] for m in meta if m[0] not in costly_ids)
    if total <= max_points:  # the range itself fits the budget (its chunks did not): exact
        pts = _in_range(_decode(conn, [m[0] for m in meta], [m[3] for m in meta]), lo, hi)
        return _series(run_id, name, pts, downsampled=False, total=len(pts.steps))
    keep = downsample.select(pts.steps, pts.values, start=first, end=last, buckets=buckets)
    return _series(run_id, name, pts.take(keep), downsampled=True, total=total)


_ZOOMED_MIN_PER_BUCKET = 4 * BLOCK_POINTS  # points per bucket from which blocks pay off


def _try_zoomed(conn: sqlite3.Connection, meta: list[tuple[Any, ...]],
                costly: list[tuple[Any, ...]], cheap: list[_Points], *, lo: int, hi: int,
                first: int, last: int, buckets: int, max_points: int, run_id: str,
                name: str) -> ScalarSeries | None:
    """The vectorized block-index path, when the zoom and the chunks' codecs allow it."""
    if not costly or sum(m[3] for m in meta) < _ZOOMED_MIN_PER_BUCKET * buckets:
        return None
    total = _count_in_range(conn, meta, lo, hi)
    if total <= max_points or total < _ZOOMED_MIN_PER_BUCKET * buckets:
        return None  # the general path answers: exactly, or at a zoom where blocks don't pay
    ids = [m[0] for m in costly]
    rows: list[_zoomed.Row] = []
    for batch in range(0, len(ids), 500):
        part = ids[batch:batch + 500]
        marks = ",".join("?" * len(part))
        found = {r[0]: r for r in conn.execute(
            f"SELECT id, count, steps, vals, walls, blocks FROM scalar_chunks WHERE id IN"
            f" ({marks})", part)}
        rows += [found[i] for i in part if i in found]
    if not _zoomed.eligible(rows):
        return None
    steps, values, walls = _zoomed.candidates(rows, lo=lo, hi=hi, first=first, last=last,
                                              buckets=buckets)
    pts = _Points(steps, values, walls)
    if cheap:
        pts = _Points.concat([pts, *cheap])
    keep = downsample.select(pts.steps, pts.values, start=first, end=last, buckets=buckets)
    return _series(run_id, name, pts.take(keep), downsampled=True, total=total)


def _count_in_range(conn: sqlite3.Connection, meta: list[tuple[Any, ...]], lo: int,
                    hi: int) -> int:
    inside = sum(m[3] for m in meta if m[1] >= lo and m[2] <= hi)
    cut = [m for m in meta if not (m[1] >= lo and m[2] <= hi)]
    decoded = _in_range(_decode(conn, [m[0] for m in cut], [m[3] for m in cut]), lo, hi)
    return int(inside) + len(decoded.steps)


def _split_by_bucket(meta: list[tuple[Any, ...]], whole: list[tuple[Any, ...]], first: int,
                     last: int, buckets: int) -> tuple[list[_Points], list[tuple[Any, ...]]]:
    """Chunks inside one bucket and free of NaN stand in by their aggregates; others decode."""
    whole_ids = {m[0] for m in whole}
    cheap: list[_Points] = []
    costly: list[tuple[Any, ...]] = []
    span = int(last) - int(first) + 1
    for m in meta:
        same_bucket = (m[1] - first) * buckets // span == (m[2] - first) * buckets // span
        if m[0] in whole_ids and same_bucket and m[4] == 0:
            steps = np.array([m[6], m[9], m[12]], np.int64)
            _, first_of = np.unique(steps, return_index=True)  # min, max, last may coincide
            cheap.append(_Points(steps, np.array([m[5], m[8], m[11]], np.float64),
                                 np.array([m[7], m[10], m[13]], np.int64)).take(first_of))
        else:
            costly.append(m)
    return cheap, costly


def _decode(conn: sqlite3.Connection, ids: list[int], counts: list[int]) -> _Points:
    """Decode chunks (in the order of ``ids``) straight into preallocated arrays."""
    total = sum(counts)
    steps = np.empty(total, np.int64)
    values = np.empty(total, np.float64)
    walls = np.empty(total, np.int64)
    offsets = dict(zip(ids, np.cumsum([0, *counts]).tolist()[:len(ids)], strict=True))
    for batch in range(0, len(ids), 500):  # stay under SQLite's bound-parameter limit
        chunk_ids = ids[batch:batch + 500]
        marks = ",".join("?" * len(chunk_ids))
        rows = conn.execute(f"SELECT id, count, steps, vals, walls FROM scalar_chunks WHERE id IN"
                            f" ({marks})", chunk_ids).fetchall()
        for cid, count, s_blob, v_blob, w_blob in rows:
            o = offsets[cid]
            try:
                parts = (decode_ints(s_blob, count), decode_floats(v_blob, count),
                         decode_ints(w_blob, count))
            except (ValueError, zlib.error, struct.error) as exc:  # damage SQLite cannot see
                raise sqlite3.DatabaseError(f"cannot decode scalar chunk {cid}: {exc}") from exc
            if not len(parts[0]) == len(parts[1]) == len(parts[2]) == count:
                raise sqlite3.DatabaseError(f"cannot decode scalar chunk {cid}: wrong length")
            steps[o:o + count], values[o:o + count], walls[o:o + count] = parts
    if total > 1 and np.any(steps[1:] < steps[:-1]):
        order = np.argsort(steps, kind="stable")
        return _Points(steps[order], values[order], walls[order])
    return _Points(steps, values, walls)


def _in_range(p: _Points, lo: int, hi: int) -> _Points:
    if len(p.steps) == 0 or (p.steps[0] >= lo and p.steps[-1] <= hi):
        return p
    i = int(np.searchsorted(p.steps, lo, side="left"))
    j = int(np.searchsorted(p.steps, hi, side="right"))
    return _Points(p.steps[i:j], p.values[i:j], p.walls[i:j])


def _series(run_id: str, name: str, p: _Points, *, downsampled: bool, total: int) -> ScalarSeries:
    return ScalarSeries(run_id=run_id, name=name, steps=p.steps, values=p.values,
                        wall_times=p.walls * _US, downsampled=downsampled, total=total)
