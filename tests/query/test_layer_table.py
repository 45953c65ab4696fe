"""The per-layer table assembled from watched series (query/layers.py), on a real logdir."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import deepscope
from deepscope.query.layers import module_of, read_layer_table
from deepscope.records import TensorSummary


def summary(norm: float, *, nan: int = 0, mean: float = 0.0,
            extra: dict[str, float] | None = None) -> TensorSummary:
    return TensorSummary(count=10, nan_count=nan, pos_inf_count=0, neg_inf_count=0,
                         zero_count=0, min=-1.0, max=1.0, mean=mean, std=1.0, norm=norm,
                         extra=extra or {})


def test_module_of() -> None:
    assert module_of("encoder.2.weight") == "encoder.2"
    assert module_of("weight") == ""


def test_norms_ratios_and_activations(logdir: Path) -> None:
    with deepscope.init(logdir=logdir, exit_hooks=False) as run:
        for step in (0, 10):
            run.log_summary("weights/enc.fc.weight", summary(3.0), step=step)
            run.log_summary("weights/enc.fc.bias", summary(4.0), step=step)
            run.log_summary("grads/enc.fc.weight", summary(0.3, nan=step // 10), step=step)
            run.log({"updates/enc.fc.weight": 0.1, "updates/enc.fc.bias": 0.2}, step=step)
            run.log_summary("activations/enc.act", summary(2.0, mean=0.5, extra={
                "saturated_fraction": 0.1, "dead_units": 3.0, "units": 12.0}), step=step)
            run.log({"activation_grads/enc.act": 0.7}, step=step)
        run.log({"train/loss": 1.0}, step=99)  # not watched: ignored
        run.log_model({"path": "", "type": "Net", "params": [], "children": [
            {"path": "enc", "type": "Encoder", "params": [], "children": [
                {"path": "enc.act", "type": "Tanh", "params": [], "children": []},
                {"path": "enc.fc", "type": "Linear", "params": [], "children": []}]}]})
        run_id = run.id
    with deepscope.open(logdir) as reader:
        table = read_layer_table(reader, run_id)
        earlier = read_layer_table(reader, run_id, step=5)
    assert table.step == 10 and table.steps == (0, 10)
    assert [r.name for r in table.layers] == ["enc.act", "enc.fc"]  # the tree's order
    act, fc = table.layers
    assert (fc.type, fc.params) == ("Linear", ("enc.fc.bias", "enc.fc.weight"))
    assert fc.weight_norm == pytest.approx(5.0) and fc.grad_norm == pytest.approx(0.3)
    # ||dW|| / ||W|| over both: sqrt((0.1*3)^2 + (0.2*4)^2) / 5
    assert fc.update_ratio == pytest.approx(math.hypot(0.3, 0.8) / 5.0)
    assert fc.nonfinite == 1 and fc.activation_mean is None
    assert (act.type, act.activation_mean, act.activation_std) == ("Tanh", 0.5, 1.0)
    assert act.dead_fraction == 0.25 and act.saturated_fraction == 0.1
    assert act.activation_grad_norm == 0.7 and act.params == ()
    assert earlier.step == 5 and earlier.layers[1].nonfinite == 0  # values from step 0


def test_no_watched_series_no_model(logdir: Path) -> None:
    with deepscope.init(logdir=logdir, exit_hooks=False) as run:
        run.log({"train/loss": 1.0}, step=0)
        run.log_histogram("weights/w", np.ones(4), step=3)  # a top-level parameter "w"
    with deepscope.open(logdir) as reader:
        assert read_layer_table(reader, run.id, step=0).layers[0].weight_norm is None
        table = read_layer_table(reader, run.id)
    assert table.step == 3 and [r.name for r in table.layers] == [""]
    assert table.layers[0].type is None and table.layers[0].weight_norm == 2.0
    with deepscope.init(logdir=logdir, exit_hooks=False) as other:
        pass
    with deepscope.open(logdir) as reader:
        empty = read_layer_table(reader, other.id)
    assert empty.step is None and empty.layers == () and empty.steps == ()


def test_modules_unknown_to_the_tree_sort_naturally(logdir: Path) -> None:
    with deepscope.init(logdir=logdir, exit_hooks=False) as run:
        for i in (10, 2, 1):
            run.log({f"activation_grads/layers.{i}": 1.0}, step=0)
    with deepscope.open(logdir) as reader:
        names = [r.name for r in read_layer_table(reader, run.id).layers]
    assert names == ["layers.1", "layers.2", "layers.10"]


def test_per_rank_prefixes(logdir: Path) -> None:
    with deepscope.init(logdir=logdir, exit_hooks=False) as run:
        for rank in (0, 1, 10):
            run.log_summary(f"rank{rank}/weights/fc.weight", summary(float(rank + 1)), step=0)
        run.log_summary("weights/fc.weight", summary(9.0), step=0)
    with deepscope.open(logdir) as reader:
        plain = read_layer_table(reader, run.id)
        rank1 = read_layer_table(reader, run.id, prefix="rank1/")
    assert plain.prefixes == ("", "rank0/", "rank1/", "rank10/")
    assert plain.layers[0].weight_norm == 9.0 and rank1.layers[0].weight_norm == 2.0
    assert rank1.prefix == "rank1/" and [r.name for r in rank1.layers] == ["fc"]
