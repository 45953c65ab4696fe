"""Parsing query parameters: each helper returns a typed value or raises BadParameterError."""

from __future__ import annotations

from collections.abc import Collection

from starlette.datastructures import QueryParams

from .errors import BadParameterError

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_STRING_CHARS = 1000  # longest name, filter or search string accepted


def optional_str(params: QueryParams, key: str) -> str | None:
    """The parameter's value, or None when it is absent or empty."""
    value = params.get(key)
    if value is not None and len(value) > MAX_STRING_CHARS:
        raise BadParameterError(f"{key} is {len(value)} characters long; at most "
                                f"{MAX_STRING_CHARS} are accepted.")
    return value or None


def required_str(params: QueryParams, key: str) -> str:
    """The parameter's value; BadParameterError when it is absent or empty."""
    value = optional_str(params, key)
    if value is None:
        raise BadParameterError(f"The query parameter {key!r} is required, e.g. "
                                f"?{key}=train/loss.")
    return value


def str_list(params: QueryParams, key: str) -> list[str]:
    """Every non-empty value of a repeatable parameter (``?tag=a&tag=b``)."""
    values = [v for v in params.getlist(key) if v]
    for v in values:
        if len(v) > MAX_STRING_CHARS:
            raise BadParameterError(f"a {key} value is {len(v)} characters long; at most "
                                    f"{MAX_STRING_CHARS} are accepted.")
    return values


def optional_int(params: QueryParams, key: str, *, minimum: int = INT64_MIN) -> int | None:
    """An integer parameter, or None when absent or empty."""
    raw = params.get(key)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise BadParameterError(f"{key} must be an integer, got {raw[:40]!r}.") from None
    if not minimum <= value <= INT64_MAX:
        raise BadParameterError(f"{key} must be an integer from {minimum} to {INT64_MAX}, "
                                f"got {value}.")
    return value


def step_range(params: QueryParams) -> tuple[int | None, int | None]:
    """``start`` and ``end``: inclusive step bounds; BadParameterError when start > end."""
    start, end = optional_int(params, "start"), optional_int(params, "end")
    if start is not None and end is not None and start > end:
        raise BadParameterError(f"start ({start}) is after end ({end}); swap them.")
    return start, end


def max_points(params: QueryParams, default: int) -> int | None:
    """The ``max_points`` budget: ``default`` when absent, and ``0`` meaning every point (None)."""
    value = optional_int(params, "max_points", minimum=0)
    if value is None:
        return default
    return None if value == 0 else value


def choice(params: QueryParams, key: str, allowed: Collection[str]) -> str | None:
    """A parameter restricted to ``allowed`` values, or None when absent."""
    value = optional_str(params, key)
    if value is not None and value not in allowed:
        raise BadParameterError(f"{key} must be one of {', '.join(map(repr, allowed))}, "
                                f"not {value[:40]!r}.")
    return value
