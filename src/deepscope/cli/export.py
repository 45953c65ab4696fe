"""``deepscope export``: a run's scalars as CSV, JSON or Parquet."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console
from rich.progress import Progress

from .. import export as exporter
from .. import open as open_logdir
from ..query.reader import RunInfo, ScalarSeries
from ._options import logdir_option


@click.command()
@click.argument("run")
@click.option("--format", "-F", "fmt", type=click.Choice(exporter.EXPORT_FORMATS), default="csv",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: stdout for csv/json, RUN_ID.parquet for parquet).")
@click.option("--series", "-s", multiple=True, help="Only this series (repeatable).")
@logdir_option
def export(run: str, fmt: str, output: Path | None, series: tuple[str, ...], logdir: str) -> None:
    """Export every scalar point of RUN (id, name or id prefix): series, step, value, wall_time."""
    err = Console(stderr=True)
    with open_logdir(logdir) as reader:
        info = reader.get_run(run)
        names = list(series) or [s.name for s in reader.list_series(info.id, kind="scalar")]
        with Progress(console=err, transient=True, disable=not err.is_terminal) as bar:
            task = bar.add_task("reading series", total=len(names))
            data = exporter.read_run_scalars(reader, info.id, series=names,
                                             progress=lambda _: bar.advance(task))
    if fmt == "parquet":
        path = output or Path(f"{info.id}.parquet")
        rows = exporter.write_parquet(data, path)
    elif output is None:
        rows = _write_text(fmt, info, data, sys.stdout)
    else:
        with output.open("w", encoding="utf-8", newline="") as fh:
            rows = _write_text(fmt, info, data, fh)
    if output is not None or fmt == "parquet":
        err.print(f"wrote {rows} points of {len(data)} series to {output or path}")


def _write_text(fmt: str, info: RunInfo, data: list[ScalarSeries], fh: object) -> int:
    if fmt == "csv":
        return exporter.write_csv(data, fh)  # type: ignore[arg-type]
    return exporter.write_json(info, data, fh)  # type: ignore[arg-type]
