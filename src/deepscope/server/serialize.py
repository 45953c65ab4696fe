"""Pure ``serialize_*`` functions: read-side dataclasses -> JSON-safe dicts (docs/api.md).

JSON cannot carry NaN or +-Inf. Arrays of values send them as ``null`` plus a ``nonfinite``
object with their indices; single statistics (min, max, last, mean...) send the strings
``"NaN"``, ``"Infinity"`` and ``"-Infinity"``. Free-form dicts (config, system info, evidence,
model trees) are walked and get the string form too. Big arrays go through numpy ``tolist()``
rather than a Python loop per point.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..query.layers import LayerRow, LayerTable
from ..query.reader import (
    LastValue,
    MediaItem,
    RunInfo,
    ScalarSeries,
    SeriesInfo,
    SummaryPoint,
    TextPoint,
)
from ..records import Finding, Severity, TensorSummary

JsonDict = dict[str, Any]
WALL_TIME_DECIMALS = 6  # wall times are stored at microsecond resolution


def serialize_float(x: float | None) -> float | str | None:
    """A statistic: finite floats as is, None as null, NaN/+-Inf as ``"NaN"``/``"Infinity"``."""
    if x is None:
        return None
    x = float(x)
    if math.isfinite(x):
        return x
    if math.isnan(x):
        return "NaN"
    return "Infinity" if x > 0 else "-Infinity"


def serialize_values(values: npt.NDArray[np.float64]) -> tuple[list[float | None], JsonDict]:
    """A value array as a list with ``null`` for non-finite entries, and their indices.

    Returns:
        ``(values, {"nan": [...], "inf": [...], "-inf": [...]})``.
    """
    out: list[float | None] = values.tolist()
    finite = np.isfinite(values)
    if finite.all():
        return out, {"nan": [], "inf": [], "-inf": []}
    bad = np.flatnonzero(~finite)
    for i in bad.tolist():
        out[i] = None
    bad_values = values[bad]
    return out, {"nan": bad[np.isnan(bad_values)].tolist(),
                 "inf": bad[bad_values == np.inf].tolist(),
                 "-inf": bad[bad_values == -np.inf].tolist()}


def serialize_json(obj: object) -> Any:
    """A free-form JSON-like value with non-finite floats replaced by their string forms."""
    if isinstance(obj, float):
        return serialize_float(obj)
    if isinstance(obj, Mapping):
        return {str(k): serialize_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [serialize_json(v) for v in obj]
    return obj


def _floats(values: Sequence[float]) -> list[Any]:
    arr = np.asarray(values, dtype=np.float64)
    if np.isfinite(arr).all():
        return arr.tolist()  # type: ignore[no-any-return]
    return [serialize_float(v) for v in arr.tolist()]


def serialize_last(last: Mapping[str, LastValue]) -> JsonDict:
    """Each scalar series' value at its largest step: ``{name: {"step", "value"}}``."""
    return {name: {"step": v.step, "value": serialize_float(v.value)} for name, v in last.items()}


def serialize_run(run: RunInfo, last: Mapping[str, LastValue] | None = None, *,
                  system: bool = False,
                  findings: Mapping[Severity, int] | None = None) -> JsonDict:
    """A run as ``GET /api/v1/runs`` lists it; ``system=True`` adds the system info.

    ``findings`` holds the run's number of findings per severity (missing ones count 0).
    """
    out: JsonDict = {
        "id": run.id, "name": run.name, "project": run.project, "status": run.status,
        "stale": run.stale, "created_at": serialize_float(run.created_at),
        "ended_at": serialize_float(run.ended_at),
        "heartbeat_at": serialize_float(run.heartbeat_at),
        "duration": serialize_float(run.duration), "last_step": run.last_step,
        "tags": list(run.tags), "notes": run.notes, "exit_reason": run.exit_reason,
        "config": serialize_json(run.config), "last": serialize_last(last or {}),
        "findings": {k: int((findings or {}).get(k, 0)) for k in ("error", "warning", "info")},
    }
    if system:
        out["system"] = serialize_json(run.system)
    return out


def serialize_run_change(run: RunInfo) -> JsonDict:
    """A run in a live ``update`` event: only what tells a client to fetch more."""
    return {"id": run.id, "status": run.status, "last_step": run.last_step,
            "heartbeat_at": serialize_float(run.heartbeat_at)}


def serialize_series_info(series: SeriesInfo) -> JsonDict:
    """One entry of ``GET /api/v1/runs/{id}/series``."""
    return {"name": series.name, "kind": series.kind, "count": series.count,
            "first_step": series.first_step, "last_step": series.last_step,
            "min": serialize_float(series.min), "max": serialize_float(series.max),
            "last": serialize_float(series.last)}


def serialize_scalars(series: ScalarSeries) -> JsonDict:
    """A scalar series as columnar arrays, non-finite values as ``null`` plus indices."""
    values, nonfinite = serialize_values(series.values)
    return {"run_id": series.run_id, "name": series.name, "downsampled": series.downsampled,
            "total": series.total, "steps": series.steps.tolist(), "values": values,
            "wall_times": np.round(series.wall_times, WALL_TIME_DECIMALS).tolist(),
            "nonfinite": nonfinite}


def serialize_summary(summary: TensorSummary) -> JsonDict:
    """A tensor summary's counts, statistics and histogram."""
    return {
        "count": summary.count, "nan_count": summary.nan_count,
        "pos_inf_count": summary.pos_inf_count, "neg_inf_count": summary.neg_inf_count,
        "zero_count": summary.zero_count, "min": serialize_float(summary.min),
        "max": serialize_float(summary.max), "mean": serialize_float(summary.mean),
        "std": serialize_float(summary.std), "norm": serialize_float(summary.norm),
        "bin_edges": _floats(summary.bin_edges), "bin_counts": list(summary.bin_counts),
        "extra": {k: serialize_float(v) for k, v in summary.extra.items()},
    }


def serialize_summary_point(point: SummaryPoint) -> JsonDict:
    """One point of ``GET /api/v1/runs/{id}/tensors``."""
    return {"step": point.step, "wall_time": serialize_float(point.wall_time),
            **serialize_summary(point.summary)}


def serialize_text_point(point: TextPoint) -> JsonDict:
    """One point of ``GET /api/v1/runs/{id}/texts``."""
    return {"step": point.step, "wall_time": serialize_float(point.wall_time),
            "text": point.text}


def serialize_media_item(item: MediaItem) -> JsonDict:
    """One item of ``GET /api/v1/runs/{id}/media``; its bytes are at ``/api/v1/media/{sha256}``."""
    return {"step": item.step, "wall_time": serialize_float(item.wall_time),
            "sha256": item.sha256, "mime": item.mime, "width": item.width,
            "height": item.height, "size": item.size}


def serialize_finding(finding: Finding) -> JsonDict:
    """One finding of ``GET /api/v1/runs/{id}/findings``."""
    return {"detector": finding.detector, "category": finding.category,
            "severity": finding.severity, "step_start": finding.step_start,
            "step_end": finding.step_end, "message": finding.message, "layer": finding.layer,
            "evidence": serialize_json(finding.evidence), "suggestion": finding.suggestion}


def serialize_layer_row(row: LayerRow) -> JsonDict:
    """One module of the per-layer table."""
    return {"name": row.name, "type": row.type, "params": list(row.params),
            "weight_norm": serialize_float(row.weight_norm),
            "grad_norm": serialize_float(row.grad_norm),
            "update_ratio": serialize_float(row.update_ratio),
            "activation_mean": serialize_float(row.activation_mean),
            "activation_std": serialize_float(row.activation_std),
            "dead_fraction": serialize_float(row.dead_fraction),
            "saturated_fraction": serialize_float(row.saturated_fraction),
            "activation_grad_norm": serialize_float(row.activation_grad_norm),
            "nonfinite": row.nonfinite}


def serialize_layer_table(table: LayerTable) -> JsonDict:
    """``GET /api/v1/runs/{id}/layers``."""
    return {"step": table.step, "steps": list(table.steps), "prefix": table.prefix,
            "prefixes": list(table.prefixes),
            "layers": [serialize_layer_row(r) for r in table.layers]}
