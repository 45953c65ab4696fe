"""Small, pure signal helpers for curve rules: smoothing and robust trends."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]


def ema(values: Floats, alpha: float) -> Floats:
    """Exponential moving average (``alpha`` is the weight of the past), NaN-free input."""
    out = np.empty_like(values)
    acc = values[0] if len(values) else 0.0
    for i, v in enumerate(values):
        acc = alpha * acc + (1 - alpha) * v
        out[i] = acc
    return out


def window_smooth(values: Floats, window: int) -> Floats:
    """Centered-free trailing mean over ``window`` points (shorter at the start)."""
    if window <= 1 or len(values) == 0:
        return values.astype(np.float64)
    c = np.cumsum(np.insert(values.astype(np.float64), 0, 0.0))
    idx = np.arange(1, len(values) + 1)
    lo = np.maximum(idx - window, 0)
    return (c[idx] - c[lo]) / (idx - lo)


def finite(steps: npt.NDArray[np.int64], values: Floats) -> tuple[npt.NDArray[np.int64], Floats]:
    """Drop non-finite points."""
    mask = np.isfinite(values)
    return steps[mask], values[mask]
