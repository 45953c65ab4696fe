"""Columnar chunk codecs: exact round trips, aggregates, and codec selection."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from deepscope.store.chunks import (
    CHUNK_POINTS,
    decode_floats,
    decode_ints,
    encode_chunk,
    encode_floats,
    encode_ints,
)

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

SPECIAL_BITS = np.array([
    0x7FF8000000000000,  # quiet NaN
    -0x0008000000000000,  # negative quiet NaN (0xfff8...)
    0x7FF8000000000123,  # NaN with a payload
    0x7FF0000000000000,  # +inf
    -0x0010000000000000,  # -inf (0xfff0...)
    -0x8000000000000000,  # -0.0
    0x0000000000000001,  # smallest subnormal
    0x000FFFFFFFFFFFFF,  # largest subnormal
    0x7FEFFFFFFFFFFFFF,  # largest finite
    0,  # +0.0
], dtype=np.int64)


@st.composite
def int_columns(draw: st.DrawFn, n: int) -> np.ndarray:
    """int64 arrays of length n: arbitrary, sorted, with duplicates, or arithmetic."""
    kind = draw(st.sampled_from(["any", "small", "sorted", "arith", "const"]))
    if kind == "any":
        return draw(hnp.arrays(np.int64, n, elements=INT64))
    if kind == "small":  # few distinct values: duplicates and non-monotonic order
        return draw(hnp.arrays(np.int64, n, elements=st.integers(-3, 3)))
    if kind == "sorted":
        return np.sort(draw(hnp.arrays(np.int64, n, elements=INT64)))
    first = draw(INT64)
    stride = draw(st.integers(-(2**40), 2**40)) if kind == "arith" else 0
    return first + stride * np.arange(n, dtype=np.int64)  # wraps like int64 does


@st.composite
def float_columns(draw: st.DrawFn, n: int) -> np.ndarray:
    """float64 arrays of length n, including every NaN payload, +-inf, -0.0 and subnormals."""
    kind = draw(st.sampled_from(["bits", "floats", "special", "const"]))
    if kind == "bits":  # every bit pattern is some float64
        return draw(hnp.arrays(np.int64, n, elements=INT64)).view(np.float64)
    if kind == "floats":
        return draw(hnp.arrays(np.float64, n, elements=st.floats(allow_nan=True,
                                                                 allow_infinity=True,
                                                                 allow_subnormal=True)))
    if kind == "special":
        idx = draw(hnp.arrays(np.int64, n, elements=st.integers(0, len(SPECIAL_BITS) - 1)))
        return SPECIAL_BITS[idx].view(np.float64)
    return np.full(n, draw(st.floats(allow_nan=True)), dtype=np.float64)


@st.composite
def chunk_columns(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.one_of(st.integers(1, 40), st.integers(1, 600)))
    return draw(int_columns(n)), draw(float_columns(n)), draw(int_columns(n))


def bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).view(np.int64)


@SETTINGS
@given(chunk_columns())
def test_chunk_round_trip_is_bit_exact(cols: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    steps, values, walls = cols
    c = encode_chunk(steps, values, walls)
    n = len(steps)
    assert c.count == n
    out_steps = decode_ints(c.steps, n)
    out_values = decode_floats(c.values, n)
    out_walls = decode_ints(c.walls, n)
    assert out_steps.dtype == np.int64 and out_walls.dtype == np.int64
    assert out_values.dtype == np.float64
    np.testing.assert_array_equal(out_steps, steps)
    np.testing.assert_array_equal(out_walls, walls)
    np.testing.assert_array_equal(bits(out_values), bits(values))
    # Decoded arrays are writable copies, not views into the blob.
    assert out_steps.flags.writeable and out_values.flags.writeable


@SETTINGS
@given(chunk_columns())
def test_chunk_aggregates_match_numpy(cols: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    steps, values, walls = cols
    c = encode_chunk(steps, values, walls)
    nan = np.isnan(values)
    assert c.nan_count == int(nan.sum())
    assert c.first_step == int(steps.min())
    assert c.last_step == int(steps.max())
    # "last" is the latest write at the largest step.
    i_last = int(np.flatnonzero(steps == steps.max())[-1])
    assert bits(np.array([c.last_value]))[0] == bits(values[i_last:i_last + 1])[0]
    assert c.last_wall == int(walls[i_last])
    if nan.all():
        assert c.min_value is None and c.max_value is None
        assert c.min_step is None and c.max_step is None
        assert c.min_wall is None and c.max_wall is None
        return
    assert c.min_value == np.nanmin(values)
    assert c.max_value == np.nanmax(values)
    # The (step, value, wall) of the extremes are one real point of the chunk.
    for v, s, w in ((c.min_value, c.min_step, c.min_wall), (c.max_value, c.max_step, c.max_wall)):
        hits = (values == v) & (steps == s) & (walls == w)
        assert hits.any()


@SETTINGS
@given(hnp.arrays(np.int64, st.integers(1, 300), elements=INT64))
def test_encode_ints_round_trip(a: np.ndarray) -> None:
    np.testing.assert_array_equal(decode_ints(encode_ints(a), len(a)), a)


@SETTINGS
@given(hnp.arrays(np.int64, st.integers(0, 300), elements=INT64))
def test_encode_floats_round_trip_all_bit_patterns(raw: np.ndarray) -> None:
    values = raw.view(np.float64)
    out = decode_floats(encode_floats(values), len(values))
    np.testing.assert_array_equal(bits(out), raw)


def test_special_values_round_trip_through_both_float_codecs() -> None:
    special = SPECIAL_BITS.view(np.float64)
    raw = np.tile(special, 3)[:16]  # short: raw codec
    assert encode_floats(raw[:10])[:1] == b"R"
    big = np.tile(special, 500)  # repetitive: shuffled+zlib codec
    blob = encode_floats(big)
    assert blob[:1] == b"S"
    np.testing.assert_array_equal(bits(decode_floats(blob, len(big))), bits(big))
    np.testing.assert_array_equal(bits(decode_floats(encode_floats(raw), 16)), bits(raw))


def test_constant_series_compresses() -> None:
    n = CHUNK_POINTS
    steps = np.arange(n, dtype=np.int64) * 10 + 7
    values = np.full(n, 0.125)
    walls = 1_700_000_000_000_000 + np.arange(n, dtype=np.int64) * 1000
    c = encode_chunk(steps, values, walls)
    assert c.steps[:1] == b"A" and len(c.steps) == 17  # first + stride, whatever the count
    assert c.walls[:1] == b"A" and len(c.walls) == 17
    assert c.values[:1] == b"S"
    assert len(c.values) < 0.05 * 8 * n


def test_slowly_varying_series_compresses() -> None:
    n = CHUNK_POINTS
    values = np.round(np.linspace(1.0, 0.5, n), 3)  # few distinct values, shared exponent bytes
    blob = encode_floats(values)
    assert blob[:1] == b"S"
    assert len(blob) <= 0.8 * 8 * n


def test_noise_stays_raw() -> None:
    rng = np.random.default_rng(0)
    values = rng.standard_normal(CHUNK_POINTS)
    blob = encode_floats(values)
    assert blob[:1] == b"R"
    assert len(blob) == 1 + 8 * CHUNK_POINTS
    np.testing.assert_array_equal(bits(decode_floats(blob, CHUNK_POINTS)), bits(values))


def test_irregular_ints_use_deltas() -> None:
    rng = np.random.default_rng(1)
    walls = 1_700_000_000_000_000 + np.cumsum(rng.integers(900, 1100, CHUNK_POINTS))
    blob = encode_ints(walls)
    assert blob[:1] == b"D"
    assert len(blob) < 8 * CHUNK_POINTS / 2
    np.testing.assert_array_equal(decode_ints(blob, CHUNK_POINTS), walls)


def test_single_point_chunk() -> None:
    c = encode_chunk(np.array([5], np.int64), np.array([np.nan]), np.array([9], np.int64))
    assert c.count == 1 and c.nan_count == 1 and c.first_step == c.last_step == 5
    assert c.min_value is None and c.max_value is None
    assert np.isnan(c.last_value) and c.last_wall == 9
    assert decode_ints(c.steps, 1).tolist() == [5]


@pytest.mark.parametrize("tag", [b"X", b"Z", b"\x00", b"r", b"d"])
def test_unknown_codec_tag_raises_value_error(tag: bytes) -> None:
    body = tag + b"\x00" * 32
    with pytest.raises(ValueError, match="newer deepscope"):
        decode_ints(body, 4)
    with pytest.raises(ValueError, match="newer deepscope"):
        decode_floats(body, 4)


@pytest.mark.parametrize("sizes", [(0, 0, 0), (3, 2, 3), (3, 3, 2), (2, 3, 3)])
def test_encode_chunk_rejects_empty_or_ragged_columns(sizes: tuple[int, int, int]) -> None:
    a, b, c = sizes
    with pytest.raises(ValueError, match="equal length"):
        encode_chunk(np.zeros(a, np.int64), np.zeros(b), np.zeros(c, np.int64))
