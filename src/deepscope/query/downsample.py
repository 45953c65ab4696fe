"""Extreme-preserving downsampling: every bucket keeps its min, its max and its last point.

Unlike reservoir sampling (TensorBoard's default), a spike of a single step survives at every
zoom level, because it is the max (or min) of whatever bucket it falls in. NaN points are kept
too (the first NaN of each bucket), so a divergence is never hidden.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

POINTS_PER_BUCKET = 3  # min, max, last
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def bucket_count(max_points: int) -> int:
    """How many buckets a ``max_points`` budget buys."""
    return max(1, max_points // POINTS_PER_BUCKET)


def bucket_bounds(start: int, end: int, buckets: int) -> IntArray:
    """First step of buckets 1..buckets-1 over [start, end], computed exactly.

    Bucket ``k`` holds the steps ``s`` with ``floor((s - start) * buckets / span) == k``, so it
    starts at ``start + ceil(k * span / buckets)`` (Python ints: no overflow, no rounding).
    """
    span = int(end) - int(start) + 1
    return np.array([int(start) + -(-k * span // buckets) for k in range(1, buckets)],
                    dtype=np.int64)


def bucket_of(steps: IntArray, start: int, end: int, buckets: int) -> IntArray:
    """Bucket index of each step, for ``buckets`` equal-width step buckets over [start, end]
    (steps outside the range fall in the first or last bucket)."""
    return np.searchsorted(bucket_bounds(start, end, buckets), steps,
                           side="right").astype(np.int64)


def sorted_unique(a: IntArray) -> IntArray:
    """Sorted distinct values (by sorting: numpy 2's hash-based ``unique`` is far slower here)."""
    if len(a) == 0:
        return a.astype(np.int64)
    a = np.sort(a, kind="stable")
    return a[np.r_[True, a[1:] != a[:-1]]].astype(np.int64)


def segment_starts(steps: IntArray, start: int, end: int, buckets: int) -> IntArray:
    """Index of the first point of each non-empty bucket, for non-decreasing ``steps``.

    Buckets are those of :func:`bucket_bounds`.
    """
    cut = np.searchsorted(steps, bucket_bounds(start, end, buckets), side="left")
    starts = sorted_unique(np.concatenate([np.zeros(1, np.int64), cut.astype(np.int64)]))
    return starts[starts < len(steps)]


def _first_hits(hit: npt.NDArray[np.bool_], starts: IntArray) -> IntArray:
    """For each segment, the index of its first True in ``hit`` (segments without one skip)."""
    idx = np.flatnonzero(hit)
    if len(idx) == 0:
        return idx.astype(np.int64)
    seg = np.searchsorted(starts, idx, side="right") - 1
    return idx[np.r_[True, seg[1:] != seg[:-1]]].astype(np.int64)


def select(steps: IntArray, values: FloatArray, *, start: int, end: int,
           buckets: int) -> IntArray:
    """Indices (sorted) of the points to keep: each bucket's min, max, last and first NaN.

    Args:
        steps: Non-decreasing steps.
        values: The values, same length.
        start: First step of the range (inclusive).
        end: Last step of the range (inclusive).
        buckets: Number of equal-width step buckets.
    """
    n = len(steps)
    if n == 0:
        return np.empty(0, np.int64)
    starts = segment_starts(steps, start, end, buckets)
    lengths = np.diff(np.r_[starts, n])
    keep = [np.r_[starts[1:], n].astype(np.int64) - 1]
    nan = np.isnan(values)
    has_nan = bool(nan.any())
    for fill, reduce in ((np.inf, np.minimum), (-np.inf, np.maximum)):
        v = np.where(nan, fill, values) if has_nan else values
        extreme = reduce.reduceat(v, starts)
        keep.append(_first_hits(v == np.repeat(extreme, lengths), starts))
    if has_nan:
        keep.append(_first_hits(nan, starts))
    return sorted_unique(np.concatenate(keep))
