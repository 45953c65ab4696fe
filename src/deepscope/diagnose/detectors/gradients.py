"""Exploding and vanishing gradients, from per-layer gradient norms of ``run.watch``.

Rules (AUTOTRAINER's, recalibrated on the bug suite in ``benchmarks/bugsuite``): over the
watched weight matrices that train (a parameter whose updates are all zero is left out: its
gradient is never applied, so it says nothing about gradient flow), in model order,
``r = ‖∇W_first‖ / ‖∇W_last‖`` and ``d = ‖∂L/∂out_first‖ / ‖∂L/∂out_last‖`` (the gradient
reaching the outputs of the first and last of those layers, ``activation_grads/``):
- exploding: ``r > EXPLODING_RATIO`` at ``MIN_HITS_FRACTION`` of the capture steps (at least
  ``MIN_HITS``), or the total gradient norm above ``EXPLODING_NORM`` at any capture;
- vanishing: ``r < VANISHING_RATIO`` and ``0 < ‖∇W_first‖ < VANISHING_FIRST_NORM``, or
  ``0 < d < VANISHING_OUTPUT_RATIO``, likewise sustained. ``d`` catches the case where the forward
  signal fades with the backward one (tiny activations make the last layer's weight gradient
  tiny too, so ``r`` stays near 1). A gradient of exactly 0 is not vanishing: nothing reaches
  the layer at all (dead units, zero inputs, a detached path), and other detectors say why.
"""

from __future__ import annotations

import numpy as np

from ...records import Finding
from ..view import RunView
from ._common import layer_of, norms_by_step, scalars_by_step, trained_weight_params

EXPLODING_RATIO = 70.0  # first/last layer gradient norm ratio
EXPLODING_NORM = 1e4  # total gradient norm
VANISHING_RATIO = 1e-3
VANISHING_FIRST_NORM = 1e-4  # first layer gradient norm
VANISHING_OUTPUT_RATIO = 1e-2  # first/last output-gradient ratio; healthy suite runs >= 0.15
MIN_HITS = 2  # capture steps that must agree
MIN_HITS_FRACTION = 0.5  # ... and at least this fraction of them (after the first)


def _sustained(mask: np.ndarray) -> bool:
    tail = mask[1:] if len(mask) > 2 else mask  # the first capture is at initialization
    return int(tail.sum()) >= MIN_HITS and tail.mean() >= MIN_HITS_FRACTION


def exploding(view: RunView) -> list[Finding]:
    """``grad.exploding``: gradients grow across depth or in total."""
    params = trained_weight_params(view)
    steps, norms = norms_by_step(view, params, "grads/")
    total = view.scalar("grad_norm/total")
    hits = np.zeros(len(steps), dtype=bool)
    ratio = np.full(len(steps), np.nan)
    if len(params) >= 2 and len(steps):
        ratio = norms[:, 0] / np.maximum(norms[:, -1], 1e-30)
        hits |= ratio > EXPLODING_RATIO
    finite_total = (total.values[np.isfinite(total.values)] if total is not None
                    else np.empty(0))
    peak = float(finite_total.max()) if len(finite_total) else float("nan")
    by_ratio = bool(len(steps)) and _sustained(hits)
    if not by_ratio and not peak > EXPLODING_NORM:
        return []
    if by_ratio:
        first = steps[int(np.argmax(hits))]
        what = (f"the first layer's gradient norm is up to {float(np.nanmax(ratio)):.3g}x the "
                f"last layer's (threshold {EXPLODING_RATIO:g}x)")
    else:
        assert total is not None
        first = int(total.steps[int(np.argmax(total.values > EXPLODING_NORM))])
        what = f"the total gradient norm reaches {peak:.3g} (threshold {EXPLODING_NORM:g})"
    return [Finding(
        "grad.exploding", "exploding_gradients", "error", first, steps[-1] if steps else first,
        f"Gradients explode: {what}; total gradient norm peaks at {peak:.3g}.",
        layer=layer_of(params[0]) if params else None,
        evidence={"series": [f"grads/{p}" for p in params[:1] + params[-1:]]
                  + ["grad_norm/total"],
                  "ratio_max": float(np.nanmax(ratio)) if hits.any() else None,
                  "total_norm_max": peak},
        suggestion="Clip gradients (torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)), "
                   "lower the learning rate, average rather than sum the loss over the batch, "
                   "scale regression targets, and check the initialization (e.g. kaiming for "
                   "ReLU) and normalization layers.")]


def vanishing(view: RunView) -> list[Finding]:
    """``grad.vanishing``: gradients fade toward the input layers."""
    params = trained_weight_params(view)
    if len(params) < 2:
        return []
    steps, norms = norms_by_step(view, params, "grads/")
    hits, ratio = np.zeros(0, dtype=bool), np.zeros(0)
    if steps:
        ratio = norms[:, 0] / np.maximum(norms[:, -1], 1e-30)
        hits = (ratio < VANISHING_RATIO) & (norms[:, 0] > 0) & (norms[:, 0] <
                                                                 VANISHING_FIRST_NORM)
    first, last = layer_of(params[0]), layer_of(params[-1])
    dsteps, dnorms = scalars_by_step(view, [f"activation_grads/{first}",
                                            f"activation_grads/{last}"])
    dhits, dratio = np.zeros(0, dtype=bool), np.zeros(0)
    if dsteps and first != last:
        dratio = dnorms[:, 0] / np.maximum(dnorms[:, 1], 1e-30)
        dhits = (dnorms[:, 0] > 0) & (dratio < VANISHING_OUTPUT_RATIO)
    if len(hits) and _sustained(hits):
        i = int(np.argmax(hits))
        at, how = steps[i], (f"gets a weight gradient of {float(norms[i, 0]):.2e}, "
                             f"{float(ratio[i]):.1e}x the last layer's (thresholds "
                             f"{VANISHING_RATIO:g}x and {VANISHING_FIRST_NORM:g})")
        end = steps[-1]
    elif len(dhits) and _sustained(dhits):
        i = int(np.argmax(dhits))
        at, how = dsteps[i], (f"receives {float(dratio[i]):.1e}x the gradient that reaches the "
                              f"last layer's output (threshold {VANISHING_OUTPUT_RATIO:g}x)")
        end = dsteps[-1]
    else:
        return []
    return [Finding(
        "grad.vanishing", "vanishing_gradients", "warning", at, end,
        f"Gradients vanish toward the input: the first layer ({params[0]}) {how}.",
        layer=first,
        evidence={"series": [f"grads/{params[0]}", f"grads/{params[-1]}",
                             f"activation_grads/{first}", f"activation_grads/{last}"],
                  "weight_grad_ratio_median": float(np.median(ratio)) if len(ratio) else None,
                  "output_grad_ratio_median": float(np.median(dratio)) if len(dratio)
                  else None},
        suggestion="Use ReLU-family activations instead of sigmoid/tanh in deep stacks, add "
                   "normalization (BatchNorm/LayerNorm) or residual connections, and use an "
                   "initialization suited to the activation (kaiming_normal_ for ReLU, "
                   "xavier_uniform_ for tanh).")]


DETECTORS = {"grad.exploding": exploding, "grad.vanishing": vanishing}
