"""Learning-rate scale, unused and frozen parameters, from gradients and update ratios.

- ``lr.too_high``: the median over parameters of the update-to-weight ratio exceeds
  ``HIGH_UPDATE_RATIO`` in ``MAJORITY`` of the captures (DeepDiagnosis' effective-step bound);
- ``lr.too_low``: it stays below ``LOW_UPDATE_RATIO`` likewise and the loss did not improve;
- ``params.unused``: a watched trainable parameter never received a gradient while others did;
- ``params.frozen``: a parameter received real gradients (median norm above
  ``FROZEN_MIN_GRAD``) but its updates stayed below ``FROZEN_RATIO`` of its norm at every
  capture while others moved (not in the optimizer, or a zero learning rate).
"""

from __future__ import annotations

import numpy as np

from ...records import Finding
from ..view import RunView
from ._common import layer_of

HIGH_UPDATE_RATIO = 0.1  # ||dW||/||W|| per step; ~1e-3 is typical of healthy training
LOW_UPDATE_RATIO = 1e-5
FROZEN_RATIO = 1e-10  # "unchanged": relative change below this
FROZEN_MIN_GRAD = 1e-6  # ... while the gradient norm is at least this (else it is vanishing)
MAJORITY = 0.67
MIN_CAPTURES = 3
LOSS_IMPROVEMENT = 0.05  # relative loss drop that counts as learning


def _update_matrix(view: RunView) -> tuple[list[str], list[int], np.ndarray]:
    names = [n.removeprefix("updates/") for n in view.names("scalar", "updates/")]
    series = [view.scalar(f"updates/{n}") for n in names]
    per = [dict(zip(s.steps.tolist(), s.values.tolist(), strict=True)) for s in series if s]
    if not per:
        return [], [], np.empty((0, 0))
    steps = sorted(set.intersection(*(set(d) for d in per)))
    return names, steps, np.array([[d[s] for d in per] for s in steps], dtype=np.float64)


def _loss_improved(view: RunView) -> bool:
    for name in view.loss_series():
        s = view.scalar(name)
        if s is None or len(s) < 4:
            continue
        v = s.values[np.isfinite(s.values)]
        k = max(1, len(v) // 10)
        if len(v) >= 4 and np.median(v[-k:]) < (1 - LOSS_IMPROVEMENT) * np.median(v[:k]):
            return True
    return False


def learning_rate(view: RunView) -> list[Finding]:
    """``lr.too_high`` / ``lr.too_low`` from update-to-weight ratios."""
    names, steps, m = _update_matrix(view)
    if len(steps) < MIN_CAPTURES:
        return []
    med = np.nanmedian(np.where(np.isfinite(m), m, np.nan), axis=1)
    evidence = {"series": [f"updates/{n}" for n in names[:4]], "steps": steps,
                "median_update_ratio": med.tolist()}
    if np.mean(med > HIGH_UPDATE_RATIO) >= MAJORITY:
        return [Finding(
            "lr.too_high", "lr_too_high", "warning", steps[0], steps[-1],
            f"Each step changes the weights by a median {np.median(med):.2g} of their norm "
            f"(threshold {HIGH_UPDATE_RATIO:g}; ~1e-3 is typical): the learning rate is likely "
            f"too high.", evidence=evidence,
            suggestion="Lower the learning rate 3-10x, or add warm-up; with Adam 3e-4 is a "
                       "safe start.")]
    if np.mean(med < LOW_UPDATE_RATIO) >= MAJORITY and not _loss_improved(view):
        return [Finding(
            "lr.too_low", "lr_too_low", "warning", steps[0], steps[-1],
            f"Each step changes the weights by a median {np.median(med):.2g} of their norm "
            f"(threshold {LOW_UPDATE_RATIO:g}) and the loss is not improving: the learning rate "
            f"is likely too low.", evidence=evidence,
            suggestion="Raise the learning rate 10x (or run a learning-rate range test).")]
    return []


def unused(view: RunView) -> list[Finding]:
    """``params.unused``: trainable parameters that never get a gradient."""
    weights = {n.removeprefix("weights/") for n in view.names("tensor", "weights/")}
    grads = {n.removeprefix("grads/") for n in view.names("tensor", "grads/")}
    missing = sorted(weights - grads)
    if not grads or not missing:
        return []
    return [Finding(
        "params.unused", "unused_parameters", "warning", None, None,
        f"{len(missing)} trainable parameter(s) never received a gradient: "
        f"{', '.join(missing[:8])}{'...' if len(missing) > 8 else ''}.",
        layer=layer_of(missing[0]), evidence={"parameters": missing},
        suggestion="These layers are not on the path from the inputs to the loss: remove them, "
                   "call them in forward(), or set requires_grad=False on purpose.")]


def frozen(view: RunView) -> list[Finding]:
    """``params.frozen``: parameters that get gradients but never move."""
    names, steps, m = _update_matrix(view)
    if len(steps) < MIN_CAPTURES or len(names) < 2:
        return []
    still = np.all(np.nan_to_num(m, nan=0.0) < FROZEN_RATIO, axis=0)
    if not still.any() or still.all():
        return []
    stuck = [n for n, s in zip(names, still, strict=True) if s and _median_grad(view, n)
             > FROZEN_MIN_GRAD]
    if not stuck:
        return []
    return [Finding(
        "params.frozen", "frozen_parameters", "warning", steps[0], steps[-1],
        f"{len(stuck)} parameter(s) receive gradients but never change: "
        f"{', '.join(stuck[:8])}{'...' if len(stuck) > 8 else ''}.",
        layer=layer_of(stuck[0]), evidence={"parameters": stuck,
                                            "series": [f"updates/{n}" for n in stuck[:4]]},
        suggestion="Pass every trainable parameter to the optimizer (e.g. "
                   "optimizer = Adam(model.parameters())), and check per-group learning rates "
                   "are not 0.")]


def _median_grad(view: RunView, param: str) -> float:
    norms = [p.summary.norm for p in view.summaries(f"grads/{param}")]
    return float(np.median(norms)) if norms else 0.0


DETECTORS = {"lr.update_ratio": learning_rate, "params.unused": unused, "params.frozen": frozen}
