"""Does every parameter that should train actually train?

- ``preflight.grad_coverage``: trainable parameters that never get a gradient (not used in the
  forward pass, or cut off by ``.detach()``/``.item()``/``argmax``), or only all-zero gradients,
  during the overfit run (a zero-initialized branch such as LoRA's ``B`` gets its gradient after
  the first update, so one step is not enough to judge) -> ``unused_parameters``. Parameters with
  ``requires_grad=False``: when *all* are frozen nothing can train (error); when only some are,
  an info lists them (fine-tuning freezes a backbone on purpose).
- ``preflight.optimizer_coverage``: trainable parameters missing from the optimizer, or held in
  groups whose learning rate is 0 -> ``frozen_parameters``: they get gradients but train nowhere.
"""

from __future__ import annotations

from typing import Any

from torch import nn

from ..records import Finding
from ._preflight_batch import finding, name_list, trainable
from ._preflight_fit import GradRecord

GRAD, OPTIMIZER = "preflight.grad_coverage", "preflight.optimizer_coverage"


def frozen_parameters(model: nn.Module) -> list[Finding]:
    """Info when some parameters have ``requires_grad=False``; error when all do."""
    names = [n for n, _ in model.named_parameters()]
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    if not frozen:
        return []
    evidence: dict[str, object] = {"frozen": frozen, "total": len(names)}
    if len(frozen) == len(names):
        return [finding(GRAD, "frozen_parameters", "error",
                        f"All {len(names)} parameter tensors have requires_grad=False: nothing "
                        "can train.", "Call model.requires_grad_(True), or unfreeze the layers "
                                      "you mean to train.", evidence)]
    return [finding(GRAD, "frozen_parameters", "info",
                    f"{len(frozen)} of {len(names)} parameter tensors are frozen "
                    f"(requires_grad=False): {name_list(frozen)}.",
                    "Nothing to do if you froze them on purpose (fine-tuning).", evidence)]


def grad_coverage(model: nn.Module, grads: GradRecord | None, unreached: list[str], *,
                  explained_by: list[Finding]) -> list[Finding]:
    """``unused_parameters`` from every backward pass of the checks (``grads``), or, without a
    loss, from the output alone (``unreached``). ``explained_by``: error findings that make a
    loss without any gradient expected (a constant output); it then becomes an info."""
    names = [n for n, _ in trainable(model)]
    if not names:
        return []
    if grads is not None and grads.backward_error is not None:
        return [finding(GRAD, "unused_parameters", "error",
                        f"The loss is not connected to any trainable parameter: backward() "
                        f"raised {grads.backward_error}.",
                        "Look for .detach(), .item(), .numpy(), argmax or torch.no_grad() "
                        "between the model's output and the loss.",
                        {"error": str(grads.backward_error)})]
    never = [n for n in names if n not in grads.got_grad] if grads is not None else unreached
    zero = [] if grads is None else [n for n in names if n in grads.got_grad
                                     and n not in grads.got_nonzero_grad]
    if not never and not zero:
        return []
    evidence: dict[str, object] = {"no_gradient": never, "zero_gradient": zero,
                                   "trainable": len(names)}
    if len(never) + len(zero) == len(names):
        return [_no_gradient_at_all(len(names), evidence, explained_by)]
    parts = []
    if never:
        parts.append(f"never receive a gradient: {name_list(never)}")
    if zero:
        parts.append(f"receive only all-zero gradients: {name_list(zero)}")
    return [finding(GRAD, "unused_parameters", "warning",
                    f"{len(never) + len(zero)} of {len(names)} trainable parameter tensors "
                    + "; ".join(parts) + ".",
                    "Use the layer in forward() or delete it; if a branch is cut off, look for "
                    ".detach()/.item()/argmax; all-zero gradients point to dead units upstream. "
                    "Freeze intentionally unused parameters with requires_grad_(False).",
                    evidence, layer=_common_layer(never + zero))]


def _no_gradient_at_all(count: int, evidence: dict[str, object],
                        explained_by: list[Finding]) -> Finding:
    message = (f"None of the {count} trainable parameter tensors receives a non-zero gradient: "
               "the loss does not depend on the weights")
    if explained_by:
        evidence["explained_by"] = explained_by[0].detector
        return finding(GRAD, "unused_parameters", "info",
                       f"{message}; expected, given the {explained_by[0].detector} finding.",
                       "Fix that finding first.", evidence)
    return finding(GRAD, "unused_parameters", "error", f"{message}.",
                   "Look for a constant output (softmax over one unit), .detach(), argmax or "
                   "rounding between the output and the loss, and for dead units (every ReLU "
                   "off).", evidence)


def optimizer_coverage(model: nn.Module, optimizer: Any) -> list[Finding]:
    """``frozen_parameters`` when trainable parameters are not (really) in the optimizer."""
    if optimizer is None:
        return []
    names = [n for n, _ in trainable(model)]
    held = {id(p): float(g.get("initial_lr", g.get("lr", 0.0))) for g in optimizer.param_groups
            for p in g["params"]}
    missing = [n for n, p in trainable(model) if id(p) not in held]
    zero_lr = [n for n, p in trainable(model) if held.get(id(p)) == 0.0]
    if not missing and not zero_lr:
        return []
    evidence: dict[str, object] = {"not_in_optimizer": missing, "zero_lr": zero_lr,
                                   "trainable": len(names)}
    if len(missing) == len(names):
        return [finding(OPTIMIZER, "frozen_parameters", "error",
                        f"The optimizer holds none of this model's {len(names)} trainable "
                        "parameter tensors: it was built for another model instance.",
                        "Create the optimizer from this model, after building (and any "
                        "re-creation of) it: optimizer = Adam(model.parameters()).", evidence)]
    parts = []
    if missing:
        parts.append(f"are not in the optimizer: {name_list(missing)}")
    if zero_lr:
        parts.append(f"sit in a parameter group with lr=0: {name_list(zero_lr)}")
    return [finding(OPTIMIZER, "frozen_parameters", "warning",
                    f"{len(missing) + len(zero_lr)} trainable parameter tensors get gradients "
                    "but train nowhere; they " + "; ".join(parts) + ".",
                    "Build the optimizer from model.parameters() after adding every layer (or "
                    "add_param_group for new ones); set requires_grad_(False) on parameters "
                    "you mean to freeze.", evidence, layer=_common_layer(missing + zero_lr))]


def _common_layer(names: list[str]) -> str | None:
    layers = {n.rsplit(".", 1)[0] if "." in n else "" for n in names}
    return layers.pop() if len(layers) == 1 and "" not in layers else None
