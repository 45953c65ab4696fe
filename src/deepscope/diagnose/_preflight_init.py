"""``preflight.initial_loss``: the loss before any update, against the loss of knowing nothing.

The reference ("uninformed") loss is the user's own loss evaluated on a neutral output: zero
logits for cross-entropy and BCE-with-logits (ln C and ln 2 per sample), 0.5 for BCE, uniform
log-probabilities for NLL, and an all-zero prediction for regression losses (for MSE: the mean
squared target). Computing it with the user's loss keeps class weights, ``pos_weight``, label
smoothing and the reduction in the comparison.

Rules:
- classification: flag when ``loss0 > INIT_LOSS_RATIO * reference`` and
  ``loss0 - reference > INIT_LOSS_EXCESS_NATS`` per sample: the model starts confidently wrong;
- regression: flag when ``loss0 > INIT_REGRESSION_RATIO * reference``: the outputs start on a
  much larger scale than the targets; flag when the targets' std exceeds ``TARGET_SCALE_RATIO``
  times the outputs' std (and 1): the net must grow its outputs by orders of magnitude, which
  takes thousands of steps (standardize the targets); an *info* when the targets sit far from 0
  relative to their spread (``mean^2 > TARGET_OFFSET_RATIO * variance``): set the last bias to
  their mean.
A loss *below* the reference is never flagged (pretrained weights, a prior-initialized bias).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import torch

from ..records import Finding
from ._preflight_batch import finding, stats
from ._preflight_loss import (
    BCE,
    BCE_WITH_LOGITS,
    CROSS_ENTROPY,
    NLL,
    REGRESSION,
    LossFn,
    Probe,
    neutral_output,
    num_classes,
)

INIT_LOSS_RATIO = 2.0  # classification: initial loss above this multiple of the reference ...
INIT_LOSS_EXCESS_NATS = 1.0  # ... and above it by this many nats per sample
INIT_REGRESSION_RATIO = 4.0  # regression: initial loss above this multiple of predicting 0
TARGET_SCALE_RATIO = 100.0  # regression: target std above this multiple of the output std
TARGET_OFFSET_RATIO = 10.0  # regression targets: mean^2 above this multiple of their variance

DETECTOR = "preflight.initial_loss"


def initial_loss(probe: Probe, compute: LossFn, target: Any) -> list[Finding]:
    """``bad_initialization`` findings from the loss at step 0 (empty when it looks right)."""
    out, loss = probe.out, probe.loss
    if out is None or loss is None or not isinstance(probe.output, torch.Tensor):
        return []
    neutral = neutral_output(probe.kind, out)
    if neutral is None:
        return []
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a broadcasting warning is reported by loss_broadcast
        reference = compute(neutral, target).item()
    loss0 = loss.item()
    if not (math.isfinite(loss0) and math.isfinite(reference) and reference > 0):
        return []
    if probe.kind == REGRESSION:
        return _regression(loss0, reference, out, target)
    return _classification(probe.kind, loss0, reference, out)


def _nominal(kind: str | None, out: torch.Tensor) -> tuple[float, str]:
    if kind in (CROSS_ENTROPY, NLL):
        c = num_classes(out)
        return math.log(c), f"ln {c}, uniform over {c} classes"
    return math.log(2), "ln 2 per output, probability 0.5"


def _classification(kind: str | None, loss0: float, reference: float,
                    out: torch.Tensor) -> list[Finding]:
    if kind not in (CROSS_ENTROPY, NLL, BCE, BCE_WITH_LOGITS):
        return []
    nominal, meaning = _nominal(kind, out)
    per_sample = reference / nominal if nominal > 0 else 1.0  # reduction='sum' scales both
    excess = (loss0 - reference) / per_sample
    if loss0 <= INIT_LOSS_RATIO * reference or excess <= INIT_LOSS_EXCESS_NATS:
        return []
    return [finding(
        DETECTOR, "bad_initialization", "warning",
        f"The loss before training is {loss0:.4g}, expected about {reference:.4g} "
        f"({meaning}): the model starts confidently wrong, so the first steps only undo the "
        "initialization.",
        "Shrink the last layer's initialization (e.g. nn.init.zeros_ on its weight and bias, "
        "or scale it by 0.01), make sure no activation or scaling follows the logits, and "
        "check that the inputs are normalized.",
        {"initial_loss": loss0, "expected_loss": reference, "output": stats(out)})]


def _regression(loss0: float, reference: float, out: torch.Tensor,
                target: Any) -> list[Finding]:
    evidence: dict[str, object] = {"initial_loss": loss0, "loss_of_predicting_zero": reference,
                                   "output": stats(out)}
    if isinstance(target, torch.Tensor) and target.is_floating_point():
        evidence["target"] = stats(target)
    if loss0 > INIT_REGRESSION_RATIO * reference:
        return [finding(
            DETECTOR, "bad_initialization", "warning",
            f"The loss before training is {loss0:.4g}, {loss0 / reference:.1f}x the loss of "
            f"predicting 0 ({reference:.4g}): the outputs start on a much larger scale than "
            "the targets.",
            "Normalize the inputs, shrink the last layer's initialization, and standardize the "
            "targets (predict (y - mean) / std, undo it at inference).", evidence)]
    return _target_scale(out, target, evidence) or _target_offset(target, evidence)


def _target_scale(out: torch.Tensor, target: Any, evidence: dict[str, object]) -> list[Finding]:
    if not isinstance(target, torch.Tensor) or not target.is_floating_point() or (
            target.numel() < 2 or out.numel() < 2):
        return []
    t_std, o_std = target.detach().double().std().item(), out.double().std().item()
    if t_std <= 1.0 or t_std <= TARGET_SCALE_RATIO * o_std:
        return []
    return [finding(
        DETECTOR, "bad_initialization", "warning",
        f"The targets' spread (std {t_std:.4g}) is {t_std / max(o_std, 1e-12):.0f}x the "
        f"outputs' at initialization (std {o_std:.3g}): the network has to grow its outputs by "
        "orders of magnitude before it learns anything else.",
        "Standardize the targets (train on (y - mean) / std and undo it at inference), or "
        "scale the last layer's output.", evidence)]


def _target_offset(target: Any, evidence: dict[str, object]) -> list[Finding]:
    if not isinstance(target, torch.Tensor) or not target.is_floating_point():
        return []
    t = target.detach().double()
    mean, var = t.mean().item(), t.var().item() if t.numel() > 1 else 0.0
    if mean * mean <= TARGET_OFFSET_RATIO * max(var, 1e-12):
        return []
    return [finding(
        DETECTOR, "bad_initialization", "info",
        f"The targets are centred at {mean:.4g}, far from 0 compared with their spread "
        f"(std {math.sqrt(var):.4g}): the first updates will go into learning that offset.",
        f"Initialize the last layer's bias to {mean:.4g}, or standardize the targets.",
        evidence)]

