"""Options shared by several commands."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_LOGDIR = "deepscope-logs"


def default_logdir() -> str:
    """``$DEEPSCOPE_LOGDIR`` or ``./deepscope-logs``."""
    return os.environ.get("DEEPSCOPE_LOGDIR", DEFAULT_LOGDIR)


def logdir_option(fn: F) -> F:
    """``--logdir/-l``, defaulting to ``$DEEPSCOPE_LOGDIR`` or ``./deepscope-logs``."""
    return click.option("--logdir", "-l", default=default_logdir, show_default="deepscope-logs",
                        type=click.Path(file_okay=False), help="The logdir to read.")(fn)
