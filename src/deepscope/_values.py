"""Checking and converting what users pass to ``log()``: names, steps and scalar values."""

from __future__ import annotations

import numbers
from typing import Any

MAX_NAME_LENGTH = 1024  # characters in a series name
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def check_name(name: object, *, what: str = "series name") -> str:
    """Return ``name`` if it is a usable series name, else raise a clear error.

    Names are stored verbatim (unicode, HTML, ``/`` and ``..`` included) and are never used to
    build file paths.
    """
    if not isinstance(name, str):
        raise TypeError(f"deepscope: a {what} must be a str, got {type(name).__name__} {name!r}")
    if not name or not name.strip():
        raise ValueError(f"deepscope: a {what} must not be empty or blank, got {name!r}")
    if len(name) > MAX_NAME_LENGTH or "\x00" in name:
        raise ValueError(f"deepscope: a {what} must be at most {MAX_NAME_LENGTH} characters with "
                         f"no NUL, got {len(name)} characters: {name[:60]!r}...")
    return name


def check_step(step: object) -> int:
    """Return ``step`` as an int, or raise if it is not an integer in the int64 range."""
    if isinstance(step, bool) or not isinstance(step, numbers.Integral):
        if hasattr(step, "item") and getattr(step, "ndim", None) == 0:
            return check_step(step.item())
        raise TypeError(f"deepscope: step must be an int, got {type(step).__name__} {step!r}")
    value = int(step)
    if not _INT64_MIN <= value <= _INT64_MAX:
        raise ValueError(f"deepscope: step {value} is outside the int64 range")
    return value


def to_scalar(name: str, value: Any) -> float:
    """Convert one logged value to float, naming the key and the type when it cannot be."""
    if isinstance(value, (str, bytes)):
        raise TypeError(f"deepscope: cannot log {name!r}: expected a number, got "
                        f"{type(value).__name__} {value[:40]!r}. Use log_text() for text.")
    if isinstance(value, (bool, numbers.Real)):
        return _float(name, value)
    size = getattr(value, "size", None)
    size = value.numel() if callable(size) and hasattr(value, "numel") else size  # torch
    if hasattr(value, "item") and (getattr(value, "ndim", None) == 0 or size == 1):
        item = value.item()
        if isinstance(item, (bool, numbers.Real)):
            return _float(name, item)
    shape = getattr(value, "shape", None)
    if shape is not None:
        raise TypeError(f"deepscope: cannot log {name!r}: expected a scalar, got a "
                        f"{type(value).__name__} of shape {tuple(shape)}. Use log_histogram() "
                        f"for arrays and tensors.")
    hint = " Use log_histogram() for lists." if isinstance(value, (list, tuple)) else ""
    raise TypeError(f"deepscope: cannot log {name!r}: expected a number (int, float, 0-d tensor "
                    f"or array), got {type(value).__name__}.{hint}")


def _float(name: str, value: Any) -> float:
    try:
        return float(value)
    except (OverflowError, ValueError) as exc:
        shown = f"an int of {value.bit_length()} bits" if isinstance(value, int) else repr(value)
        raise ValueError(f"deepscope: cannot log {name!r}: {shown} does not fit a float64 "
                         f"({exc})") from exc
