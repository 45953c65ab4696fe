"""Does the output fit the loss? Pairing, broadcasting and target checks, from measured values.

Every rule reads the output and target values of the first forward pass, never layer names:
- ``preflight.output_loss_pairing``: probabilities fed to a loss that applies its own softmax or
  sigmoid, a softmax over a dimension of size 1, cross-entropy over one class, logits fed to a
  loss that wants probabilities or log-probabilities;
- ``preflight.loss_broadcast``: an elementwise loss whose output and target shapes broadcast to
  a bigger tensor (``(N, 1)`` against ``(N,)`` gives ``(N, N)``), or cannot be compared;
- ``preflight.target_range``: targets a loss cannot mean (binary targets outside [0, 1], class
  indices outside ``0..C-1``, probability targets that do not sum to 1).
"""

from __future__ import annotations

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
    Probe,
    num_classes,
)

PAIRING_MIN_VALUES = 16  # output values needed before "all in [0, 1]" is evidence, not chance
PROB_SUM_ATOL = 1e-4  # softmax rows sum to 1 within this
LOGPROB_ATOL = 1e-3  # log_softmax rows have logsumexp 0 within this
RELU_ZERO_FRACTION = 0.05  # exact zeros among non-negative logits that point to a ReLU
TARGET_SUM_ATOL = 1e-3  # probability targets sum to 1 within this
DEFAULT_IGNORE_INDEX = -100  # PyTorch's default for cross-entropy and NLL

PAIRING, BROADCAST, TARGET = ("preflight.output_loss_pairing", "preflight.loss_broadcast",
                              "preflight.target_range")


def output_loss_pairing(probe: Probe) -> list[Finding]:
    """One ``loss_output_mismatch`` finding for the first pairing rule the output breaks."""
    out = probe.out
    if out is None or not out.is_floating_point() or out.numel() < 2:
        return []
    rules = [_softmax_over_one, _cross_entropy_one_class]
    if bool(torch.isfinite(out).all()) and out.max() > out.min():
        # value rules: a constant output (e.g. a zero-initialized last layer) says nothing
        rules += [_probabilities_to_logit_loss, _logits_to_bce, _not_log_probabilities]
    for rule in rules:
        found = rule(probe, out.float())
        if found is not None:
            return [found]
    return []


def loss_broadcast(probe: Probe, target: Any) -> list[Finding]:
    """A ``broadcast_loss`` finding when output and target shapes cannot be compared as is."""
    out = probe.out
    if out is not None and isinstance(target, torch.Tensor):
        found = _shape_mismatch(probe.kind, out, target)
        if found is not None:
            return [found]
    said = [w for w in probe.warnings if "broadcast" in w]
    if said:
        return [finding(BROADCAST, "broadcast_loss", "error",
                        f"The loss warned about broadcasting: {said[0]}",
                        "Make the output and the target the same shape before the loss "
                        "(e.g. output.squeeze(-1) or target.view_as(output)).",
                        {"warning": said[0]})]
    return []


def target_range(probe: Probe, target: Any, loss_fn: Any) -> list[Finding]:
    """A ``label_problem`` finding when the targets fall outside what the loss accepts."""
    out = probe.out
    if out is None or not isinstance(target, torch.Tensor) or target.numel() == 0:
        return []
    if probe.kind in (BCE, BCE_WITH_LOGITS):
        return _binary_targets(target)
    if probe.kind in (CROSS_ENTROPY, NLL):
        return _class_targets(probe, out, target, loss_fn)
    return []


# -- pairing rules -----------------------------------------------------------------------------

def _class_dim_size(out: torch.Tensor) -> int:
    return int(out.shape[1]) if out.ndim > 1 else 1


def _softmax_over_one(probe: Probe, out: torch.Tensor) -> Finding | None:
    if not (probe.output_is_constant_in_params and out.shape[-1] == 1):
        return None
    value = out.flatten()[0].item()
    if value not in (0.0, 1.0) or not bool((out == value).all()):
        return None
    what = "softmax" if value == 1.0 else "log_softmax"
    return finding(
        PAIRING, "loss_output_mismatch", "error",
        f"The output is exactly {value} for every sample and depends on no weight: a {what} "
        f"over a dimension of size 1 (output shape {tuple(out.shape)}). Nothing can train.",
        "With one output unit use a sigmoid, or no activation with BCEWithLogitsLoss; a "
        "softmax needs one output per class.",
        {"output_shape": list(out.shape), "value": value})


def _cross_entropy_one_class(probe: Probe, out: torch.Tensor) -> Finding | None:
    if probe.kind != CROSS_ENTROPY or out.ndim < 2 or out.shape[1] != 1:
        return None
    return finding(
        PAIRING, "loss_output_mismatch", "error",
        f"Cross-entropy over a single class (output shape {tuple(out.shape)}) is always 0: "
        "the loss gives no gradient.",
        "For a binary target use BCEWithLogitsLoss on the single logit (target as float, same "
        "shape), or output 2 logits for CrossEntropyLoss.",
        {"output_shape": list(out.shape), "loss_kind": probe.kind})


def _probabilities_to_logit_loss(probe: Probe, out: torch.Tensor) -> Finding | None:
    if probe.kind not in (CROSS_ENTROPY, BCE_WITH_LOGITS) or out.numel() < PAIRING_MIN_VALUES:
        return None
    loss = "CrossEntropyLoss" if probe.kind == CROSS_ENTROPY else "BCEWithLogitsLoss"
    applies = "log_softmax" if probe.kind == CROSS_ENTROPY else "sigmoid"
    evidence: dict[str, object] = {"output": stats(out), "loss_kind": probe.kind}
    if out.min() >= 0 and out.max() <= 1:
        rows_sum_to_one = (probe.kind == CROSS_ENTROPY and out.ndim > 1 and out.shape[1] > 1
                           and bool(((out.sum(1) - 1).abs() <= PROB_SUM_ATOL).all()))
        what = "softmax probabilities (every row sums to 1)" if rows_sum_to_one else (
            "all in [0, 1], like probabilities")
        return finding(
            PAIRING, "loss_output_mismatch", "error",
            f"The outputs are {what}, but {loss} expects raw logits and applies the {applies} "
            "itself: predictions get squashed twice and gradients vanish.",
            f"Remove the activation after the last layer (softmax/sigmoid) and keep {loss}; "
            "apply the softmax/sigmoid only at inference.", evidence)
    zeros = (out == 0).float().mean().item()
    if out.min() >= 0 and zeros >= RELU_ZERO_FRACTION:
        evidence["zero_fraction"] = round(zeros, 4)
        return finding(
            PAIRING, "loss_output_mismatch", "warning",
            f"The logits are never negative and {zeros:.0%} are exactly 0: an activation "
            f"(ReLU?) after the last layer, but {loss} expects unbounded logits.",
            "Remove the activation after the last layer.", evidence)
    return None


def _logits_to_bce(probe: Probe, out: torch.Tensor) -> Finding | None:
    if probe.kind != BCE or (out.min() >= 0 and out.max() <= 1):
        return None
    return finding(
        PAIRING, "loss_output_mismatch", "error",
        f"BCELoss expects probabilities in [0, 1], but the outputs range over "
        f"[{out.min().item():.3g}, {out.max().item():.3g}]: they are logits.",
        "Use BCEWithLogitsLoss on the raw outputs (numerically safer), or add a sigmoid.",
        {"output": stats(out), "loss_kind": probe.kind})


def _not_log_probabilities(probe: Probe, out: torch.Tensor) -> Finding | None:
    if probe.kind != NLL or out.ndim < 2 or out.shape[1] < 2:
        return None
    lse = out.logsumexp(1)
    if bool((lse.abs() <= LOGPROB_ATOL).all()):
        return None
    probabilities = out.min() >= 0 and bool(((out.sum(1) - 1).abs() <= PROB_SUM_ATOL).all())
    what = "probabilities (softmax, not log_softmax)" if probabilities else "not log-probabilities"
    return finding(
        PAIRING, "loss_output_mismatch", "error",
        f"NLLLoss expects log-probabilities (log_softmax over dim 1), but the outputs are "
        f"{what}: logsumexp per row ranges over [{lse.min().item():.3g}, "
        f"{lse.max().item():.3g}] instead of 0.",
        "End the model with log_softmax(dim=1), or drop the activation and use "
        "CrossEntropyLoss on raw logits.",
        {"output": stats(out), "logsumexp_min": lse.min().item(),
         "logsumexp_max": lse.max().item()})


# -- broadcasting ------------------------------------------------------------------------------

def _shape_mismatch(kind: str | None, out: torch.Tensor, target: torch.Tensor) -> Finding | None:
    shapes: dict[str, object] = {"output_shape": list(out.shape),
                                 "target_shape": list(target.shape)}
    if kind in (CROSS_ENTROPY, NLL) and not target.is_floating_point():
        if target.ndim == out.ndim and out.ndim > 1 and target.shape[1] == 1:
            return finding(BROADCAST, "broadcast_loss", "error",
                           f"Class-index targets have shape {tuple(target.shape)} but must have "
                           f"shape {(out.shape[0], *out.shape[2:])} for output "
                           f"{tuple(out.shape)}.", "Pass target.squeeze(1).", shapes)
        return None
    if kind not in (REGRESSION, BCE, BCE_WITH_LOGITS) or out.shape == target.shape:
        return None
    try:
        joint = torch.broadcast_shapes(out.shape, target.shape)  # type: ignore[no-untyped-call]
    except RuntimeError:
        return finding(BROADCAST, "broadcast_loss", "error",
                       f"Output {tuple(out.shape)} and target {tuple(target.shape)} have shapes "
                       "the loss cannot compare.",
                       "Reshape the target (or the output) so both have the same shape.", shapes)
    if joint.numel() <= max(out.numel(), target.numel()):
        return None
    return finding(
        BROADCAST, "broadcast_loss", "error",
        f"Output {tuple(out.shape)} and target {tuple(target.shape)} broadcast to "
        f"{tuple(joint)} inside the loss: every output is compared with every target.",
        "Make the shapes equal: output.squeeze(-1) for an (N, 1) output, or "
        "target.view_as(output).", {**shapes, "broadcast_shape": list(joint)})


# -- targets -----------------------------------------------------------------------------------

def _binary_targets(target: torch.Tensor) -> list[Finding]:
    t = target.detach().double()
    if t.min() >= 0 and t.max() <= 1:
        return []
    return [finding(
        TARGET, "label_problem", "error",
        f"Binary cross-entropy needs targets in [0, 1], but they range over "
        f"[{t.min().item():.3g}, {t.max().item():.3g}].",
        "Map the labels to 0/1 (for -1/+1 labels: (y + 1) / 2); for more than two classes use "
        "CrossEntropyLoss with one logit per class.", {"target": stats(t)})]


def _class_targets(probe: Probe, out: torch.Tensor, target: torch.Tensor,
                   loss_fn: Any) -> list[Finding]:
    if target.is_floating_point():
        return _probability_targets(probe, out, target)
    classes = num_classes(out)
    ignore = getattr(loss_fn, "ignore_index", DEFAULT_IGNORE_INDEX)
    valid = target[target != ignore]
    if valid.numel() == 0 or (valid.min() >= 0 and valid.max() < classes):
        return []
    lo, hi = int(valid.min()), int(valid.max())
    return [finding(
        TARGET, "label_problem", "error",
        f"Class indices range over [{lo}, {hi}], but the output has {classes} classes "
        f"(valid indices 0..{classes - 1}).",
        "Give the last layer one output per class (max label + 1), or make the labels 0-based.",
        {"target_min": lo, "target_max": hi, "num_classes": classes})]


def _probability_targets(probe: Probe, out: torch.Tensor, target: torch.Tensor) -> list[Finding]:
    if target.shape != out.shape:
        if probe.error is None:
            return []
        return [finding(TARGET, "label_problem", "error",
                        f"Class-index targets must be integers, but they are {target.dtype} "
                        f"with shape {tuple(target.shape)}.", "Pass target.long().",
                        {"target_dtype": str(target.dtype), "target_shape": list(target.shape)})]
    t = target.detach().double()
    sums = t.sum(1) if t.ndim > 1 else t.sum(0, keepdim=True)
    if t.min() >= 0 and bool(((sums - 1).abs() <= TARGET_SUM_ATOL).all()):
        return []
    return [finding(
        TARGET, "label_problem", "warning",
        f"Probability targets should be non-negative and sum to 1 over classes; they range "
        f"over [{t.min().item():.3g}, {t.max().item():.3g}] with row sums in "
        f"[{sums.min().item():.3g}, {sums.max().item():.3g}].",
        "Normalize the soft labels, or pass class indices (torch.long) instead.",
        {"target": stats(t)})]

