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


def bucket_of(steps: IntArray, start: int, end: int, buckets: int) -> IntArray:
    """Bucket index of each step, for ``buckets`` equal-width step buckets over [start, end]."""
    span = int(end) - int(start) + 1
    # steps - start in uint64: exact for every step >= start, where int64 could overflow
    offset = (steps.astype(np.uint64) - np.uint64(int(start) % 2**64)).astype(np.float64)
    idx = np.clip(np.floor(offset * (buckets / span)), 0, buckets - 1).astype(np.int64)
    return np.where(steps < start, 0, idx)


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
    b = bucket_of(steps, start, end, buckets)
    starts = np.flatnonzero(np.r_[True, b[1:] != b[:-1]])
    ends = np.r_[starts[1:], n] - 1
    seg = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, n]))
    nan = np.isnan(values)
    keep = [ends]
    for fill, reduce in ((np.inf, np.minimum), (-np.inf, np.maximum)):
        v = np.where(nan, fill, values) if nan.any() else values
        extreme = reduce.reduceat(v, starts)
        hits = np.flatnonzero(v == extreme[seg])
        keep.append(hits[np.unique(seg[hits], return_index=True)[1]])
    if nan.any():
        hits = np.flatnonzero(nan)
        keep.append(hits[np.unique(seg[hits], return_index=True)[1]])
    return np.unique(np.concatenate(keep))
