"""``deepscope``: the command-line entry point and its command group."""

from __future__ import annotations

import sys

import click
from rich.console import Console

from .._version import __version__
from ..errors import DeepscopeError
from . import diagnose as diagnose_cmd
from . import export as export_cmd
from . import runs as runs_cmd
from . import serve as serve_cmd

_EPILOG = """\b
Examples:
  deepscope ls ./deepscope-logs               table of runs
  deepscope ls --filter 'lr < 0.01' --tag baseline
  deepscope show mlp-lr3e-4                   one run: config, system, series
  deepscope export 3f2a9c1d --format csv > run.csv
  deepscope export 3f2a9c1d --format parquet -o run.parquet
  deepscope diagnose ./deepscope-logs         what is wrong with the latest runs

The logdir defaults to $DEEPSCOPE_LOGDIR, else ./deepscope-logs.
"""


class _Group(click.Group):
    """Turns deepscope's own errors into one red line instead of a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (DeepscopeError, ModuleNotFoundError) as exc:
            Console(stderr=True).print(f"[red]error:[/red] {exc}", markup=True, highlight=False)
            sys.exit(1)


@click.group(cls=_Group, epilog=_EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="deepscope")
def cli() -> None:
    """See inside neural networks and debug their training."""


cli.add_command(runs_cmd.ls)
cli.add_command(runs_cmd.show)
cli.add_command(export_cmd.export)
cli.add_command(serve_cmd.serve)
cli.add_command(diagnose_cmd.diagnose)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="deepscope")
