"""Dead and saturated units, from the activation summaries of ``run.watch``.

A unit is *dead* in a capture when it is zero for every sample of the batch (ReLU family). A
layer is reported when at least ``DEAD_FRACTION`` of its units are dead in every one of its
last ``WINDOW`` captures (``SMALL_BATCH_WINDOW`` when a capture holds fewer than
``SMALL_BATCH`` values per unit, so a batch of one does not read as dead units).

A sigmoid/tanh layer is *saturated* when more than ``SATURATED_FRACTION`` of its
pre-activations have ``|x| >= 5``, in at least ``MAJORITY`` of its last ``WINDOW`` captures.

The *input scale* is estimated where the first weight layer (in model order) meets the data, at
its first capture (initialization, before any update): for ``y = W x + b`` with random ``W``,
``rms(Wx) ~ rms(x) * rms(W) * sqrt(fan_in)``, so ``rms(x) ~ rms(Wx) / (rms(W) sqrt(fan_in))``
with ``fan_in`` = the weight's elements per output unit and ``rms(Wx)^2 ~ rms(y)^2 - rms(b)^2``
(the bias is taken out: a large bias is not a large input). Only a layer with a single weight
matrix is read this way (a recurrent layer's output also carries its recurrence). Inputs are
reported as not normalized
when that exceeds ``INPUT_RMS_MAX`` (AUTOTRAINER flags mean |output| >= 10 of any layer; UMLAUT
inputs outside [-1, 1]).
"""

from __future__ import annotations

import math

from ...records import Finding, TensorSummary
from ..view import RunView
from ._common import layer_of, param_shapes, weight_params

DEAD_FRACTION = 0.7  # DeepDiagnosis' threshold, over units rather than raw zeros
SATURATED_FRACTION = 0.5  # DeepDiagnosis
WINDOW = 3  # last captures that must agree
SMALL_BATCH = 8  # values per unit in a capture below which the window grows
SMALL_BATCH_WINDOW = 10
MAJORITY = 0.67
INPUT_RMS_MAX = 5.0  # estimated RMS of the first weight layer's input; standardized data ~1


def dead_units(view: RunView) -> list[Finding]:
    """``act.dead_units``: ReLU units that never fire."""
    out = []
    for name in view.names("tensor", "activations/"):
        pts = [p for p in view.summaries(name) if "units" in p.summary.extra]
        if not pts:
            continue
        per_unit = pts[-1].summary.count / max(pts[-1].summary.extra["units"], 1)
        window = WINDOW if per_unit >= SMALL_BATCH else SMALL_BATCH_WINDOW
        if len(pts) < window:
            continue
        recent = pts[-window:]
        fractions = [p.summary.extra["dead_units"] / max(p.summary.extra["units"], 1)
                     for p in recent]
        if min(fractions) < DEAD_FRACTION:
            continue
        layer = name.removeprefix("activations/")
        out.append(Finding(
            "act.dead_units", "dead_units", "warning", recent[0].step, recent[-1].step,
            f"{min(fractions):.0%} or more of the units after {layer} never activated in each "
            f"of the last {window} captures (threshold {DEAD_FRACTION:.0%}).",
            layer=layer,
            evidence={"series": [name], "steps": [p.step for p in recent],
                      "dead_fraction": fractions},
            suggestion="Lower the learning rate, use LeakyReLU/GELU, initialize with "
                       "kaiming_normal_ and a small positive bias, or add normalization before "
                       "the activation."))
    return out


def saturated(view: RunView) -> list[Finding]:
    """``act.saturated``: sigmoid/tanh units stuck in their flat regions."""
    out = []
    for name in view.names("tensor", "activations/"):
        pts = [p for p in view.summaries(name) if "saturated_fraction" in p.summary.extra]
        if len(pts) < WINDOW:
            continue
        recent = pts[-WINDOW:]
        fractions = [p.summary.extra["saturated_fraction"] for p in recent]
        hits = sum(f > SATURATED_FRACTION for f in fractions)
        if hits < MAJORITY * len(recent):
            continue
        layer = name.removeprefix("activations/")
        out.append(Finding(
            "act.saturated", "saturated_units", "warning", recent[0].step, recent[-1].step,
            f"{max(fractions):.0%} of the pre-activations into {layer} have |x| >= 5 (threshold "
            f"{SATURATED_FRACTION:.0%}): its gradients are nearly zero.",
            layer=layer,
            evidence={"series": [name], "steps": [p.step for p in recent],
                      "saturated_fraction": fractions},
            suggestion="Normalize inputs, scale down the initialization of the layer before "
                       "(xavier_uniform_), add BatchNorm/LayerNorm before the activation, or "
                       "use ReLU-family activations in hidden layers."))
    return out


def input_scale(view: RunView) -> list[Finding]:
    """``act.input_scale``: the data reaching the first weight layer is far from unit scale."""
    params = weight_params(view)
    if not params:
        return []
    param, layer = params[0], layer_of(params[0])
    weights, acts = view.summaries(f"weights/{param}"), view.summaries(f"activations/{layer}")
    shapes = param_shapes(view.model)
    shape = shapes.get(param)
    matrices = [p for p, s in shapes.items() if layer_of(p) == layer and len(s) >= 2]
    if (not weights or not acts or not shape or len(shape) < 2 or len(matrices) != 1
            or acts[0].step != weights[0].step):
        return []
    fan_in = math.prod(shape) / shape[0]
    w_rms = _rms(weights[0].summary)
    if not w_rms > 0:
        return []
    bias = [p for p in view.summaries(f"weights/{layer}.bias") if p.step == acts[0].step]
    b_rms = _rms(bias[0].summary) if bias else 0.0
    wx_rms = math.sqrt(max(_rms(acts[0].summary) ** 2 - b_rms ** 2, 0.0))
    x_rms = wx_rms / (w_rms * math.sqrt(fan_in))
    if not x_rms > INPUT_RMS_MAX:
        return []
    return [Finding(
        "act.input_scale", "unnormalized_inputs", "warning", acts[0].step, acts[0].step,
        f"The data reaching {layer} is not normalized: its output at step {acts[0].step} "
        f"(RMS {_rms(acts[0].summary):.3g}) implies inputs with an RMS of about {x_rms:.3g} "
        f"(threshold {INPUT_RMS_MAX:g}; standardized data is ~1).",
        layer=layer,
        evidence={"series": [f"activations/{layer}", f"weights/{param}"],
                  "steps": [acts[0].step], "input_rms_estimate": x_rms},
        suggestion="Standardize inputs with statistics of the training set ((x - mean) / std "
                   "per feature, e.g. sklearn's StandardScaler), divide pixels by 255, or put a "
                   "normalization layer first.")]


def _rms(s: TensorSummary) -> float:
    return float(s.norm) / math.sqrt(max(s.count, 1))


DETECTORS = {"act.dead_units": dead_units, "act.saturated": saturated,
             "act.input_scale": input_scale}
