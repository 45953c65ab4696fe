"""The NaN/Inf sentinel: a cheap finiteness check every step, naming the first culprit.

Every step each watched module's inputs and output get one finiteness flag, and the parameters'
gradients one batched ``_foreach_norm``. On an accelerator a flag is an ``isfinite().all()`` on
the device (no sync) and one host transfer at the end of the step checks them all; on the CPU,
where there is nothing to sync, it is a plain ``sum()`` (one pass, re-checked exactly only in the
rare case it is not finite) read at once. An input that is the unchanged output of an earlier
watched module call reuses that call's flag instead of being read again. The first non-finite
value is reported once, as a :class:`~deepscope.records.Finding`: in forward order the first
module whose output became non-finite (and whether its input or its own parameters already
were), else in backward order the first module whose parameter gradients did.
"""

from __future__ import annotations

import math
import warnings
import weakref
from dataclasses import dataclass, field
from typing import Literal

import torch
from torch import nn

from ..errors import DeepscopeError
from ..records import Finding

OnNonfinite = Literal["record", "warn", "raise"]
DETECTOR_ID = "nonfinite.first"
Flag = torch.Tensor | bool  # a 0-d bool tensor on the device, or already read (CPU)
_CPU_SUM_DTYPES = (torch.float32, torch.float64)


class NonFiniteError(DeepscopeError):
    """Raised by the sentinel with ``on_nonfinite="raise"``; carries the finding."""

    def __init__(self, finding: Finding) -> None:
        """Keep the finding; the message is the finding's message and suggestion."""
        super().__init__(f"{finding.message} {finding.suggestion}")
        self.finding = finding


def any_nonfinite(tensors: list[torch.Tensor]) -> torch.Tensor | None:
    """A 0-d bool tensor: does any floating tensor hold NaN/Inf? (None if none is floating)."""
    flags = [~torch.isfinite(t).all() for t in tensors if t.is_floating_point() and t.numel()]
    if not flags:
        return None
    return flags[0] if len(flags) == 1 else torch.stack(flags).any()


def nonfinite_flag(t: torch.Tensor) -> Flag:
    """Does a (floating, non-empty) tensor hold NaN/Inf? A bool on the CPU, else a device flag.

    On the CPU a float32/float64 ``sum()`` is finite exactly when every element is, unless
    the sum overflows; only then (rare) is ``isfinite().all()`` run to tell the two apart.
    """
    t = t.detach()
    if t.device.type == "cpu" and t.dtype in _CPU_SUM_DTYPES:
        return not math.isfinite(t.sum().item()) and not bool(torch.isfinite(t).all())
    return ~torch.isfinite(t).all()


# Modules whose output is finite whenever their input is: elementwise maps of finite values to
# finite values, max pooling (selects input values) and reshapes. Exact types only (a subclass
# may override forward).
_KEEPS_FINITE: frozenset[type[nn.Module]] = frozenset({
    nn.ReLU, nn.ReLU6, nn.Sigmoid, nn.Tanh, nn.Hardtanh, nn.Hardsigmoid, nn.Softsign,
    nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d, nn.AdaptiveMaxPool1d, nn.AdaptiveMaxPool2d,
    nn.AdaptiveMaxPool3d, nn.Flatten, nn.Unflatten, nn.Identity})


def keeps_finite(module: nn.Module) -> bool:
    """Is ``module``'s output finite whenever all its tensor inputs are?"""
    if isinstance(module, nn.LeakyReLU):
        return type(module) is nn.LeakyReLU and abs(module.negative_slope) <= 1.0
    return type(module) in _KEEPS_FINITE


def _any(flags: list[Flag]) -> Flag | None:
    if not flags:
        return None
    if len(flags) == 1:
        return flags[0]
    if any(f is True for f in flags):
        return True
    tensors = [f for f in flags if not isinstance(f, bool)]
    if not tensors:
        return False
    return tensors[0] if len(tensors) == 1 else torch.stack(tensors).any()


@dataclass
class _ForwardRecord:
    module: str
    module_type: str
    input_bad: Flag | None
    output_bad: Flag | None


@dataclass
class Sentinel:
    """Per-step finiteness flags and the one-time report."""

    mode: OnNonfinite = "record"
    reported: bool = False
    forward: list[_ForwardRecord] = field(default_factory=list)
    grads: list[tuple[str, torch.Tensor]] = field(default_factory=list)  # (param, norm)
    output_grads: list[tuple[str, Flag]] = field(default_factory=list)  # backward order
    # outputs flagged this step: id -> (weak reference, version counter, flag)
    _outputs: dict[int, tuple[weakref.ref[torch.Tensor], int, Flag]] = field(
        default_factory=dict, repr=False)

    def on_forward(self, module: str, module_type: str, inputs: list[torch.Tensor],
                   outputs: list[torch.Tensor], *, keeps_finite: bool = False) -> None:
        """Flag one module call (no host sync on an accelerator). With ``keeps_finite`` (see
        :func:`keeps_finite`) the outputs of a call whose inputs are known finite are not read."""
        if self.reported:
            return
        seen = self._outputs
        in_flags: list[Flag] = []
        for t in inputs:
            if not t.is_floating_point() or not t.numel():
                continue
            hit = seen.get(id(t))
            # the same tensor object, not modified in place since it was flagged
            if hit is not None and hit[0]() is t and hit[1] == t._version:
                in_flags.append(hit[2])
            else:
                in_flags.append(nonfinite_flag(t))
        known_finite = keeps_finite and bool(in_flags) and all(f is False for f in in_flags)
        out_flags: list[Flag] = []
        for t in outputs:
            if not t.is_floating_point() or not t.numel():
                continue
            flag = False if known_finite else nonfinite_flag(t)
            out_flags.append(flag)
            if not t.is_inference():
                seen[id(t)] = (weakref.ref(t), t._version, flag)
        self.forward.append(_ForwardRecord(module, module_type, _any(in_flags),
                                           _any(out_flags)))

    def on_output_grad(self, module: str, grad: torch.Tensor) -> None:
        """Flag the gradient w.r.t. a module's output (called in backward order)."""
        if not self.reported and grad.is_floating_point() and grad.numel():
            self.output_grads.append((module, nonfinite_flag(grad)))

    def on_grads(self, names: list[str], grads: list[torch.Tensor]) -> None:
        """Flag the parameters' gradients with one batched norm (no host sync)."""
        if self.reported or not grads:
            return
        norms = torch._foreach_norm([g.float() if not g.is_floating_point() else g
                                     for g in grads])
        self.grads.extend(zip(names, norms, strict=True))

    def check(self, step: int,
              params_of: dict[str, list[tuple[str, torch.Tensor]]]) -> Finding | None:
        """End of step: one transfer; returns (and reports) the finding on the first hit."""
        forward, grads, out_grads = self.forward, self.grads, self.output_grads
        self.forward, self.grads, self.output_grads = [], [], []
        self._outputs = {}
        if self.reported or (not forward and not grads and not out_grads):
            return None
        flags = [f for r in forward for f in (r.input_bad, r.output_bad) if f is not None]
        if grads:
            flags.append(~torch.isfinite(torch.stack([n for _, n in grads])).all())
        flags += [f for _, f in out_grads]
        found = _any(flags)
        if found is None or not bool(found):
            return None
        finding = self._locate(step, forward, grads, out_grads, params_of)
        self.reported = True
        if self.mode == "warn":
            warnings.warn(f"deepscope: {finding.message} {finding.suggestion}", RuntimeWarning,
                          stacklevel=2)
        return finding

    def _locate(self, step: int, forward: list[_ForwardRecord],
                grads: list[tuple[str, torch.Tensor]],
                out_grads: list[tuple[str, Flag]],
                params_of: dict[str, list[tuple[str, torch.Tensor]]]) -> Finding:
        bad_grads = [n for n, norm in grads if not bool(torch.isfinite(norm))]
        for rec in forward:
            if rec.output_bad is not None and bool(rec.output_bad):
                input_bad = rec.input_bad is not None and bool(rec.input_bad)
                return _forward_finding(step, rec, input_bad, params_of.get(rec.module, []))
        order = [r.module for r in forward]
        first_bad = next((m for m, f in out_grads if bool(f)), None)
        if first_bad is not None:
            return _backward_finding(step, first_bad, order, forward, bad_grads)
        owners = [n.rsplit(".", 1)[0] if "." in n else "" for n in bad_grads]
        ranked = sorted(zip(owners, bad_grads, strict=True),
                        key=lambda o: -order.index(o[0]) if o[0] in order else 1)
        module, param = ranked[0]
        return Finding(
            DETECTOR_ID, "nonfinite", "error", step, step,
            f"Gradients became non-finite at step {step}, first (in backward order) in "
            f"{module or 'the model'} (parameter {param}); the forward pass was finite.",
            layer=module or None,
            evidence={"direction": "backward", "parameters": bad_grads[:20]},
            suggestion="Check the loss for log(0), division by zero or overflow, lower the "
                       "learning rate, clip gradients (torch.nn.utils.clip_grad_norm_), or use "
                       "a loss scaler under fp16.")


def _forward_finding(step: int, rec: _ForwardRecord, input_bad: bool,
                     params: list[tuple[str, torch.Tensor]]) -> Finding:
    bad_params = [n for n, p in params if not bool(torch.isfinite(p.detach()).all())]
    if input_bad:
        cause = ("its input was already non-finite (the batch itself, or a computation outside "
                 "the watched modules)")
    elif bad_params:
        cause = f"its input was finite but its parameters {', '.join(bad_params)} were not"
    else:
        cause = "its input and parameters were finite, so this module produced it"
    return Finding(
        DETECTOR_ID, "nonfinite", "error", step, step,
        f"The output of {rec.module} ({rec.module_type}) became non-finite at step {step} in the "
        f"forward pass; {cause}.",
        layer=rec.module,
        evidence={"direction": "forward", "module_type": rec.module_type,
                  "input_nonfinite": input_bad, "nonfinite_parameters": bad_params},
        suggestion="Inspect this layer's weights for NaN/Inf (a previous update may have "
                   "diverged: lower the learning rate or clip gradients), and guard operations "
                   "like log, sqrt and division against zero.")


def _backward_finding(step: int, module: str, order: list[str], forward: list[_ForwardRecord],
                      bad_grads: list[str]) -> Finding:
    """The gradient at ``module``'s output is the first non-finite one in backward order: it
    came from the backward of the module that consumed that output (next in forward order)."""
    idx = order.index(module) if module in order else -1
    if 0 <= idx < len(order) - 1:
        producer, kind = order[idx + 1], forward[idx + 1].module_type
        message = (f"Gradients became non-finite at step {step} in the backward pass of "
                   f"{producer} ({kind}): the gradient it passed back to the output of {module} "
                   f"was non-finite while the gradient at its own output was finite.")
        layer = producer
    else:
        message = (f"Gradients became non-finite at step {step} at the output of {module}, the "
                   f"last watched module: the loss (or code after the model) produced them.")
        layer = module
    return Finding(
        DETECTOR_ID, "nonfinite", "error", step, step, message, layer=layer,
        evidence={"direction": "backward", "output_grad_of": module,
                  "parameters": bad_grads[:20]},
        suggestion="Look for operations with unbounded derivatives in that layer (sqrt or log "
                   "near 0, division by small numbers, pow), lower the learning rate, clip "
                   "gradients (torch.nn.utils.clip_grad_norm_), or use a loss scaler under fp16.")
