"""Columnar scalar chunks: up to ``CHUNK_POINTS`` (step, value, wall_time) packed as arrays.

A chunk is stored as one row: aggregates (first/last step, count, min/max with their steps, the
last value, NaN count) beside three self-describing blobs. Each blob starts with a one-byte codec
tag, so a future codec never needs a schema change:

- steps: ``A`` (arithmetic progression: first and stride, 16 bytes whatever the count) or
  ``D`` (zlib of int64 deltas);
- values: ``R`` (raw little-endian float64) or ``S`` (byte-shuffled float64, zlib); ``S`` is used
  only when it saves at least ``_MIN_SAVING`` of the size, since noisy floats barely compress and
  raw values cost nothing to decode;
- wall times (int64 microseconds since the epoch): ``A``, ``W`` (the first value, then raw
  int32 deltas: 4 bytes a point that decode with one ``cumsum``, no inflate) when every delta
  fits, else ``D``.

Values round-trip bit for bit, NaN and +-Inf included.

Beside them, ``blocks`` indexes the extremes of every ``BLOCK_POINTS``-point block of the chunk
(tag ``B``: per block the uint16 position of its minimum, its maximum and its first NaN, or
``NO_NAN``), so a zoomed-out read can look at a few candidate points per block instead of all.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

CHUNK_POINTS = 4096  # points per sealed chunk: ~250 rows per million points
BLOCK_POINTS = 64  # points per block whose extremes are indexed (0.1 byte a point)
NO_NAN = 0xFFFF  # block index entry: the block holds no NaN
_ZLIB_LEVEL = 1  # fastest level; higher levels gain little on deltas and shuffled floats
_MIN_SAVING = 0.5  # fraction of raw size compression must save to be worth its decode time
_ARITH = struct.Struct("<qq")
_FIRST = struct.Struct("<q")
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1

Int64Array = npt.NDArray[np.int64]
Float64Array = npt.NDArray[np.float64]


@dataclass(frozen=True)
class EncodedChunk:
    """One chunk ready for the database: aggregates plus the three encoded columns."""

    first_step: int
    last_step: int
    count: int
    min_value: float | None
    min_step: int | None
    min_wall: int | None
    max_value: float | None
    max_step: int | None
    max_wall: int | None
    last_value: float
    last_wall: int
    nan_count: int
    steps: bytes
    values: bytes
    walls: bytes
    blocks: bytes = b""


def encode_chunk(steps: Int64Array, values: Float64Array, walls_us: Int64Array) -> EncodedChunk:
    """Encode one chunk's columns and compute its aggregates.

    Args:
        steps: int64 steps, in write order (need not be sorted).
        values: float64 values, same length.
        walls_us: int64 wall times in microseconds since the epoch, same length.
    """
    n = len(steps)
    if n == 0 or len(values) != n or len(walls_us) != n:
        raise ValueError(f"chunk columns must be non-empty and equal length, got {n}, "
                         f"{len(values)}, {len(walls_us)}")
    nan_mask = np.isnan(values)
    nan_count = int(nan_mask.sum())
    lo = hi = None
    if nan_count == 0:
        lo, hi = int(np.argmin(values)), int(np.argmax(values))
    elif nan_count < n:  # not nanargmin: it reads NaN as +inf, so [nan, inf] had min NaN
        real = np.flatnonzero(~nan_mask)
        lo, hi = int(real[np.argmin(values[real])]), int(real[np.argmax(values[real])])
    i_last = n - 1 - int(np.argmax(steps[::-1]))  # the latest write at the largest step
    return EncodedChunk(
        first_step=int(steps.min()), last_step=int(steps[i_last]), count=n,
        min_value=None if lo is None else float(values[lo]),
        min_step=None if lo is None else int(steps[lo]),
        min_wall=None if lo is None else int(walls_us[lo]),
        max_value=None if hi is None else float(values[hi]),
        max_step=None if hi is None else int(steps[hi]),
        max_wall=None if hi is None else int(walls_us[hi]),
        last_value=float(values[i_last]), last_wall=int(walls_us[i_last]), nan_count=nan_count,
        steps=encode_ints(steps), values=encode_floats(values),
        walls=encode_ints(walls_us, raw_deltas=True), blocks=encode_blocks(values),
    )


def encode_blocks(values: Float64Array) -> bytes:
    """Index each block's minimum, maximum and first NaN (positions within the chunk)."""
    n = len(values)
    nb = -(-n // BLOCK_POINTS)
    nan = np.isnan(values)
    lo = np.full(nb * BLOCK_POINTS, np.inf)
    hi = np.full(nb * BLOCK_POINTS, -np.inf)
    lo[:n] = np.where(nan, np.inf, values)
    hi[:n] = np.where(nan, -np.inf, values)
    base = np.arange(nb) * BLOCK_POINTS
    mins = base + lo.reshape(nb, BLOCK_POINTS).argmin(axis=1)
    maxs = base + hi.reshape(nb, BLOCK_POINTS).argmax(axis=1)
    padded = np.zeros(nb * BLOCK_POINTS, dtype=bool)
    padded[:n] = nan
    blocks_nan = padded.reshape(nb, BLOCK_POINTS)
    nans = np.where(blocks_nan.any(axis=1), base + blocks_nan.argmax(axis=1), NO_NAN)
    mins, maxs = np.minimum(mins, n - 1), np.minimum(maxs, n - 1)
    return b"B" + np.concatenate([mins, maxs, nans]).astype("<u2").tobytes()


def decode_blocks(blob: bytes | None, count: int) -> tuple[np.ndarray, np.ndarray,
                                                           np.ndarray] | None:
    """Positions of each block's minimum, maximum and first NaN (None if not indexed)."""
    if not blob or blob[:1] != b"B":
        return None
    nb = -(-count // BLOCK_POINTS)
    idx = np.frombuffer(blob, dtype="<u2", offset=1).astype(np.int64)
    if len(idx) != 3 * nb:
        raise ValueError(f"block index of {len(idx)} entries for {nb} blocks")
    return idx[:nb], idx[nb:2 * nb], idx[2 * nb:]


def encode_ints(a: Int64Array, *, raw_deltas: bool = False) -> bytes:
    """Encode int64s as an arithmetic progression when they are one, else as deltas: raw int32
    (``raw_deltas``, when they fit) or zlib'd int64."""
    a = np.ascontiguousarray(a, dtype="<i8")
    if len(a) == 1:
        return b"A" + _ARITH.pack(int(a[0]), 0)
    d = np.diff(a)
    if d.min() == d.max():
        return b"A" + _ARITH.pack(int(a[0]), int(d[0]))
    if raw_deltas and d.min() >= _INT32_MIN and d.max() <= _INT32_MAX:
        return b"W" + _FIRST.pack(int(a[0])) + d.astype("<i4").tobytes()
    deltas = np.empty_like(a)
    deltas[0] = a[0]
    deltas[1:] = d
    return b"D" + zlib.compress(deltas.tobytes(), _ZLIB_LEVEL)


def decode_ints(blob: bytes, count: int) -> Int64Array:
    """Decode what :func:`encode_ints` wrote; ``count`` is the number of elements."""
    tag, body = blob[:1], blob[1:]
    if tag == b"A":
        first, stride = _ARITH.unpack(body)
        progression: Int64Array = first + stride * np.arange(count, dtype=np.int64)
        return progression
    if tag == b"W":
        out_w = np.empty(count, dtype=np.int64)
        out_w[0] = _FIRST.unpack_from(body)[0]
        out_w[1:] = np.frombuffer(body, dtype="<i4", offset=_FIRST.size, count=count - 1)
        np.cumsum(out_w, out=out_w)
        return out_w
    if tag == b"D":
        out: Int64Array = np.frombuffer(zlib.decompress(body), dtype="<i8").astype(np.int64)
        np.cumsum(out, out=out)
        return out
    raise ValueError(f"unknown integer codec {tag!r}: this chunk was written by a newer deepscope")


def encode_floats(a: Float64Array) -> bytes:
    """Encode float64s raw, or byte-shuffled and zlib'd when that saves enough."""
    a = np.ascontiguousarray(a, dtype="<f8")
    raw = a.tobytes()
    if len(a) < 16:
        return b"R" + raw
    shuffled = a.view(np.uint8).reshape(len(a), 8).T.tobytes()
    packed = zlib.compress(shuffled, _ZLIB_LEVEL)
    if len(packed) <= (1 - _MIN_SAVING) * len(raw):
        return b"S" + packed
    return b"R" + raw


def decode_floats(blob: bytes, count: int) -> Float64Array:
    """Decode what :func:`encode_floats` wrote; ``count`` is the number of elements."""
    tag = blob[:1]
    if tag == b"R":
        return np.frombuffer(blob, dtype="<f8", offset=1, count=count).astype(np.float64)
    if tag == b"S":
        planes = np.frombuffer(zlib.decompress(blob[1:]), dtype=np.uint8).reshape(8, count)
        return planes.T.copy().view("<f8").reshape(count).astype(np.float64)
    raise ValueError(f"unknown float codec {tag!r}: this chunk was written by a newer deepscope")
