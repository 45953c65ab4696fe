"""Calling the loss once on a copy of the model, and telling which loss it is by measuring.

The loss *kind* drives the output checks. It is read from the class or function when it is one
of PyTorch's (``nn.CrossEntropyLoss``, ``F.mse_loss``, ...), otherwise measured: the value the
user's loss returns is compared with each standard loss on the same output and target, so a
``lambda o, y: F.cross_entropy(o, y)`` is still recognized.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ._preflight_batch import Batch, primary_tensor, trainable

LOSS_MATCH_RTOL = 1e-5  # a measured loss "is" a standard one when they agree this closely
CROSS_ENTROPY, NLL, BCE_WITH_LOGITS, BCE, REGRESSION = (
    "cross_entropy", "nll", "bce_with_logits", "bce", "regression")

_MODULE_KINDS: tuple[tuple[type[nn.Module], str], ...] = (
    (nn.CrossEntropyLoss, CROSS_ENTROPY), (nn.NLLLoss, NLL),
    (nn.BCEWithLogitsLoss, BCE_WITH_LOGITS), (nn.BCELoss, BCE), (nn.MSELoss, REGRESSION),
    (nn.L1Loss, REGRESSION), (nn.SmoothL1Loss, REGRESSION), (nn.HuberLoss, REGRESSION))
_FUNCTION_KINDS: dict[Any, str] = {
    F.cross_entropy: CROSS_ENTROPY, F.nll_loss: NLL,
    F.binary_cross_entropy_with_logits: BCE_WITH_LOGITS, F.binary_cross_entropy: BCE,
    F.mse_loss: REGRESSION, F.l1_loss: REGRESSION, F.smooth_l1_loss: REGRESSION,
    F.huber_loss: REGRESSION}

LossFn = Callable[[Any, Any], torch.Tensor]


@dataclass
class Probe:
    """The first forward pass and loss, on the copy, before any update.

    Attributes:
        output: The model's raw output (with its graph).
        out: The tensor the loss reads (:func:`primary_tensor`), detached; None if none.
        loss: The scalar loss with its graph; None when there is no loss or it raised.
        error: The exception the loss raised, if any.
        warnings: Warning messages emitted while computing the loss.
        kind: The loss kind (``cross_entropy``, ``nll``, ``bce_with_logits``, ``bce``,
            ``regression``) or None when unknown.
        output_is_constant_in_params: The output does not depend on any trainable parameter.
        unreached: Trainable parameters the output does not depend on at all.
    """

    output: Any
    out: torch.Tensor | None
    loss: torch.Tensor | None
    error: Exception | None
    warnings: list[str] = field(default_factory=list)
    kind: str | None = None
    output_is_constant_in_params: bool = False
    unreached: list[str] = field(default_factory=list)


def loss_callable(loss_fn: Callable[..., Any] | None, output: Any) -> LossFn | None:
    """A ``(output, target) -> scalar`` callable: the user's loss, else the ``loss`` the model
    returned itself (Hugging Face style), else None."""
    if loss_fn is not None:
        return functools.partial(_call_user_loss, loss_fn)
    own = output.get("loss") if isinstance(output, Mapping) else getattr(output, "loss", None)
    if isinstance(own, torch.Tensor) and own.numel() == 1:
        return lambda out, _target: out["loss"] if isinstance(out, Mapping) else out.loss
    return None


def run_probe(model: nn.Module, batch: Batch, loss_fn: Callable[..., Any] | None) -> tuple[
        Probe, LossFn | None]:
    """Forward the batch once and compute the loss, recording warnings and a raised error."""
    output = batch.run(model)
    out = primary_tensor(output)
    constant, unreached = _output_dependence(model, out)
    probe = Probe(output=output, out=None if out is None else out.detach(), loss=None,
                  error=None, output_is_constant_in_params=constant, unreached=unreached)
    compute = loss_callable(loss_fn, output)
    probe.kind = declared_kind(loss_fn)
    if compute is None:
        return probe, None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            probe.loss = compute(output, batch.target)
        except Exception as exc:  # noqa: BLE001 - diagnosed by the output checks, else re-raised
            probe.error = exc
    probe.warnings = [str(w.message) for w in caught]
    if probe.kind is None and probe.loss is not None and probe.out is not None:
        probe.kind = measured_kind(probe.loss.item(), probe.out, batch.target)
    return probe, compute


def declared_kind(loss_fn: Any) -> str | None:
    """The kind of a PyTorch loss module or function (None for anything else)."""
    while isinstance(loss_fn, functools.partial):
        loss_fn = loss_fn.func
    for cls, kind in _MODULE_KINDS:
        if isinstance(loss_fn, cls):
            return kind
    return _FUNCTION_KINDS.get(loss_fn)


def measured_kind(value: float, out: torch.Tensor, target: Any) -> str | None:
    """The standard loss that gives ``value`` on this output and target (None if none does)."""
    if not isinstance(target, torch.Tensor) or not math.isfinite(value):
        return None
    for kind, candidate in _candidates(out, target):
        if abs(candidate - value) <= LOSS_MATCH_RTOL * max(1.0, abs(value)):
            return kind
    return None


def neutral_output(kind: str | None, out: torch.Tensor) -> torch.Tensor | None:
    """The output of an uninformed model under this loss: zero logits, probability 0.5, uniform
    log-probabilities, or zero for regression. None for unknown kinds."""
    if kind in (CROSS_ENTROPY, BCE_WITH_LOGITS, REGRESSION):
        return torch.zeros_like(out)
    if kind == BCE:
        return torch.full_like(out, 0.5)
    if kind == NLL:
        return torch.full_like(out, -math.log(num_classes(out)))
    return None


def num_classes(out: torch.Tensor) -> int:
    """Size of the class dimension (dim 1 for batched outputs, as PyTorch's losses read it)."""
    return int(out.shape[1] if out.ndim > 1 else out.shape[0])


def _call_user_loss(loss_fn: Callable[..., Any], output: Any, target: Any) -> torch.Tensor:
    value = loss_fn(output) if target is None else loss_fn(output, target)
    if isinstance(value, (tuple, list)) and value and isinstance(value[0], torch.Tensor):
        value = value[0]
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"loss_fn must return a tensor, got {type(value).__name__}; return the "
                        "loss before calling .item() on it.")
    return value if value.ndim == 0 else value.float().mean()


def _candidates(out: torch.Tensor, target: torch.Tensor) -> list[tuple[str, float]]:
    out, tgt = out.float(), target
    tries: list[tuple[str, Callable[[], torch.Tensor]]] = [
        (CROSS_ENTROPY, lambda: F.cross_entropy(out, tgt)),
        (NLL, lambda: F.nll_loss(out, tgt)),
        (BCE_WITH_LOGITS, lambda: F.binary_cross_entropy_with_logits(out, tgt.to(out.dtype))),
        (BCE, lambda: F.binary_cross_entropy(out, tgt.to(out.dtype))),
        (REGRESSION, lambda: F.mse_loss(out, tgt.to(out.dtype))),
        (REGRESSION, lambda: F.l1_loss(out, tgt.to(out.dtype))),
        (REGRESSION, lambda: F.smooth_l1_loss(out, tgt.to(out.dtype)))]
    found = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kind, fn in tries:
            try:
                found.append((kind, fn().item()))
            except Exception:  # noqa: BLE001, S112 - this candidate does not apply
                continue
    return found


def _output_dependence(model: nn.Module, out: torch.Tensor | None) -> tuple[bool, list[str]]:
    """(output depends on no parameter, names of parameters it does not reach at all)."""
    named = trainable(model)
    if out is None or not named or not out.is_floating_point():
        return False, []
    if not out.requires_grad:
        return True, [n for n, _ in named]
    weights = torch.randn(out.shape, generator=torch.Generator().manual_seed(0)).to(out)
    grads = torch.autograd.grad((out * weights).sum(), [p for _, p in named],
                                retain_graph=True, allow_unused=True)
    constant = all(g is None or not bool(g.any()) for g in grads)
    return constant, [n for (n, _), g in zip(named, grads, strict=True) if g is None]
