"""The logdir the server tests read: every kind of data, written through the public API."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import deepscope
from deepscope.records import Finding, TensorSummary

BASE_URL = "http://127.0.0.1:6007"
MODEL_TREE = {"path": "", "type": "Sequential", "params": [], "children": [
    {"path": "0", "type": "Linear", "children": [],
     "params": [{"name": "0.weight", "shape": [8, 4], "dtype": "float32", "numel": 32,
                 "trainable": True},
                {"name": "0.bias", "shape": [8], "dtype": "float32", "numel": 8,
                 "trainable": True}]},
    {"path": "1", "type": "ReLU", "params": [], "children": []}]}


@dataclass(frozen=True)
class Logdir:
    """The populated logdir and the ids of its runs."""

    path: Path
    main: str  # project "digits", name "mlp-a": every kind of data
    other: str  # project "digits", name "mlp-b", lr 0.1, tag "baseline"
    empty: str  # project "misc": nothing logged


def activation_summary(mean: float, *, nan: int = 0) -> TensorSummary:
    """A summary as run.watch writes for a module output."""
    return TensorSummary(count=64, nan_count=nan, pos_inf_count=0, neg_inf_count=0,
                         zero_count=16, min=-1.0, max=2.0, mean=mean, std=0.5, norm=4.0,
                         bin_edges=(-1.0, 0.5, 2.0), bin_counts=(30, 34 - nan),
                         extra={"saturated_fraction": 0.25, "dead_units": 2.0, "units": 8.0})


def write_logdir(path: Path) -> Logdir:
    """Write three runs with scalars (NaN/Inf too), summaries, texts, images, a model, findings."""
    rng = np.random.default_rng(0)
    with deepscope.init(project="digits", name="mlp-a", config={"lr": 0.001,
                        "opt": {"name": "adam"}}, tags=["demo"], logdir=path,
                        exit_hooks=False, live_diagnosis=None) as run:
        for step in range(300):
            loss = math.nan if step == 17 else (math.inf if step == 18 else 1.0 / (step + 1))
            run.log({"train/loss": loss, "train/acc": step / 300}, step=step)
        for step in (0, 100, 200):
            run.log_histogram("weights/0.weight", rng.normal(size=(8, 4)), step=step)
            run.log_histogram("weights/0.bias", rng.normal(size=8), step=step)
            run.log_histogram("grads/0.weight", rng.normal(size=(8, 4)) * 0.01, step=step)
            run.log({"updates/0.weight": 1e-3, "updates/0.bias": 2e-3,
                     "activation_grads/1": 0.5}, step=step)
            run.log_summary("activations/1", activation_summary(0.1, nan=int(step == 200)),
                            step=step)
        run.log_text("samples/text", "<script>alert(1)</script>", step=3)
        run.log_text("samples/text", "second", step=250)
        run.log_image("samples/image", np.zeros((8, 6, 3), np.uint8), step=0)
        run.log_model(MODEL_TREE)
        run.log_finding(Finding("nonfinite.first", "nonfinite", "error", 17, 17,
                                "train/loss became NaN", layer="1",
                                evidence={"value": math.nan}, suggestion="Lower the lr."))
        main = run.id
    with deepscope.init(project="digits", name="mlp-b", config={"lr": 0.1}, tags=["baseline"],
                        logdir=path, exit_hooks=False, live_diagnosis=None) as run:
        run.log({"train/loss": 0.5}, step=0)
        other = run.id
    with deepscope.init(project="misc", name="empty", logdir=path, exit_hooks=False,
                        live_diagnosis=None) as run:
        empty = run.id
    return Logdir(path, main, other, empty)
