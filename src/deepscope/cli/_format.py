"""Pure formatting helpers shared by the CLI commands (numbers, durations, statuses)."""

from __future__ import annotations

import math
import time

STATUS_STYLE = {"running": "green", "finished": "blue", "crashed": "red", "killed": "yellow"}


def fmt_number(value: float | None) -> str:
    """A compact number: 4 significant digits, NaN and infinities spelled out."""
    if value is None:
        return ""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.4g}"


def fmt_duration(seconds: float) -> str:
    """``1h02m``, ``3m05s`` or ``12.3s``."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, sec = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{sec:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def fmt_time(epoch: float | None) -> str:
    """Local time as ``YYYY-MM-DD HH:MM:SS``."""
    if epoch is None:
        return ""
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(epoch))


def fmt_status(status: str, *, stale: bool = False) -> str:
    """A rich-markup status; a live run gets a dot, a run that stopped answering says so."""
    style = STATUS_STYLE.get(status, "white")
    label = "● running" if status == "running" else status
    if stale:
        label += " (no heartbeat)"
    return f"[{style}]{label}[/{style}]"


def flatten(mapping: dict[str, object], prefix: str = "") -> dict[str, object]:
    """Nested dict -> ``{"a.b": value}``."""
    out: dict[str, object] = {}
    for key, value in mapping.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out
