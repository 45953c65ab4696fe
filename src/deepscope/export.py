"""Exporting a run's scalars to CSV, JSON or Parquet, through the read API only.

All formats are *long*: one row per point, ``series, step, value, wall_time``. Non-finite values
are written as ``nan``/``inf``/``-inf`` in CSV, as the strings ``"NaN"``, ``"Infinity"``,
``"-Infinity"`` in JSON (which has no such numbers), and as IEEE values in Parquet.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import IO, Literal

from .query.reader import Reader, RunInfo, ScalarSeries

ExportFormat = Literal["csv", "json", "parquet"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("csv", "json", "parquet")
Progress = Callable[[str], None]


def read_run_scalars(reader: Reader, run_id: str, *, series: Sequence[str] = (),
                     progress: Progress | None = None) -> list[ScalarSeries]:
    """Every point of the run's scalar series (or of the named ones), exactly."""
    names = list(series) or [s.name for s in reader.list_series(run_id, kind="scalar")]
    out = []
    for name in names:
        out.append(reader.read_scalars(run_id, name, max_points=None))
        if progress is not None:
            progress(name)
    return out


def write_csv(data: Sequence[ScalarSeries], fh: IO[str]) -> int:
    """Write points as CSV; returns the number of rows."""
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["series", "step", "value", "wall_time"])
    rows = 0
    for s in data:
        columns = (s.steps.tolist(), s.values.tolist(), s.wall_times.tolist())
        for step, value, wall in zip(*columns, strict=True):
            w.writerow([s.name, step, repr(value), f"{wall:.6f}"])
        rows += len(s)
    return rows


def _json_number(value: float) -> float | str:
    if math.isfinite(value):
        return value
    return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")


def write_json(run: RunInfo, data: Sequence[ScalarSeries], fh: IO[str]) -> int:
    """Write the run's metadata and points as one JSON document; returns the point count."""
    doc = {
        "run": {k: v for k, v in asdict(run).items()},
        "scalars": {s.name: {"steps": s.steps.tolist(),
                             "values": [_json_number(v) for v in s.values.tolist()],
                             "wall_times": s.wall_times.tolist()} for s in data},
    }
    json.dump(doc, fh, allow_nan=False, default=str, ensure_ascii=False)
    fh.write("\n")
    return sum(len(s) for s in data)


def write_parquet(data: Sequence[ScalarSeries], path: Path) -> int:
    """Write points as a Parquet file (needs pyarrow); returns the row count.

    Raises:
        ModuleNotFoundError: pyarrow is not installed (the message has the pip line).
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ModuleNotFoundError as exc:
        raise ModuleNotFoundError("Parquet export needs pyarrow: pip install 'deepscope[parquet]'"
                                  ) from exc
    import numpy as np

    table = pa.table({
        "series": pa.array([s.name for s in data for _ in range(len(s))], pa.string()),
        "step": pa.array(np.concatenate([s.steps for s in data]) if data else [], pa.int64()),
        "value": pa.array(np.concatenate([s.values for s in data]) if data else [],
                          pa.float64()),
        "wall_time": pa.array(np.concatenate([s.wall_times for s in data]) if data else [],
                              pa.float64()),
    })
    pq.write_table(table, path)
    return int(table.num_rows)
