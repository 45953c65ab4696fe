"""A compact, versioned binary form of :class:`~deepscope.records.TensorSummary` (no pickle).

Layout (little-endian), zlib-compressed after the version byte: five int64 counts, five float64
statistics, int64 bin count ``n``, ``n + 1`` float64 edges, ``n`` int64 counts, then the ``extra``
dict as UTF-8 JSON.
"""

from __future__ import annotations

import json
import struct
import zlib

import numpy as np

from ..records import TensorSummary

_VERSION = 1
_HEAD = struct.Struct("<5q5dq")


def encode_summary(s: TensorSummary) -> bytes:
    """Serialize a summary to bytes."""
    n = len(s.bin_counts)
    body = b"".join([
        _HEAD.pack(s.count, s.nan_count, s.pos_inf_count, s.neg_inf_count, s.zero_count,
                   s.min, s.max, s.mean, s.std, s.norm, n),
        np.asarray(s.bin_edges, dtype="<f8").tobytes(),
        np.asarray(s.bin_counts, dtype="<i8").tobytes(),
        json.dumps(s.extra, allow_nan=True).encode() if s.extra else b"",
    ])
    return bytes([_VERSION]) + zlib.compress(body, 1)


def decode_summary(blob: bytes) -> TensorSummary:
    """Deserialize what :func:`encode_summary` wrote."""
    if blob[0] != _VERSION:
        raise ValueError(f"unknown tensor-summary format {blob[0]}: written by a newer deepscope")
    body = zlib.decompress(blob[1:])
    count, nan, pinf, ninf, zero, lo, hi, mean, std, norm, n = _HEAD.unpack_from(body)
    off = _HEAD.size
    edges = np.frombuffer(body, dtype="<f8", count=n + 1 if n else 0, offset=off)
    off += edges.nbytes
    counts = np.frombuffer(body, dtype="<i8", count=n, offset=off)
    off += counts.nbytes
    extra = json.loads(body[off:]) if len(body) > off else {}
    return TensorSummary(count, nan, pinf, ninf, zero, lo, hi, mean, std, norm,
                         bin_edges=tuple(edges.tolist()), bin_counts=tuple(counts.tolist()),
                         extra=extra)
