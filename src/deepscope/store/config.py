"""Run configs: made JSON-safe, and flattened to dotted keys so runs can be filtered in SQL."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

CONFIG_SEPARATOR = "."  # nested keys flatten to "optimizer.lr"


def normalize_config(value: Any) -> Any:
    """Turn a config value into plain JSON types.

    Mappings, dataclasses and ``argparse.Namespace`` become dicts; tuples and sets become lists;
    numpy scalars become Python numbers; anything else becomes its ``str()``.
    """
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Mapping):
        return {str(k): normalize_config(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {k: normalize_config(getattr(value, k)) for k in value.__dataclass_fields__}
    if type(value).__name__ == "Namespace" and hasattr(value, "__dict__"):
        return normalize_config(vars(value))
    if isinstance(value, (list, tuple, set, frozenset)):
        return [normalize_config(v) for v in value]
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        return normalize_config(value.item())
    return str(value)


def flatten_config(config: Mapping[str, Any],
                   prefix: str = "") -> list[tuple[str, float | None, str | None]]:
    """Flatten a normalized config to ``(dotted key, number, text)`` rows.

    Numbers (and booleans, as 0/1) fill ``number``; strings fill ``text``; lists are kept as
    their JSON in ``text``; None leaves both empty.
    """
    rows: list[tuple[str, float | None, str | None]] = []
    for key, value in config.items():
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            rows.extend(flatten_config(value, full + CONFIG_SEPARATOR))
        elif isinstance(value, bool):
            rows.append((full, float(value), "true" if value else "false"))
        elif isinstance(value, (int, float)):
            num = float(value)
            rows.append((full, None if math.isnan(num) else num, _number_text(value)))
        elif isinstance(value, str):
            rows.append((full, None, value))
        elif value is None:
            rows.append((full, None, None))
        else:
            rows.append((full, None, json.dumps(value, default=str)))
    return rows


def _number_text(value: int | float) -> str:
    return repr(value)
