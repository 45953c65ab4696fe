"""Learning-rate scale, unused, frozen and constant-initialized parameters, from gradients,
weights and update ratios.

The update ratio of a parameter at a capture is ``‖ΔW‖/‖W‖``; per capture the learning-rate
rules use the median over the weight matrices (biases are small and their ratios noisy, as in
DeepDiagnosis' effective step ``lr·‖∇W‖/‖W‖``; all parameters when no matrix is watched) that
moved (an update below ``STILL_RATIO`` is not a small learning rate but none:
``params.frozen`` reports it) and had a non-zero norm (a zero-initialized weight has no
meaningful ratio).

- ``lr.too_high``: the median ratio exceeds ``HIGH_UPDATE_RATIO`` in ``MAJORITY`` of the captures
  (DeepDiagnosis' effective-step bound), or in at least ``HIGH_MIN_CAPTURES`` of them after the
  first (Adam's first step is always its largest relative move) while the training loss is
  unstable: ``UNSTABLE_FRACTION`` of its second half lies above where it
  started (the large steps bought nothing). An error when the loss ended no lower than it
  started (the run failed, as with ``loss.diverging``), else a warning;
- ``lr.too_low``: the ratio stays below ``LOW_UPDATE_RATIO`` in ``MAJORITY`` of the captures and
  the loss did not improve by ``LOSS_IMPROVEMENT``; or the updates stalled (median of the second
  half of the captures below ``STALLED_UPDATE_RATIO``, e.g. a schedule that decayed the learning
  rate to ~0) while the gradients did not (their median norm over that half is at least
  ``ALIVE_GRAD_FRACTION`` of the first half's: dead units stall updates too, by starving the
  gradients) and the loss did not improve over that half;
- ``params.unused``: a watched trainable parameter never received a gradient while others did;
- ``params.frozen``: a parameter received real gradients (median norm above
  ``FROZEN_MIN_GRAD``) but its updates stayed below ``STILL_RATIO`` of its norm at every capture
  (not in the optimizer, an optimizer built on another model, or a learning rate of 0);
- ``params.constant_init``: a weight matrix whose entries are all equal at its first capture
  (relative spread below ``CONSTANT_SPREAD``): with a non-zero value always (no initialization
  scheme does that on purpose), with zeros when it is still constant at its last capture (its
  units are identical copies training never separated; a zero-initialized last layer or
  residual branch moves away from zero and is fine).
"""

from __future__ import annotations

import numpy as np

from ...records import Finding, TensorSummary
from ..view import RunView
from ._common import STILL_RATIO, layer_of, train_loss, weight_params

HIGH_UPDATE_RATIO = 0.1  # ||dW||/||W|| per step; ~1e-3 is typical of healthy training
HIGH_MIN_CAPTURES = 1  # captures above HIGH_UPDATE_RATIO that count with an unstable loss
UNSTABLE_FRACTION = 0.1  # share of the loss's second half above its starting level
LOW_UPDATE_RATIO = 1e-4  # healthy runs of the bug suite: medians 9e-4 .. 2e-2
STALLED_UPDATE_RATIO = 1e-6  # the updates stopped (a schedule decayed the rate to ~0) ...
ALIVE_GRAD_FRACTION = 1e-2  # ... while the gradients kept this fraction of their early size
FROZEN_MIN_GRAD = 1e-6  # ... while the gradient norm is at least this (else it is vanishing)
CONSTANT_SPREAD = 1e-6  # std / max(|mean|, tiny) of a weight matrix whose entries are equal
MAJORITY = 0.67
MIN_CAPTURES = 3
LOSS_IMPROVEMENT = 0.05  # relative loss drop that counts as learning
HEAD_FRACTION = 0.05  # the loss's starting level: mean of its first 5 % of points


def _weight_norms(view: RunView, name: str) -> dict[int, float]:
    return {p.step: p.summary.norm for p in view.summaries(f"weights/{name}")}


def _update_matrix(view: RunView) -> tuple[list[str], list[int], np.ndarray]:
    """Parameter names, capture steps and update ratios (NaN where the weight's norm was 0)."""
    names = [n.removeprefix("updates/") for n in view.names("scalar", "updates/")]
    series = [view.scalar(f"updates/{n}") for n in names]
    per = [dict(zip(s.steps.tolist(), s.values.tolist(), strict=True)) for s in series if s]
    if not per:
        return [], [], np.empty((0, 0))
    steps = sorted(set.intersection(*(set(d) for d in per)))
    m = np.array([[d[s] for d in per] for s in steps], dtype=np.float64)
    for j, n in enumerate(names):
        norms = _weight_norms(view, n)
        zero = [i for i, s in enumerate(steps) if norms.get(s, 1.0) == 0.0]
        m[zero, j] = np.nan
    return names, steps, m


def _loss_improved(view: RunView, since: int | None = None) -> bool:
    loss = train_loss(view)
    if loss is None:
        return False
    steps, v = loss
    v = v if since is None else v[steps >= since]
    if len(v) < 4:
        return False
    head = float(np.mean(v[:max(1, int(len(v) * HEAD_FRACTION))]))  # a mean: spikes count
    return bool(np.median(v[-max(1, len(v) // 10):]) < (1 - LOSS_IMPROVEMENT) * head)


def _loss_unstable(view: RunView) -> bool:
    loss = train_loss(view)
    if loss is None or len(loss[1]) < 20:
        return False
    v = loss[1]
    head = float(np.mean(v[:max(1, int(len(v) * HEAD_FRACTION))]))
    return bool(np.mean(v[len(v) // 2:] > head) >= UNSTABLE_FRACTION)


def _median_moving(m: np.ndarray) -> np.ndarray:
    moving = np.where(np.isfinite(m) & (m >= STILL_RATIO), m, np.nan)
    out = np.full(len(m), np.nan)
    rows = ~np.all(np.isnan(moving), axis=1)
    out[rows] = np.nanmedian(moving[rows], axis=1)
    return out


def learning_rate(view: RunView) -> list[Finding]:
    """``lr.too_high`` / ``lr.too_low`` from update-to-weight ratios."""
    names, steps, m = _update_matrix(view)
    matrices = set(weight_params(view))
    if any(n in matrices for n in names):
        keep = [j for j, n in enumerate(names) if n in matrices]
        names, m = [names[j] for j in keep], m[:, keep]
    med = _median_moving(m)
    ok = np.isfinite(med)
    if ok.sum() < MIN_CAPTURES:
        return []
    valid, vsteps = med[ok], [s for s, k in zip(steps, ok, strict=True) if k]
    evidence = {"series": [f"updates/{n}" for n in names[:4]], "steps": vsteps,
                "median_update_ratio": valid.tolist()}
    high = valid > HIGH_UPDATE_RATIO
    later = high[1:] if vsteps[0] == steps[0] else high
    if np.mean(high) >= MAJORITY or (later.sum() >= HIGH_MIN_CAPTURES and _loss_unstable(view)):
        return [_too_high(valid, vsteps, high, evidence, failed=_no_progress(view))]
    if np.mean(valid < LOW_UPDATE_RATIO) >= MAJORITY and not _loss_improved(view):
        return [Finding(
            "lr.too_low", "lr_too_low", "warning", vsteps[0], vsteps[-1],
            f"Each step changes the weights by a median {np.median(valid):.2g} of their norm "
            f"(threshold {LOW_UPDATE_RATIO:g}; ~1e-3 is typical) and the loss is not "
            f"improving: the learning rate is likely too low.", evidence=evidence,
            suggestion="Raise the learning rate 10x (or run a learning-rate range test).")]
    late = len(valid) // 2
    if np.median(valid[late:]) < STALLED_UPDATE_RATIO and _grads_alive(
            view, names, vsteps[late]) and not _loss_improved(view, since=vsteps[late]):
        start = vsteps[int(np.argmax(valid < STALLED_UPDATE_RATIO))]
        return [Finding(
            "lr.too_low", "lr_too_low", "warning", start, vsteps[-1],
            f"The updates stalled: from step {start} each step changes the weights by less "
            f"than {STALLED_UPDATE_RATIO:g} of their norm (median {np.median(valid[late:]):.2g} "
            f"over the second half) and the loss stopped improving: the learning rate decayed "
            f"to almost nothing.", evidence=evidence,
            suggestion="Check the schedule: step epoch-based schedulers (StepLR, "
                       "MultiStepLR) once per epoch, not per batch, and give decays a floor "
                       "(eta_min, a minimum factor).")]
    return []


def _grads_alive(view: RunView, names: list[str], since: int) -> bool:
    early: list[float] = []
    late: list[float] = []
    for n in names:
        for p in view.summaries(f"grads/{n}"):
            (late if p.step >= since else early).append(p.summary.norm)
    return bool(early and late and np.median(late) >= ALIVE_GRAD_FRACTION * np.median(early))


def _no_progress(view: RunView) -> bool:
    loss = train_loss(view)
    if loss is None or len(loss[1]) < 20:
        return False
    v = loss[1]
    head = float(np.mean(v[:max(1, int(len(v) * HEAD_FRACTION))]))
    return float(np.mean(v[-max(1, len(v) // 10):])) >= head


def _too_high(valid: np.ndarray, steps: list[int], high: np.ndarray,
              evidence: dict[str, object], *, failed: bool) -> Finding:
    sustained = np.mean(high) >= MAJORITY
    why = ("" if sustained else f" in {int(high.sum())} captures, and the loss spent its second "
           f"half largely above where it started")
    if failed:
        why += "; the loss ended no lower than it started"
    return Finding(
        "lr.too_high", "lr_too_high", "error" if failed else "warning",
        steps[int(np.argmax(high))], steps[-1],
        f"Steps change the weights by up to {float(valid.max()):.2g} of their norm (median "
        f"{np.median(valid):.2g}; threshold {HIGH_UPDATE_RATIO:g}, ~1e-3 is typical){why}: "
        f"the learning rate is likely too high.", evidence=evidence,
        suggestion="Lower the learning rate 3-10x, or add warm-up; with Adam 3e-4 is a safe "
                   "start.")


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
                   "call them in forward(), drop a stray .detach(), or set requires_grad=False "
                   "on purpose.")]


def frozen(view: RunView) -> list[Finding]:
    """``params.frozen``: parameters that get gradients but never move."""
    names, steps, m = _update_matrix(view)
    if len(steps) < MIN_CAPTURES:
        return []
    still = np.all(np.nan_to_num(m, nan=0.0) < STILL_RATIO, axis=0)
    stuck = [n for n, s in zip(names, still, strict=True) if s and _median_grad(view, n)
             > FROZEN_MIN_GRAD]
    if not stuck:
        return []
    everything = len(stuck) == len(names)
    what = ("None of the model's parameters changed although all receive gradients: the "
            "optimizer does not update this model" if everything else
            f"{len(stuck)} parameter(s) receive gradients but never change")
    return [Finding(
        "params.frozen", "frozen_parameters", "warning", steps[0], steps[-1],
        f"{what}: {', '.join(stuck[:8])}{'...' if len(stuck) > 8 else ''}.",
        layer=layer_of(stuck[0]), evidence={"parameters": stuck,
                                            "series": [f"updates/{n}" for n in stuck[:4]]},
        suggestion="Pass every trainable parameter of the model you train to the optimizer "
                   "(build it after replacing layers, from the same model instance), and check "
                   "per-group learning rates are not 0; freeze on purpose with "
                   "requires_grad_(False).")]


def _median_grad(view: RunView, param: str) -> float:
    norms = [p.summary.norm for p in view.summaries(f"grads/{param}")]
    return float(np.median(norms)) if norms else 0.0


def constant_init(view: RunView) -> list[Finding]:
    """``params.constant_init``: weight matrices initialized constant that never diverged."""
    stuck = []
    for p in weight_params(view):
        pts = view.summaries(f"weights/{p}")
        if not pts or not _constant(pts[0].summary):
            continue
        if pts[0].summary.mean != 0 or (len(pts) >= 2 and _constant(pts[-1].summary)):
            stuck.append((p, pts[0].summary.mean, pts[0].step, pts[-1].step))
    if not stuck:
        return []
    names = [p for p, *_ in stuck]
    return [Finding(
        "params.constant_init", "bad_initialization", "error", stuck[0][2], stuck[0][3],
        f"{len(names)} weight matrix(es) started with all entries equal ({names[0]} = "
        f"{stuck[0][1]:.3g} everywhere): their units start as identical copies, which "
        f"gradient descent separates slowly or never: "
        f"{', '.join(names[:8])}{'...' if len(names) > 8 else ''}.",
        layer=layer_of(names[0]),
        evidence={"parameters": names, "series": [f"weights/{p}" for p in names[:4]]},
        suggestion="Initialize weights randomly (the layer's default, or "
                   "nn.init.kaiming_normal_ for ReLU / xavier_uniform_ for tanh); only biases, "
                   "and at most the last layer's weights, may start at zero.")]


def _constant(s: TensorSummary) -> bool:
    return float(s.std) <= CONSTANT_SPREAD * max(abs(float(s.mean)), 1e-12)


DETECTORS = {"lr.update_ratio": learning_rate, "params.unused": unused, "params.frozen": frozen,
             "params.constant_init": constant_init}
