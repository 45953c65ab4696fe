"""Dead and saturated units, from the activation summaries of ``run.watch``.

A unit is *dead* in a capture when it is zero for every sample of the batch (ReLU family). A
layer is reported when at least ``DEAD_FRACTION`` of its units are dead in every one of its
last ``WINDOW`` captures (``SMALL_BATCH_WINDOW`` when a capture holds fewer than
``SMALL_BATCH`` values per unit, so a batch of one does not read as dead units).

A sigmoid/tanh layer is *saturated* when more than ``SATURATED_FRACTION`` of its
pre-activations have ``|x| >= 5``, in at least ``MAJORITY`` of its last ``WINDOW`` captures.
"""

from __future__ import annotations

from ...records import Finding
from ..view import RunView

DEAD_FRACTION = 0.7  # DeepDiagnosis' threshold, over units rather than raw zeros
SATURATED_FRACTION = 0.5  # DeepDiagnosis
WINDOW = 3  # last captures that must agree
SMALL_BATCH = 8  # values per unit in a capture below which the window grows
SMALL_BATCH_WINDOW = 10
MAJORITY = 0.67


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


DETECTORS = {"act.dead_units": dead_units, "act.saturated": saturated}
