"""Running one program and collecting what deepscope says about it."""

from __future__ import annotations

import json
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

import deepscope
from deepscope import Finding

from .harness import Ctx
from .registry import Program

INDEX = "bugsuite-index.json"  # program name -> run id, in the logdir


TORCH_THREADS = 1  # tiny models: one thread avoids spin-waiting on a shared 2-core machine


def configure_torch() -> None:
    """Single-threaded, deterministic torch for the suite."""
    torch.set_num_threads(TORCH_THREADS)
    torch.use_deterministic_algorithms(True, warn_only=True)


@dataclass
class Outcome:
    """What one program produced.

    Attributes:
        findings: ``deepscope.diagnose`` of the run, which includes the ``deepscope.check``
            findings the program logged into it; errors first, then causal order.
        loss: The ``train/loss`` series (for the baseline).
        seconds: Wall time of the whole program (training, check and diagnosis).
        step_seconds: Wall time of each training step.
        error: The traceback if the program crashed.
    """

    program: Program
    run_id: str | None = None
    findings: list[Finding] = field(default_factory=list)
    loss: np.ndarray = field(default_factory=lambda: np.empty(0))
    seconds: float = 0.0
    step_seconds: list[float] = field(default_factory=list)
    error: str | None = None


def run_program(prog: Program, logdir: Path, *, watch: bool = True, preflight: bool = True,
                diagnose: bool = True) -> Outcome:
    """Run ``prog`` into ``logdir``, then diagnose its run."""
    ctx = Ctx(logdir=logdir, watch=watch, preflight=preflight)
    out = Outcome(prog)
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the programs' own warnings are not findings
            out.run_id = prog.fn(ctx)
            if diagnose:
                out.findings = deepscope.diagnose(logdir, run=out.run_id)
    except Exception:  # noqa: BLE001 - a crashed program is reported, not fatal
        out.error = traceback.format_exc()
        if ctx.run is not None:
            ctx.run.finish()
    out.seconds = time.perf_counter() - t0
    out.step_seconds = ctx.step_seconds
    if out.run_id is not None:
        out.loss = read_loss(logdir, out.run_id)
        if diagnose:
            _index(logdir, prog.name, out.run_id, out.seconds)
    return out


def _index(logdir: Path, name: str, run_id: str, seconds: float) -> None:
    path = logdir / INDEX
    index = json.loads(path.read_text()) if path.exists() else {}
    index[name] = {"run_id": run_id, "seconds": seconds}
    path.write_text(json.dumps(index, indent=1))


def rediagnose(progs: list[Program], logdir: Path) -> list[Outcome]:
    """Outcomes of programs already run into ``logdir`` (kept with ``--keep``), diagnosed
    again with the current detectors."""
    index = json.loads((logdir / INDEX).read_text())
    out = []
    for prog in progs:
        if prog.name not in index:
            continue
        run_id: str = index[prog.name]["run_id"]
        o = Outcome(prog, run_id=run_id, seconds=index[prog.name]["seconds"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            o.findings = deepscope.diagnose(logdir, run=run_id)
        o.loss = read_loss(logdir, run_id)
        out.append(o)
    return out


def read_loss(logdir: Path, run_id: str) -> np.ndarray:
    """The run's ``train/loss`` values (empty if absent)."""
    with deepscope.open(logdir) as reader:
        names = {s.name for s in reader.list_series(run_id)}
        if "train/loss" not in names:
            return np.empty(0)
        return np.asarray(reader.read_scalars(run_id, "train/loss").values, dtype=np.float64)
