"""Reference summarizer: a numpy array -> :class:`~deepscope.records.TensorSummary`.

The device summarizers (PyTorch, Keras) must agree with this one; their tests compare to it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..records import TensorSummary

_FLOAT_MAX = float(np.finfo(np.float64).max)
DEFAULT_BINS = 64  # histogram bins per summary: a ridgeline stays readable, a blob stays ~1 KB


def summarize_array(values: Any, *, bins: int = DEFAULT_BINS) -> TensorSummary:
    """Summarize any array-like of numbers.

    Args:
        values: A numpy array, list, or anything ``np.asarray`` accepts.
        bins: Number of equal-width histogram bins spanning the finite values.

    Raises:
        TypeError: the values are not numeric.
        ValueError: ``bins`` is not a positive integer.
    """
    if not isinstance(bins, int) or bins < 1:
        raise ValueError(f"bins must be a positive integer, got {bins!r}")
    a = np.asarray(values)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"expected numeric values, got an array of dtype {a.dtype}")
    a = a.astype(np.float64, copy=False).ravel()
    nan = np.isnan(a)
    pinf = np.isposinf(a)
    ninf = np.isneginf(a)
    finite = a[~(nan | pinf | ninf)]
    counts_head = (int(a.size), int(nan.sum()), int(pinf.sum()), int(ninf.sum()),
                   int((a == 0).sum()))
    if finite.size == 0:
        return TensorSummary(*counts_head, min=math.nan, max=math.nan, mean=math.nan, std=math.nan,
                             norm=0.0)
    lo, hi = float(finite.min()), float(finite.max())
    first, last = _range(lo, hi, bins)
    if math.isinf(last - first):  # the span overflows float64: bin at half scale (exact)
        counts, edges = np.histogram(finite * 0.5, bins=bins, range=(first * 0.5, last * 0.5))
        edges = edges * 2.0
    else:
        counts, edges = np.histogram(finite, bins=bins, range=(first, last))
    return TensorSummary(
        *counts_head, min=lo, max=hi, mean=float(finite.mean()), std=float(finite.std()),
        norm=float(np.sqrt(np.dot(finite, finite))),
        bin_edges=tuple(edges.tolist()), bin_counts=tuple(int(c) for c in counts))


def _range(lo: float, hi: float, bins: int) -> tuple[float, float]:
    scale = max(abs(lo), abs(hi))
    # A constant tensor still gets a visible bin around its value; so does one whose spread is
    # too narrow for ``bins`` distinct float64 edges (numpy refuses such a range).
    if hi - lo <= bins * max(scale * 2.0**-40, 1e-300):
        pad = scale * 1e-3 if scale * 1e-3 > 1e-300 else 1e-3
        return max(lo - pad, -_FLOAT_MAX), min(hi + pad, _FLOAT_MAX)
    return lo, hi
