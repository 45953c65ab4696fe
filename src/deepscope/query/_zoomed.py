"""The vectorized zoomed-out read: candidate points from block indexes, across all chunks.

Used when every chunk of the range has arithmetic steps (``A``), raw values (``R``), raw
wall-time deltas (``W`` or ``A``) and a block index (``B``): the common case of a series logged
once per step. Per bucket the answer equals the general path's: a block that lies inside one
bucket contributes its minimum, maximum, last point and first NaN (indexed when it was
written); a block that straddles a bucket boundary or the range's edge contributes every
point. Nothing here loops over points in Python, and only candidates are gathered.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np

from ..store.chunks import BLOCK_POINTS, NO_NAN
from . import downsample

_ARITH = struct.Struct("<qq")
_FIRST = struct.Struct("<q")
Row = tuple[int, int, bytes, bytes, bytes, bytes | None]  # id, count, steps, vals, walls, blocks


def eligible(rows: Sequence[Row]) -> bool:
    """Whether every chunk uses the codecs this path understands."""
    return bool(rows) and all(
        r[2][:1] == b"A" and r[3][:1] == b"R" and r[4][:1] in (b"W", b"A") and r[5]
        and r[5][:1] == b"B" for r in rows)


def candidates(rows: Sequence[Row], *, lo: int, hi: int, first: int, last: int,
               buckets: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Steps, values and wall times (µs) of the candidate points, sorted by step."""
    counts = np.array([r[1] for r in rows], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]])
    arith = np.array([_ARITH.unpack(r[2][1:]) for r in rows], dtype=np.int64)
    values = np.frombuffer(b"".join(r[3][1:] for r in rows), dtype="<f8")
    nblocks = -(-counts // BLOCK_POINTS)
    blk = [np.frombuffer(r[5] or b"B", dtype="<u2", offset=1).astype(np.int64) for r in rows]
    chunk_of_block = np.repeat(np.arange(len(rows)), nblocks)
    block_no = np.arange(len(chunk_of_block)) - np.repeat(np.cumsum(nblocks) - nblocks, nblocks)
    mins = np.concatenate([b[:n] for b, n in zip(blk, nblocks, strict=True)])
    maxs = np.concatenate([b[n:2 * n] for b, n in zip(blk, nblocks, strict=True)])
    nans = np.concatenate([b[2 * n:] for b, n in zip(blk, nblocks, strict=True)])
    start_local = block_no * BLOCK_POINTS
    end_local = np.minimum(start_local + BLOCK_POINTS, counts[chunk_of_block]) - 1
    base = offsets[chunk_of_block]

    def step_at(chunk: np.ndarray, local: np.ndarray) -> np.ndarray:
        out: np.ndarray = arith[chunk, 0] + arith[chunk, 1] * local
        return out

    s0, s1 = step_at(chunk_of_block, start_local), step_at(chunk_of_block, end_local)
    b0 = downsample.bucket_of(np.minimum(s0, s1), first, last, buckets)
    b1 = downsample.bucket_of(np.maximum(s0, s1), first, last, buckets)
    inside = (b0 == b1) & (np.minimum(s0, s1) >= lo) & (np.maximum(s0, s1) <= hi)
    picks = [base[inside] + mins[inside], base[inside] + maxs[inside],
             base[inside] + end_local[inside]]
    has_nan = inside & (nans != NO_NAN)
    picks.append(base[has_nan] + nans[has_nan])
    whole = ~inside  # every point of a straddling block
    if whole.any():
        lens = end_local[whole] - start_local[whole] + 1
        starts = base[whole] + start_local[whole]
        picks.append(np.repeat(starts - np.cumsum(lens) + lens, lens) + np.arange(lens.sum()))
    idx = downsample.sorted_unique(np.concatenate(picks))
    chunk = np.searchsorted(offsets, idx, side="right") - 1
    steps = step_at(chunk, idx - offsets[chunk])
    walls = _walls(rows, counts, offsets)[idx]
    keep = (steps >= lo) & (steps <= hi)
    steps, vals, walls = steps[keep], values[idx][keep], walls[keep]
    order = np.argsort(steps, kind="stable")
    return steps[order], vals[order], walls[order]


def _walls(rows: Sequence[Row], counts: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Every wall time (µs), decoded for all chunks with one cumulative sum."""
    total = int(counts.sum())
    deltas = np.zeros(total, dtype=np.int64)
    firsts = np.empty(len(rows), dtype=np.int64)
    for i, r in enumerate(rows):  # per chunk: one slice assignment, no per-point work
        blob, o, n = r[4], int(offsets[i]), int(counts[i])
        if blob[:1] == b"A":
            f, stride = _ARITH.unpack(blob[1:])
            firsts[i] = f
            deltas[o + 1:o + n] = stride
        else:
            firsts[i] = _FIRST.unpack_from(blob, 1)[0]
            deltas[o + 1:o + n] = np.frombuffer(blob, dtype="<i4", offset=1 + _FIRST.size)
    deltas[offsets] = firsts
    summed = np.cumsum(deltas)
    walls: np.ndarray = summed - np.repeat(summed[offsets] - firsts, counts)
    return walls
