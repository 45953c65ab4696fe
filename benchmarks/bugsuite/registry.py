"""The registry of programs: ``@program(label, ...)`` on a function ``fn(ctx) -> run_id``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from deepscope.diagnose.finding import CATEGORIES

from .harness import Ctx

CORRECT = "correct"


@dataclass(frozen=True)
class Program:
    """One training program.

    Attributes:
        name: Unique name (the function's name).
        label: The bug's category (one of ``CATEGORIES``) or ``"correct"``.
        arch: mlp, cnn, rnn, conv1d or autoencoder.
        fast: Part of the ``--fast`` subset (and of the pytest test).
        preflight: Calls ``deepscope.check`` on its first batch.
        heldout: Written after the detector thresholds were frozen and never used to tune
            them: its scores estimate how the rules generalize.
        doc: What the bug is (the function's docstring).
        fn: ``fn(ctx) -> run_id``.
    """

    name: str
    label: str
    arch: str
    fast: bool
    preflight: bool
    heldout: bool
    doc: str
    fn: Callable[[Ctx], str]


PROGRAMS: dict[str, Program] = {}


def program(label: str, *, arch: str, fast: bool = False, preflight: bool = False,
            heldout: bool = False) -> Callable[[Callable[[Ctx], str]], Callable[[Ctx], str]]:
    """Register ``fn`` under its name with a label."""
    if label != CORRECT and label not in CATEGORIES:
        raise ValueError(f"unknown label {label!r}; use 'correct' or one of {CATEGORIES}")

    def register(fn: Callable[[Ctx], str]) -> Callable[[Ctx], str]:
        if fn.__name__ in PROGRAMS:
            raise ValueError(f"duplicate program {fn.__name__}")
        doc = " ".join((fn.__doc__ or "").split())
        PROGRAMS[fn.__name__] = Program(fn.__name__, label, arch, fast, preflight, heldout,
                                        doc, fn)
        return fn

    return register


def all_programs() -> dict[str, Program]:
    """Every registered program (importing the ``programs`` package registers them)."""
    from . import programs  # noqa: F401  (registration side effect)

    return PROGRAMS
