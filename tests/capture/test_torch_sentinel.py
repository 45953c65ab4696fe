"""The NaN/Inf sentinel names the module where a non-finite value first appeared."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from torch import nn

import deepscope
from deepscope.capture._torch_sentinel import NonFiniteError


class NanAt(nn.Module):
    """Multiplies its input by NaN on one call."""

    def __init__(self, at: int) -> None:
        super().__init__()
        self.at, self.calls = at, 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return x * math.nan if self.calls == self.at else x


class _InfGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):  # type: ignore[no-untyped-def]
        return x.clone()

    @staticmethod
    def backward(ctx, g):  # type: ignore[no-untyped-def]
        return g * math.inf


class InfGrad(nn.Module):
    """Identity forward, infinite gradient backward."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _InfGrad.apply(x)


def fit(model: nn.Module, steps: int, run: deepscope.Run, **watch: object) -> None:
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    run.watch(model, optimizer=opt, **watch)  # type: ignore[arg-type]
    for _ in range(steps):
        opt.zero_grad()
        model(torch.randn(4, 8)).sum().backward()
        opt.step()


def findings(logdir: Path, run: deepscope.Run) -> list[deepscope.records.Finding]:  # type: ignore[name-defined]
    run.finish()
    return [f for f in deepscope.open(logdir).list_findings(run.id)
            if f.detector == "nonfinite.first"]


def test_forward_nan_names_the_module_and_step(logdir: Path) -> None:
    run = deepscope.init(logdir=logdir, exit_hooks=False)
    fit(nn.Sequential(nn.Linear(8, 8), NanAt(6), nn.ReLU(), nn.Linear(8, 2)), 10, run, every=3)
    [f] = findings(logdir, run)
    assert (f.detector, f.category, f.severity) == ("nonfinite.first", "nonfinite", "error")
    assert f.layer == "1" and f.step_start == 5
    assert f.evidence["direction"] == "forward" and f.evidence["input_nonfinite"] is False
    assert "produced it" in f.message and f.suggestion


def test_nonfinite_input_is_blamed_on_the_input(logdir: Path) -> None:
    run = deepscope.init(logdir=logdir, exit_hooks=False)
    model = nn.Sequential(nn.Linear(8, 8), nn.Linear(8, 2))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    run.watch(model, optimizer=opt)
    x = torch.randn(4, 8)
    x[0, 0] = math.inf
    model(x).sum().backward()
    opt.step()
    [f] = findings(logdir, run)
    assert f.layer == "0" and f.evidence["input_nonfinite"] is True


def test_backward_inf_names_the_module_whose_backward_produced_it(logdir: Path) -> None:
    run = deepscope.init(logdir=logdir, exit_hooks=False)
    fit(nn.Sequential(nn.Linear(8, 8), nn.Tanh(), InfGrad(), nn.Linear(8, 2)), 3, run)
    [f] = findings(logdir, run)
    assert f.layer == "2" and f.step_start == 0
    assert f.evidence["direction"] == "backward" and f.evidence["output_grad_of"] == "1"
    assert set(f.evidence["parameters"]) == {"0.weight", "0.bias"}


def test_reported_once_then_quiet(logdir: Path) -> None:
    run = deepscope.init(logdir=logdir, exit_hooks=False)
    fit(nn.Sequential(nn.Linear(8, 8), InfGrad(), nn.Linear(8, 2)), 6, run)
    assert len(findings(logdir, run)) == 1


def test_raise_stops_before_the_bad_update(logdir: Path) -> None:
    run = deepscope.init(logdir=logdir, exit_hooks=False)
    model = nn.Sequential(nn.Linear(8, 8), NanAt(3), nn.Linear(8, 2))
    with pytest.raises(NonFiniteError, match=r"output of 1 \(NanAt\)") as info:
        fit(model, 5, run, on_nonfinite="raise")
    assert info.value.finding.step_start == 2
    assert all(torch.isfinite(p).all() for p in model.parameters())
    assert isinstance(info.value, deepscope.DeepscopeError)
    assert len(findings(logdir, run)) == 1


def test_warn_mode_warns(logdir: Path) -> None:
    run = deepscope.init(logdir=logdir, exit_hooks=False)
    with pytest.warns(RuntimeWarning, match="non-finite"):
        fit(nn.Sequential(nn.Linear(8, 8), NanAt(1), nn.Linear(8, 2)), 2, run,
            on_nonfinite="warn")
    run.finish()


def test_healthy_training_is_quiet_and_sentinel_can_be_off(logdir: Path) -> None:
    run = deepscope.init(logdir=logdir, exit_hooks=False)
    fit(nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 2)), 20, run)
    assert findings(logdir, run) == []
    run = deepscope.init(logdir=logdir, exit_hooks=False)
    fit(nn.Sequential(nn.Linear(8, 8), NanAt(1), nn.Linear(8, 2)), 2, run, on_nonfinite=None)
    assert findings(logdir, run) == []
