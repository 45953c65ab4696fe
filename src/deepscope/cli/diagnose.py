"""``deepscope diagnose``: what is wrong with logged runs, as a table."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click
from rich.console import Console
from rich.table import Table

from .. import diagnose as run_diagnosis
from .. import open as open_logdir
from ..records import Finding
from ._options import default_logdir

SEVERITY_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_FAIL_LEVELS = {"error": ("error",), "warning": ("error", "warning"), "never": ()}


def findings_table(title: str, findings: Sequence[Finding]) -> Table:
    """One run's findings: severity, category, where, when, what and the fix."""
    table = Table(title=title, title_justify="left", header_style="bold", show_lines=True)
    table.add_column("severity", no_wrap=True)
    table.add_column("category", no_wrap=True)
    table.add_column("where")
    table.add_column("when", no_wrap=True)
    table.add_column("what / evidence / fix", ratio=1)
    for f in findings:
        style = SEVERITY_STYLE.get(f.severity, "white")
        when = "" if f.step_start is None else (
            str(f.step_start) if f.step_end in (None, f.step_start) else
            f"{f.step_start}..{f.step_end}")
        series = f.evidence.get("series") if isinstance(f.evidence, dict) else None
        shown = series if isinstance(series, list) else []
        evidence = f"\n[dim]evidence: {', '.join(str(x) for x in shown)}[/dim]" if shown else ""
        table.add_row(f"[{style}]{f.severity}[/{style}]", f.category, f.layer or "", when,
                      f"{_escape(f.message)}{evidence}\n[green]fix:[/green] "
                      f"{_escape(f.suggestion)}\n[dim]{f.detector}[/dim]")
    return table


def _escape(text: str) -> str:
    return text.replace("[", "\\[")


@click.command()
@click.argument("logdir", required=False, type=click.Path(file_okay=False))
@click.argument("run", required=False)
@click.option("--limit", default=20, show_default=True, help="Runs to check when RUN is omitted.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "never"]), default="never",
              show_default=True, help="Exit with status 1 when a finding is this severe (CI).")
def diagnose(logdir: str | None, run: str | None, limit: int, fail_on: str) -> None:
    """Find what is wrong with RUN (or the latest runs) in LOGDIR, and how to fix it."""
    logdir = logdir or default_logdir()
    with open_logdir(logdir) as reader:
        runs = [reader.get_run(run)] if run else reader.list_runs(limit=limit)
    console = Console()
    worst: list[str] = []
    for info in runs:
        findings = run_diagnosis(logdir, run=info.id)
        worst += [f.severity for f in findings]
        if findings:
            console.print(findings_table(f"{info.name} ({info.id}): {len(findings)} finding(s)",
                                         findings))
        else:
            console.print(f"[green]✓[/green] {info.name} ({info.id}): no problems found")
    if any(s in _FAIL_LEVELS[fail_on] for s in worst):
        sys.exit(1)
