"""The reference summarizer against plain numpy."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from deepscope.records import TensorSummary
from deepscope.store._summary_codec import decode_summary, encode_summary
from deepscope.summarize.numpy import DEFAULT_BINS, summarize_array

SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
MIXED = st.one_of(st.floats(-1e6, 1e6), st.sampled_from([0.0, -0.0, np.nan, np.inf, -np.inf]))


def _check_histogram(s: TensorSummary, finite: np.ndarray, bins: int) -> None:
    assert len(s.bin_counts) == bins and len(s.bin_edges) == bins + 1
    edges = np.array(s.bin_edges)
    assert np.all(np.isfinite(edges))
    assert np.all(np.diff(edges) > 0), "edges must increase"
    assert sum(s.bin_counts) == finite.size
    assert all(c >= 0 for c in s.bin_counts)
    assert edges[0] <= finite.min() and edges[-1] >= finite.max()
    # Each value is counted in the bin its value falls in (last bin closed on the right).
    idx = np.clip(np.searchsorted(edges, finite, side="right") - 1, 0, bins - 1)
    np.testing.assert_array_equal(np.bincount(idx, minlength=bins), s.bin_counts)


@SETTINGS
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=12),
                  elements=MIXED),
       st.sampled_from([1, 2, 7, DEFAULT_BINS]))
def test_matches_numpy(a: np.ndarray, bins: int) -> None:
    s = summarize_array(a, bins=bins)
    flat = a.ravel()
    assert s.count == flat.size
    assert s.nan_count == int(np.isnan(flat).sum())
    assert s.pos_inf_count == int(np.isposinf(flat).sum())
    assert s.neg_inf_count == int(np.isneginf(flat).sum())
    assert s.zero_count == int((flat == 0).sum())
    finite = flat[np.isfinite(flat)]
    assert s.finite_count == finite.size
    assert s.nonfinite_count == flat.size - finite.size
    if finite.size == 0:
        assert all(math.isnan(x) for x in (s.min, s.max, s.mean, s.std))
        assert s.norm == 0.0 and s.bin_counts == () and s.bin_edges == ()
        return
    assert s.min == finite.min() and s.max == finite.max()
    assert s.mean == pytest.approx(float(np.mean(finite)), rel=1e-12, abs=1e-9)
    assert s.std == pytest.approx(float(np.std(finite)), rel=1e-9, abs=1e-9)
    assert s.norm == pytest.approx(float(np.linalg.norm(finite)), rel=1e-12)
    assert s.abs_max == max(abs(finite.min()), abs(finite.max()))
    _check_histogram(s, finite, bins)


@SETTINGS
@given(hnp.arrays(np.float64, st.integers(1, 40),
                  elements=st.floats(allow_nan=False, allow_infinity=False,
                                     allow_subnormal=True)))
def test_any_finite_values_summarize(a: np.ndarray) -> None:
    # Extremes, subnormals and near-constant tensors all get a valid histogram.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # moments may overflow near 1e308
        s = summarize_array(a)
    assert s.min == a.min() and s.max == a.max()
    _check_histogram(s, a, DEFAULT_BINS)


@pytest.mark.parametrize("values", [
    [1.0, np.nextafter(1.0, 2.0)],  # one ulp apart
    [1.0, 1.0 + 1e-14, 1.0 + 2e-14],
    [0.0, 5e-324],
    [-1e308, 1e308],
    [np.finfo(np.float64).max] * 3,
    [-np.finfo(np.float64).max, np.finfo(np.float64).max],
    [1e-310] * 4,
])
def test_narrow_and_huge_ranges(values: list[float]) -> None:
    a = np.array(values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        s = summarize_array(a)
    _check_histogram(s, a, DEFAULT_BINS)


@pytest.mark.parametrize("value", [0.0, 3.5, -2.0, 1e-12, 1e12])
def test_constant_tensor(value: float) -> None:
    a = np.full((4, 5), value)
    s = summarize_array(a, bins=9)
    assert s.min == s.max == s.mean == value
    assert s.std == 0.0
    assert s.zero_count == (20 if value == 0 else 0)
    _check_histogram(s, a.ravel(), 9)
    assert s.bin_counts[4] == 20  # centred: the value sits in the middle bin
    assert s.bin_edges[0] < value < s.bin_edges[-1]


def test_integer_and_bool_inputs() -> None:
    s = summarize_array(np.arange(10, dtype=np.int32))
    assert (s.count, s.min, s.max, s.mean, s.zero_count) == (10, 0.0, 9.0, 4.5, 1)
    b = summarize_array(np.array([True, False, True]))
    assert (b.count, b.zero_count, b.max) == (3, 1, 1.0)
    lst = summarize_array([[1, 2], [3, 4]])
    assert lst.count == 4 and lst.mean == 2.5


def test_float32_and_float16_inputs() -> None:
    a = np.array([1.5, -2.25, np.nan, np.inf], dtype=np.float32)
    s = summarize_array(a)
    assert (s.count, s.nan_count, s.pos_inf_count, s.min, s.max) == (4, 1, 1, -2.25, 1.5)
    h = summarize_array(np.array([0.5, 65504.0], dtype=np.float16))
    assert h.max == 65504.0


def test_empty_and_all_nonfinite() -> None:
    for a in (np.array([]), np.array([np.nan, np.inf, -np.inf])):
        s = summarize_array(a)
        assert s.count == a.size and math.isnan(s.min) and s.bin_counts == ()
        assert math.isnan(s.abs_max)
    assert summarize_array(np.array([])).zero_fraction == 0.0


@pytest.mark.parametrize("bins", [0, -1, 2.5, "8", None])
def test_bad_bins(bins: object) -> None:
    with pytest.raises(ValueError, match="bins"):
        summarize_array([1.0, 2.0], bins=bins)  # type: ignore[arg-type]


@pytest.mark.parametrize("values", [["a", "b"], np.array([1 + 2j]), [None, 1.0],
                                    np.array(["x"], dtype=object)])
def test_non_numeric_values(values: object) -> None:
    with pytest.raises(TypeError, match="numeric"):
        summarize_array(values)


@SETTINGS
@given(hnp.arrays(np.float64, st.integers(0, 50), elements=MIXED), st.integers(1, 70),
       st.dictionaries(st.text(max_size=5), st.floats(allow_nan=False), max_size=3))
def test_summary_codec_round_trip(a: np.ndarray, bins: int, extra: dict[str, float]) -> None:
    s = summarize_array(a, bins=bins)
    s = TensorSummary(**{**s.__dict__, "extra": extra})
    back = decode_summary(encode_summary(s))
    assert repr(back) == repr(s)


def test_summary_codec_rejects_unknown_version() -> None:
    blob = encode_summary(summarize_array([1.0]))
    with pytest.raises(ValueError, match="newer deepscope"):
        decode_summary(bytes([99]) + blob[1:])
