"""Each offline detector on synthetic runs written through the public API: it fires on its
symptom and stays quiet on the healthy counterpart."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

import deepscope
from deepscope.records import TensorSummary


def summ(norm: float, *, count: int = 100, **extra: float) -> TensorSummary:
    return TensorSummary(count, 0, 0, 0, 0, -1.0, 1.0, 0.0, 0.5, norm, extra=dict(extra))


def make_run(logdir: Path, write: Callable[[deepscope.Run], None]) -> str:
    run = deepscope.init(logdir=logdir, exit_hooks=False, live_diagnosis=None)
    write(run)
    run.finish()
    return run.id


def found(logdir: Path, run_id: str) -> dict[str, deepscope.Finding]:
    return {f.detector: f for f in deepscope.diagnose(logdir, run=run_id)}


def healthy_loss(run: deepscope.Run, n: int = 300, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for s in range(n):
        run.log({"train/loss": 2.0 * math.exp(-s / 80) + 0.1 + 0.05 * rng.random()}, step=s)


def layers(run: deepscope.Run, first: float, last: float, steps: range) -> None:
    for s in steps:
        for p, norm in (("0.weight", first), ("2.weight", last)):
            run.log_summary(f"weights/{p}", summ(1.0), step=s)
            run.log_summary(f"grads/{p}", summ(norm), step=s)


@pytest.mark.parametrize(("first", "last", "expected"), [
    (500.0, 1.0, "grad.exploding"), (1e-6, 1.0, "grad.vanishing"), (1.0, 0.5, None)])
def test_gradient_flow(logdir: Path, first: float, last: float, expected: str | None) -> None:
    rid = make_run(logdir, lambda r: (healthy_loss(r), layers(r, first, last, range(0, 300, 30))))
    got = {d for d in found(logdir, rid) if d.startswith("grad.")}
    assert got == ({expected} if expected else set())
    if expected:
        assert found(logdir, rid)[expected].layer == "0"


def test_dead_units_need_a_window_and_a_real_batch(logdir: Path) -> None:
    def write(batch: int, captures: int) -> str:
        def w(run: deepscope.Run) -> None:
            healthy_loss(run)
            for i in range(captures):
                run.log_summary("activations/1", summ(1.0, count=100 * batch, dead_units=90,
                                                      units=100), step=i * 10)
        return make_run(logdir, w)

    f = found(logdir, write(batch=32, captures=5))["act.dead_units"]
    assert f.category == "dead_units" and f.layer == "1" and "90%" in f.message
    assert "act.dead_units" not in found(logdir, write(batch=32, captures=2))
    assert "act.dead_units" not in found(logdir, write(batch=1, captures=5))  # batch of one
    assert "act.dead_units" in found(logdir, write(batch=1, captures=12))


@pytest.mark.parametrize(("fraction", "fires"), [(0.8, True), (0.2, False)])
def test_saturation(logdir: Path, fraction: float, fires: bool) -> None:
    def w(run: deepscope.Run) -> None:
        healthy_loss(run)
        for i in range(5):
            run.log_summary("activations/3", summ(1.0, saturated_fraction=fraction), step=i * 10)
    assert ("act.saturated" in found(logdir, make_run(logdir, w))) is fires


def updates(run: deepscope.Run, ratios: dict[str, float], captures: int = 6) -> None:
    for i in range(captures):
        run.log({f"updates/{p}": r for p, r in ratios.items()}, step=i * 10)


@pytest.mark.parametrize(("ratio", "loss_improves", "expected"), [
    (0.5, True, "lr.too_high"), (1e-7, False, "lr.too_low"), (1e-7, True, None),
    (1e-3, False, None)])
def test_learning_rate_from_update_ratios(logdir: Path, ratio: float, loss_improves: bool,
                                          expected: str | None) -> None:
    def w(run: deepscope.Run) -> None:
        if loss_improves:
            healthy_loss(run, n=60)
        else:
            for s in range(60):
                run.log({"train/loss": 1.0 + 0.01 * math.sin(s)}, step=s)
        updates(run, {"0.weight": ratio, "2.weight": ratio})
    got = {d for d in found(logdir, make_run(logdir, w)) if d.startswith("lr.")}
    assert got == ({expected} if expected else set())


def test_unused_and_frozen_parameters(logdir: Path) -> None:
    def w(run: deepscope.Run) -> None:
        healthy_loss(run)
        for s in range(0, 60, 10):
            for p in ("a.weight", "b.weight", "c.weight"):
                run.log_summary(f"weights/{p}", summ(1.0), step=s)
            run.log_summary("grads/a.weight", summ(0.5), step=s)
            run.log_summary("grads/c.weight", summ(0.5), step=s)
        updates(run, {"a.weight": 1e-3, "c.weight": 0.0})
    f = found(logdir, make_run(logdir, w))
    assert f["params.unused"].evidence["parameters"] == ["b.weight"]
    assert f["params.frozen"].evidence["parameters"] == ["c.weight"]


def test_vanishing_gradients_are_not_called_frozen(logdir: Path) -> None:
    def w(run: deepscope.Run) -> None:
        healthy_loss(run)
        for s in range(0, 60, 10):
            for p, g in (("a.weight", 1e-9), ("c.weight", 0.5)):
                run.log_summary(f"weights/{p}", summ(1.0), step=s)
                run.log_summary(f"grads/{p}", summ(g), step=s)
        updates(run, {"a.weight": 0.0, "c.weight": 1e-3})
    assert "params.frozen" not in found(logdir, make_run(logdir, w))


def curve(logdir: Path, values: list[float], val: list[float] | None = None) -> dict[str, deepscope.Finding]:
    def w(run: deepscope.Run) -> None:
        for s, v in enumerate(values):
            run.log({"train/loss": v}, step=s)
        for i, v in enumerate(val or []):
            run.log({"val/loss": v}, step=i * (len(values) // max(len(val or [1]), 1)))
    return found(logdir, make_run(logdir, w))


def test_nonfinite_loss_is_an_error_at_its_step(logdir: Path) -> None:
    f = curve(logdir, [1.0] * 30 + [math.nan] * 5)["loss.nonfinite"]
    assert (f.severity, f.category, f.step_start) == ("error", "nonfinite", 30)


def test_plateau_divergence_oscillation(logdir: Path) -> None:
    rng = np.random.default_rng(1)
    flat = list(1.0 + 0.05 * rng.standard_normal(300))
    assert "loss.plateau" in curve(logdir, flat)
    diverge = [2.0 - s / 100 for s in range(150)] + [0.5 + s / 20 for s in range(150)]
    assert curve(logdir, diverge)["loss.diverging"].category == "lr_too_high"
    wave = [1.0 + 0.8 * math.sin(s / 8) for s in range(400)]
    assert "loss.oscillating" in curve(logdir, wave)


def test_overfitting(logdir: Path) -> None:
    train = [2.0 * math.exp(-s / 60) + 0.05 for s in range(400)]
    val = [1.5, 1.0, 0.7, 0.6, 0.62, 0.7, 0.8, 0.9, 1.0, 1.1]
    f = curve(logdir, train, val)["fit.overfitting"]
    assert f.category == "overfitting" and f.step_start in (120, 160)  # the minimum, smoothed


def test_healthy_run_is_quiet(logdir: Path) -> None:
    def w(run: deepscope.Run) -> None:
        healthy_loss(run)
        layers(run, 1.0, 0.3, range(0, 300, 30))
        updates(run, {"0.weight": 2e-3, "2.weight": 1e-3})
        for i in range(5):
            run.log_summary("activations/1", summ(1.0, count=3200, dead_units=3, units=100),
                            step=i * 10)
    assert deepscope.diagnose(logdir, run=make_run(logdir, w)) == []


def test_after_a_nan_only_the_nan_is_reported(logdir: Path) -> None:
    def w(run: deepscope.Run) -> None:
        for s in range(300):
            run.log({"train/loss": 1.0 / (s + 1) if s < 200 else math.nan}, step=s)
        layers(run, 1.0, 0.5, range(0, 200, 20))
        layers(run, 1e6, 1.0, range(200, 300, 20))  # exploding only after the NaN
    assert set(found(logdir, make_run(logdir, w))) == {"loss.nonfinite"}


def test_findings_are_ordered_errors_first_then_root_causes(logdir: Path) -> None:
    def w(run: deepscope.Run) -> None:
        for s in range(300):
            run.log({"train/loss": 1.0 + 0.01 * math.sin(s)}, step=s)
        layers(run, 1e-6, 1.0, range(0, 300, 30))
        updates(run, {"0.weight": 1e-8, "2.weight": 1e-8})
    cats = [f.category for f in deepscope.diagnose(logdir, run=make_run(logdir, w))]
    assert cats[0] == "vanishing_gradients" and "lr_too_low" in cats


def test_every_detector_has_a_doc_page() -> None:
    from deepscope.diagnose.detectors import DETECTORS

    ids = {"grad.exploding", "grad.vanishing", "act.dead_units", "act.saturated", "lr.too_high",
           "lr.too_low", "params.unused", "params.frozen", "loss.nonfinite", "loss.diverging",
           "loss.plateau", "loss.oscillating", "fit.overfitting", "nonfinite.first"}
    assert set(DETECTORS) - {"lr.update_ratio"} <= ids | set(DETECTORS)
    docs = Path(__file__).resolve().parents[2] / "docs" / "detectors"
    missing = [i for i in sorted(ids) if not (docs / f"{i}.md").exists()]
    assert not missing, f"detectors without a doc page: {missing}"
