"""Extreme-preserving downsampling: what ``downsample.select`` must always keep."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from deepscope.query import downsample

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, allow_subnormal=True),
    st.sampled_from([0.0, -0.0, 1.0, np.nan, np.inf, -np.inf]),
)


@st.composite
def series(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int, int, int]:
    """Non-decreasing steps (duplicates allowed), values, a range covering them, buckets."""
    n = draw(st.integers(1, 400))
    scale = draw(st.sampled_from(["dense", "sparse", "huge"]))
    if scale == "dense":
        steps = np.sort(draw(hnp.arrays(np.int64, n, elements=st.integers(0, 2 * n))))
    elif scale == "sparse":
        steps = np.sort(draw(hnp.arrays(np.int64, n, elements=st.integers(-10**12, 10**12))))
    else:  # the whole int64 range
        steps = np.sort(draw(hnp.arrays(np.int64, n,
                                        elements=st.integers(-(2**63), 2**63 - 1))))
    values = draw(hnp.arrays(np.float64, n, elements=VALUES))
    lo_pad = draw(st.integers(0, 50))
    hi_pad = draw(st.integers(0, 50))
    start = max(int(steps[0]) - lo_pad, -(2**63))
    end = min(int(steps[-1]) + hi_pad, 2**63 - 1)
    buckets = draw(st.integers(1, 60))
    return steps, values, start, end, buckets


def _segments(b: np.ndarray) -> list[np.ndarray]:
    """Indices of each bucket (buckets are contiguous since steps are sorted)."""
    return [np.flatnonzero(b == k) for k in np.unique(b)]


@SETTINGS
@given(series())
def test_select_properties(case: tuple[np.ndarray, np.ndarray, int, int, int]) -> None:
    steps, values, start, end, buckets = case
    keep = downsample.select(steps, values, start=start, end=end, buckets=buckets)
    n = len(steps)
    kept = set(keep.tolist())

    # Sorted, unique, valid indices.
    assert keep.dtype.kind == "i"
    assert np.all(np.diff(keep) > 0)
    assert keep.min() >= 0 and keep.max() < n
    # The last point is always kept.
    assert n - 1 in kept

    finite_or_inf = ~np.isnan(values)
    if finite_or_inf.any():
        gmin = np.nanmin(values)
        gmax = np.nanmax(values)
        assert np.any(values[keep] == gmin), "global minimum dropped"
        assert np.any(values[keep] == gmax), "global maximum dropped"

    b = downsample.bucket_of(steps, start, end, buckets)
    assert np.all(np.diff(b) >= 0), "bucket index must not decrease along sorted steps"
    assert b.min() >= 0 and b.max() < buckets
    budget = 0
    for idx in _segments(b):
        seg_kept = [i for i in idx if i in kept]
        assert idx[-1] in kept, "a bucket's last point was dropped"
        v = values[idx]
        nan = np.isnan(v)
        if (~nan).any():
            assert np.any(values[seg_kept] == np.nanmin(v)), "a bucket's min was dropped"
            assert np.any(values[seg_kept] == np.nanmax(v)), "a bucket's max was dropped"
        if nan.any():
            assert idx[np.argmax(nan)] in kept, "a bucket's first NaN was dropped"
        budget += 3 + int(nan.any())
        assert len(seg_kept) <= 3 + int(nan.any())
    assert len(keep) <= budget
    assert len(keep) <= 3 * buckets + int(np.isnan(values).any()) * buckets


@SETTINGS
@given(st.integers(1, 2000), st.integers(1, 100), st.integers(-(2**62), 2**62))
def test_bucket_of_is_monotone_and_in_range(n: int, buckets: int, offset: int) -> None:
    steps = offset + np.arange(n, dtype=np.int64) * 7
    start, end = int(steps[0]), int(steps[-1])
    b = downsample.bucket_of(steps, start, end, buckets)
    assert b[0] == 0
    if end - start + 1 >= buckets:
        assert b[-1] == buckets - 1
    assert np.all(np.diff(b) >= 0)
    assert np.all((b >= 0) & (b < buckets))
    # Equal width: bucket sizes differ by at most one step's worth of points (+ rounding).
    if n >= buckets * 4:
        sizes = np.bincount(b, minlength=buckets)
        assert sizes.max() - sizes.min() <= 2


def test_bucket_count() -> None:
    assert downsample.bucket_count(300) == 100
    assert downsample.bucket_count(2) == 1
    assert downsample.bucket_count(1) == 1
    assert downsample.bucket_count(3000) == 1000


def test_empty_input() -> None:
    keep = downsample.select(np.empty(0, np.int64), np.empty(0), start=0, end=10, buckets=5)
    assert len(keep) == 0


def test_single_step_spike_in_a_million_points_is_visible() -> None:
    n = 1_000_000
    rng = np.random.default_rng(42)
    steps = np.arange(n, dtype=np.int64)
    values = np.sin(steps / 5000.0) + 0.01 * rng.standard_normal(n)
    for spike_at, spike in ((123_457, 1e6), (777_001, -1e6), (n - 2, 50.0)):
        v = values.copy()
        v[spike_at] = spike
        buckets = downsample.bucket_count(300)
        keep = downsample.select(steps, v, start=0, end=n - 1, buckets=buckets)
        assert len(keep) <= 300
        assert spike_at in set(keep.tolist())
        assert n - 1 in set(keep.tolist())


def test_first_nan_of_each_bucket_is_kept() -> None:
    steps = np.arange(100, dtype=np.int64)
    values = np.linspace(0, 1, 100)
    nan_at = [3, 4, 40, 41, 42, 99]
    values[nan_at] = np.nan
    keep = set(downsample.select(steps, values, start=0, end=99, buckets=10).tolist())
    assert {3, 40, 99} <= keep  # first NaN of buckets 0, 4 and 9
    assert 4 not in keep and 41 not in keep  # later NaNs of a bucket are not needed


def test_all_nan_bucket_keeps_a_point() -> None:
    steps = np.arange(10, dtype=np.int64)
    values = np.full(10, np.nan)
    keep = downsample.select(steps, values, start=0, end=9, buckets=2)
    assert set(keep.tolist()) >= {0, 4, 5, 9}
    assert len(keep) <= 2 * 4


def test_duplicate_steps_keep_the_last_write() -> None:
    steps = np.array([0, 0, 0, 5, 5, 5], np.int64)
    values = np.array([3.0, 1.0, 2.0, 9.0, 7.0, 8.0])
    keep = set(downsample.select(steps, values, start=0, end=5, buckets=2).tolist())
    assert {1, 0, 2, 4, 3, 5} >= keep
    assert {0, 1, 2} <= keep  # max, min, last of bucket 0
    assert {3, 4, 5} <= keep
