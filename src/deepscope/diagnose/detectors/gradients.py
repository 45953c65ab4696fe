"""Exploding and vanishing gradients, from per-layer gradient norms of ``run.watch``.

Rules (AUTOTRAINER's, recalibrated on our bug suite): with ``r = ‖∇W_first‖ / ‖∇W_last‖`` over
the watched weight matrices in model order,
- exploding: ``r > EXPLODING_RATIO`` or the total gradient norm above ``EXPLODING_NORM``, at
  ``MIN_HITS_FRACTION`` of the capture steps (at least ``MIN_HITS``);
- vanishing: ``r < VANISHING_RATIO`` and ``‖∇W_first‖ < VANISHING_FIRST_NORM`` likewise.
"""

from __future__ import annotations

import numpy as np

from ...records import Finding
from ..view import RunView
from ._common import layer_of, norms_by_step, weight_params

EXPLODING_RATIO = 70.0  # first/last layer gradient norm ratio
EXPLODING_NORM = 1e4  # total gradient norm
VANISHING_RATIO = 1e-3
VANISHING_FIRST_NORM = 1e-4  # first layer gradient norm
MIN_HITS = 2  # capture steps that must agree
MIN_HITS_FRACTION = 0.5  # ... and at least this fraction of them (after the first)


def _sustained(mask: np.ndarray) -> bool:
    tail = mask[1:] if len(mask) > 2 else mask  # the first capture is at initialization
    return int(tail.sum()) >= MIN_HITS and tail.mean() >= MIN_HITS_FRACTION


def exploding(view: RunView) -> list[Finding]:
    """``grad.exploding``: gradients grow across depth or in total."""
    params = weight_params(view)
    steps, norms = norms_by_step(view, params, "grads/")
    total = view.scalar("grad_norm/total")
    hits = np.zeros(len(steps), dtype=bool)
    ratio = np.full(len(steps), np.nan)
    if len(params) >= 2 and len(steps):
        ratio = norms[:, 0] / np.maximum(norms[:, -1], 1e-30)
        hits |= ratio > EXPLODING_RATIO
    big_total = total is not None and len(total) and np.nanmax(
        np.where(np.isfinite(total.values), total.values, -np.inf)) > EXPLODING_NORM
    if not (len(steps) and _sustained(hits)) and not big_total:
        return []
    first = steps[int(np.argmax(hits))] if hits.any() else int(total.steps[0])  # type: ignore[union-attr]
    worst = float(np.nanmax(ratio)) if hits.any() else float("nan")
    peak = float(np.nanmax(total.values)) if total is not None and len(total) else float("nan")
    return [Finding(
        "grad.exploding", "exploding_gradients", "error", first, steps[-1] if steps else first,
        f"Gradients explode: the first layer's gradient norm is up to {worst:.3g}x the last "
        f"layer's (threshold {EXPLODING_RATIO:g}x); total gradient norm peaks at {peak:.3g}.",
        layer=layer_of(params[0]) if params else None,
        evidence={"series": [f"grads/{p}" for p in params[:2]] + ["grad_norm/total"],
                  "ratio_max": worst, "total_norm_max": peak},
        suggestion="Clip gradients (torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)), "
                   "lower the learning rate, and check the initialization (e.g. kaiming for "
                   "ReLU) and normalization layers.")]


def vanishing(view: RunView) -> list[Finding]:
    """``grad.vanishing``: gradients fade toward the input layers."""
    params = weight_params(view)
    steps, norms = norms_by_step(view, params, "grads/")
    if len(params) < 2 or not steps:
        return []
    ratio = norms[:, 0] / np.maximum(norms[:, -1], 1e-30)
    hits = (ratio < VANISHING_RATIO) & (norms[:, 0] < VANISHING_FIRST_NORM)
    if not _sustained(hits):
        return []
    i = int(np.argmax(hits))
    return [Finding(
        "grad.vanishing", "vanishing_gradients", "warning", steps[i], steps[-1],
        f"Gradients vanish toward the input: the first layer ({params[0]}) gets "
        f"{float(norms[i, 0]):.2e}, {float(ratio[i]):.1e}x the last layer's gradient norm "
        f"(thresholds {VANISHING_RATIO:g}x and {VANISHING_FIRST_NORM:g}).",
        layer=layer_of(params[0]),
        evidence={"series": [f"grads/{params[0]}", f"grads/{params[-1]}"],
                  "first_norm": float(norms[i, 0]), "ratio": float(ratio[i])},
        suggestion="Use ReLU-family activations instead of sigmoid/tanh in deep stacks, add "
                   "normalization (BatchNorm/LayerNorm) or residual connections, and use an "
                   "initialization suited to the activation (kaiming_normal_ for ReLU).")]


DETECTORS = {"grad.exploding": exploding, "grad.vanishing": vanishing}
