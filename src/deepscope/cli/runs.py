"""``deepscope ls`` and ``deepscope show``: runs as tables in the terminal."""

from __future__ import annotations

import json
from collections.abc import Sequence

import click
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table

from .. import open as open_logdir
from ..query.filters import parse_filter
from ..query.reader import LastValue, RunInfo, SeriesInfo
from ._format import flatten, fmt_duration, fmt_number, fmt_status, fmt_time
from ._options import default_logdir, logdir_option

MAX_METRIC_COLUMNS = 6  # most frequent scalar series shown as columns in `ls`
MAX_CONFIG_COLUMNS = 8  # config keys that differ between runs, shown as columns
_BASE_WIDTH = 62  # characters taken by id, name, status, steps, duration
_EXTRA_WIDTH = 12  # characters per metric/config column
_WIDE = 110  # from this width on, project and creation time are shown too


def runs_table(runs: Sequence[RunInfo], last: dict[str, dict[str, LastValue]], *,
               width: int = 120) -> Table:
    """The `ls` table: identity, status, progress, last metrics, config keys that vary.

    Metric and config columns are added while they fit in ``width`` characters.
    """
    table = Table(title=f"{len(runs)} run(s)", header_style="bold", expand=False)
    wide = width >= _WIDE
    base = ["id", "name", "status", "steps", "duration"] + (["project", "created"] if wide else [])
    for col in base:
        table.add_column(col, no_wrap=col != "name", min_width=8 if col == "name" else None)
    budget = max(0, (width - _BASE_WIDTH - (30 if wide else 0)) // _EXTRA_WIDTH)
    metrics = _common_metrics(last)[:budget]
    configs = [flatten(r.config) for r in runs]
    keys = _varying_keys(configs)[:max(0, budget - len(metrics))]
    for name in metrics:
        table.add_column(name, justify="right", style="cyan")
    for key in keys:
        table.add_column(key, justify="right", style="magenta")
    for run, cfg in zip(runs, configs, strict=True):
        values = last.get(run.id, {})
        cells = [run.id, run.name, fmt_status(run.status, stale=run.stale),
                 "" if run.last_step is None else str(run.last_step), fmt_duration(run.duration)]
        if wide:
            cells += [run.project, fmt_time(run.created_at)]
        table.add_row(
            *cells,
            *[fmt_number(values[m].value) if m in values else "" for m in metrics],
            *[_fmt_config(cfg.get(k)) for k in keys])
    return table


def _common_metrics(last: dict[str, dict[str, LastValue]]) -> list[str]:
    counts: dict[str, int] = {}
    for values in last.values():
        for name in values:
            counts[name] = counts.get(name, 0) + 1
    def rank(name: str) -> tuple[int, int, str]:
        leaf = name.rsplit("/", 1)[-1]
        kind = 0 if "loss" in leaf else 1 if "acc" in leaf else 2
        return (-counts[name], kind, name)
    return sorted(counts, key=rank)[:MAX_METRIC_COLUMNS]


def _varying_keys(configs: list[dict[str, object]]) -> list[str]:
    keys = sorted({k for c in configs for k in c})
    if len(configs) > 1:
        keys = [k for k in keys if len({json.dumps(c.get(k), default=str) for c in configs}) > 1]
    return keys[:MAX_CONFIG_COLUMNS]


def _fmt_config(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return fmt_number(value)
    return str(value)


@click.command()
@click.argument("logdir", required=False, type=click.Path(file_okay=False))
@click.option("--project", "-p", help="Only runs of this project.")
@click.option("--name", "-n", help="Only runs whose name contains this text.")
@click.option("--tag", "-t", "tags", multiple=True, help="Only runs with this tag (repeatable).")
@click.option("--status", "-s", type=click.Choice(["running", "finished", "crashed", "killed"]))
@click.option("--filter", "-f", "filters", multiple=True,
              help="Config filter like 'lr < 0.01' or 'opt.name = adam' (repeatable).")
@click.option("--limit", type=int, help="At most this many runs (newest first).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def ls(logdir: str | None, project: str | None, name: str | None, tags: tuple[str, ...],
       status: str | None, filters: tuple[str, ...], limit: int | None, as_json: bool) -> None:
    """List the runs in LOGDIR (default: $DEEPSCOPE_LOGDIR or ./deepscope-logs)."""
    try:
        where = [parse_filter(f) for f in filters]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--filter") from None
    with open_logdir(logdir or default_logdir()) as reader:
        runs = reader.list_runs(project=project, name=name, tags=tags, status=status,  # type: ignore[arg-type]
                                where=where, limit=limit)
        last = reader.read_last_scalars([r.id for r in runs])
    if as_json:
        click.echo(json.dumps([{**_run_dict(r), "last": {k: v.value for k, v in
                                                          last[r.id].items()}} for r in runs],
                              default=str))
        return
    console = Console()
    console.print(runs_table(runs, last, width=console.width))


def _run_dict(run: RunInfo) -> dict[str, object]:
    return {"id": run.id, "name": run.name, "project": run.project, "status": run.status,
            "created_at": run.created_at, "ended_at": run.ended_at, "last_step": run.last_step,
            "config": run.config, "tags": list(run.tags), "notes": run.notes}


def run_panel(run: RunInfo, series: Sequence[SeriesInfo]) -> Group:
    """The `show` view: header, config, system info and series tables."""
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    for label, value in (
            ("id", run.id), ("name", run.name), ("project", run.project),
            ("status", fmt_status(run.status, stale=run.stale)),
            ("created", fmt_time(run.created_at)), ("ended", fmt_time(run.ended_at)),
            ("duration", fmt_duration(run.duration)),
            ("last step", "" if run.last_step is None else str(run.last_step)),
            ("tags", ", ".join(run.tags)), ("exit reason", run.exit_reason or ""),
            ("notes", run.notes)):
        if value:
            head.add_row(label, value)
    return Group(Panel(head, title="run", expand=False), _kv_table("config", flatten(run.config)),
                 _kv_table("system", _system_rows(run.system)), _series_table(series))


def _kv_table(title: str, rows: dict[str, object]) -> Table:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key, value in rows.items():
        table.add_row(key, _fmt_config(value))
    return table


def _system_rows(system: dict[str, object]) -> dict[str, object]:
    rows = {k: v for k, v in flatten(system).items() if k != "argv"}
    if "argv" in system:
        rows["argv"] = " ".join(str(a) for a in system["argv"])  # type: ignore[attr-defined]
    return rows


def _series_table(series: Sequence[SeriesInfo]) -> Table:
    table = Table(title="series", title_justify="left", header_style="bold")
    for col in ("name", "kind", "points", "steps", "min", "max", "last"):
        table.add_column(col, justify="right" if col not in ("name", "kind") else "left")
    for s in series:
        steps = "" if s.first_step is None else f"{s.first_step}..{s.last_step}"
        table.add_row(s.name, s.kind, str(s.count), steps, fmt_number(s.min), fmt_number(s.max),
                      fmt_number(s.last))
    return table


@click.command()
@click.argument("run")
@logdir_option
def show(run: str, logdir: str) -> None:
    """Show one RUN (id, name or id prefix): config, system info and its series."""
    with open_logdir(logdir) as reader:
        info = reader.get_run(run)
        series = reader.list_series(info.id)
    Console().print(run_panel(info, series))
