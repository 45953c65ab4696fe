"""``preflight.overfit_batch``: can the model memorize a few samples of the batch?

A healthy model and pipeline drive the loss on a handful of samples far down in a few dozen
steps (Karpathy's "overfit one batch", with "as few as two examples"). The check trains a *copy*
of the model on the first ``OVERFIT_SAMPLES`` samples (every tensor whose batch dimension has the
batch size is cut; the whole batch if the cut one does not run), so that a model of modest
capacity is not mistaken for a broken one. The optimizer is fresh: the user's optimizer class
with their per-group hyperparameters (the learning rate a scheduler started from, if any), else
``Adam(lr=1e-3)``. It runs ``steps`` steps, stops as soon as the loss has fallen by
``OVERFIT_MIN_DROP`` (after at least ``MIN_FIT_STEPS``), and extends up to ``OVERFIT_EXTENSION``
times ``steps`` while the loss still moves and ``OVERFIT_TIME_BUDGET`` is not spent.

Verdict when it fails, first match wins:
1. the loss became NaN/Inf -> ``nonfinite`` (error);
2. the loss rose above ``OVERFIT_DIVERGE_FACTOR`` x its start -> ``lr_too_high`` (error);
3. another finding already explains it (error: mismatched output/loss, broadcasting, bad targets,
   batch mixing, no gradient, frozen parameters; warning: initial loss, input scale, parameters
   without a gradient or outside the optimizer) -> that finding's category at severity info;
4. Adam at one of ``REFERENCE_LRS`` memorizes the samples on a fresh copy: with no optimizer
   given, nothing is reported (our default learning rate was merely small for this model); with
   the user's optimizer, ``lr_too_low``: a warning if their loss did not move at all, else info
   (a slow but sane learning rate, e.g. plain SGD at 0.01, is not a bug);
5. identical inputs carry different targets among the samples -> ``label_problem`` (warning);
6. the loss did not move (less than ``OVERFIT_FLAT_DROP``) -> ``lr_too_low`` if every learning
   rate is 0, else ``bad_initialization`` (error: dead or saturated units, a constant output);
7. it fell, but by less than ``OVERFIT_MIN_DROP`` -> ``lr_too_low`` (warning).
"Memorized" means the loss fell by ``OVERFIT_MIN_DROP`` for the standard losses (floor 0); for
unknown losses, whose floor may be far from 0, any fall of ``OVERFIT_FLAT_DROP`` counts.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from ..records import Finding
from ._preflight_batch import Batch, finding, trainable
from ._preflight_loss import LossFn

OVERFIT_MIN_DROP = 0.5  # the loss must fall by this fraction of its initial value
OVERFIT_FLAT_DROP = 0.01  # below this fraction the loss "did not move"
OVERFIT_DIVERGE_FACTOR = 3.0  # a loss above this multiple of its start diverged
OVERFIT_EXTENSION = 4  # train up to steps * this while the loss still moves
OVERFIT_TIME_BUDGET = 3.0  # seconds for the whole check; past it, no extension beyond `steps`
DEFAULT_LR = 1e-3  # Adam's learning rate when no optimizer is given
REFERENCE_LRS = (1e-3, 1e-2)  # Adam learning rates tried before calling a failure a failure
MIN_FIT_STEPS = 3  # never stop earlier: zero-initialized branches (LoRA, ReZero) need a step
OVERFIT_SAMPLES = 8  # samples memorized (the head of the batch): any sane model fits a few

DETECTOR = "preflight.overfit_batch"


@dataclass
class GradRecord:
    """Which parameters received gradients, over every backward pass of the checks.

    Attributes:
        got_grad: Parameters that received a gradient at some step.
        got_nonzero_grad: Parameters that received a non-zero gradient at some step.
        backward_error: The error ``loss.backward()`` raised, if it did.
    """

    got_grad: set[str] = field(default_factory=set)
    got_nonzero_grad: set[str] = field(default_factory=set)
    backward_error: Exception | None = None

    def backward(self, model: nn.Module, loss: torch.Tensor) -> bool:
        """Backpropagate ``loss`` into ``model``'s cleared gradients and record who got one."""
        for p in model.parameters():
            p.grad = None
        try:
            loss.backward()  # type: ignore[no-untyped-call]
        except RuntimeError as exc:
            self.backward_error = exc
            return False
        for name, p in trainable(model):
            if p.grad is not None:
                self.got_grad.add(name)
                if name not in self.got_nonzero_grad and bool(p.grad.any()):
                    self.got_nonzero_grad.add(name)
        return True


@dataclass
class FitResult:
    """What training a copy on one (small) batch showed.

    Attributes:
        losses: Loss before training, then after each update.
        optimizer: How the copy was trained, e.g. ``Adam(lr=0.001)``.
        max_lr: Largest learning rate among the optimizer's groups.
        samples: Batch size trained on (None when unknown).
        backward_error: Set when a backward pass failed (the run stopped there).
    """

    losses: list[float]
    optimizer: str
    max_lr: float
    samples: int | None = None
    backward_error: Exception | None = None


def fit_batch(model: nn.Module, batch: Batch, compute: LossFn, *, user_model: nn.Module,
              optimizer: Any, steps: int, deadline: float, lr: float = DEFAULT_LR,
              grads: GradRecord | None = None, batch_dim: int = 0) -> FitResult:
    """Train ``model`` (a copy, in train mode) on ``batch``, recording gradients in ``grads``.

    Uses the user's ``optimizer`` class and groups if given, else ``Adam(lr=lr)``. Runs at least
    ``steps`` steps; extends past them only before ``deadline`` (a ``time.perf_counter()``).
    """
    grads = grads if grads is not None else GradRecord()
    opt, described, max_lr = make_optimizer(model, user_model, optimizer, lr=lr)
    loss = _quiet_loss(model, batch, compute)
    result = FitResult(losses=[loss.item()], optimizer=described, max_lr=max_lr,
                       samples=batch.size(batch_dim))
    for step in range(steps * OVERFIT_EXTENSION):
        if not grads.backward(model, loss):
            result.backward_error = grads.backward_error
            break
        opt.step()
        loss = _quiet_loss(model, batch, compute)
        result.losses.append(loss.item())
        if _done(result.losses, step + 1 >= steps, time.perf_counter() > deadline):
            break
    return result


def make_optimizer(model: nn.Module, user_model: nn.Module, optimizer: Any, *,
                   lr: float = DEFAULT_LR) -> tuple[torch.optim.Optimizer, str, float]:
    """A fresh optimizer for the copy: the user's class and groups, else ``Adam(lr=lr)``."""
    params = [p for _, p in trainable(model)]
    if optimizer is not None:
        groups = _copied_groups(model, user_model, optimizer)
        if groups:
            try:
                opt = type(optimizer)(groups, **optimizer.defaults)
                lrs = [float(g.get("lr", 0.0)) for g in groups]
                return opt, f"{type(optimizer).__name__}(lr={max(lrs):.3g})", max(lrs)
            except Exception:  # noqa: BLE001, S110 - an exotic optimizer: fall back to Adam
                pass
    return torch.optim.Adam(params, lr=lr), f"Adam(lr={lr:g})", lr


def outcome(fit: FitResult, *, known_floor: bool) -> str:
    """``ok``, ``nonfinite``, ``diverged``, ``flat``, ``slow``, or ``unjudged`` (no usable run:
    backward failed, or the loss starts at or below 0 where ratios mean nothing)."""
    losses = fit.losses
    start = losses[0]
    if not all(math.isfinite(v) for v in losses):
        return "nonfinite"
    if fit.backward_error is not None or len(losses) < 2:
        return "unjudged"
    if start <= 0:
        return "unjudged"
    drop = 1 - min(losses[1:]) / start
    if max(losses[1:]) > OVERFIT_DIVERGE_FACTOR * start:
        return "diverged"
    if drop >= OVERFIT_MIN_DROP or (not known_floor and drop >= OVERFIT_FLAT_DROP):
        return "ok"
    return "flat" if drop < OVERFIT_FLAT_DROP else "slow"


def overfit_finding(fit: FitResult, batch: Batch, *, known_floor: bool,
                    explained_by: list[Finding], reference: FitResult | None = None,
                    user_optimizer: bool = False) -> list[Finding]:
    """The ``preflight.overfit_batch`` verdict (empty when the samples were memorized).

    ``reference`` is a run with Adam at one of ``REFERENCE_LRS`` (the one that succeeded, else
    the last tried) when ``fit`` fell short: if it succeeded, the model and data are sound; only
    the user's learning rate is low (``user_optimizer``), or our default one was.
    """
    verdict = outcome(fit, known_floor=known_floor)
    if verdict in ("ok", "unjudged"):
        return []
    losses = fit.losses
    evidence: dict[str, object] = {"losses": [_r(v) for v in losses], "optimizer": fit.optimizer,
                                   "steps": len(losses) - 1}
    if verdict == "nonfinite":
        when = ("is non-finite before any update" if not math.isfinite(losses[0]) else
                f"became non-finite within {len(losses) - 1} steps")
        return [finding(DETECTOR, "nonfinite", "error",
                        f"Training on {_samples(fit)} with {fit.optimizer}: the loss {when}.",
                        "Lower the learning rate, clip gradients, and look for log/sqrt/division "
                        "of values that can reach 0.", evidence)]
    if verdict == "diverged":
        return [finding(DETECTOR, "lr_too_high", "error",
                        f"Training on {_samples(fit)} with {fit.optimizer} diverged: the loss "
                        f"rose from {losses[0]:.4g} to {max(losses):.4g}.",
                        "Lower the learning rate (10x), or add gradient clipping.", evidence)]
    if explained_by:
        return [_explained(fit, explained_by[0], evidence)]
    if reference is not None:
        evidence["reference_losses"] = [_r(v) for v in reference.losses]
        evidence["reference_optimizer"] = reference.optimizer
        if outcome(reference, known_floor=known_floor) == "ok":
            return [_slow_optimizer(fit, reference, verdict, evidence)] if user_optimizer else []
    return [_failure(fit, batch, verdict, evidence)]


def _summary(fit: FitResult) -> str:
    start, best, steps = fit.losses[0], min(fit.losses[1:]), len(fit.losses) - 1
    return (f"The loss on {_samples(fit)} went from {start:.4g} to {best:.4g} "
            f"({1 - best / start:.1%} lower) in {steps} steps of {fit.optimizer}")


def _explained(fit: FitResult, cause: Finding, evidence: dict[str, object]) -> Finding:
    evidence["explained_by"] = cause.detector
    return finding(DETECTOR, cause.category, "info",
                   f"{_summary(fit)}; expected, given the {cause.detector} finding.",
                   "Fix that finding first.", evidence)


def _slow_optimizer(fit: FitResult, reference: FitResult, verdict: str,
                    evidence: dict[str, object]) -> Finding:
    start, best = fit.losses[0], min(fit.losses[1:])
    return finding(
        DETECTOR, "lr_too_low", "warning" if verdict == "flat" else "info",
        f"With {fit.optimizer} the loss on {_samples(fit)} went from {start:.4g} to {best:.4g} "
        f"in {len(fit.losses) - 1} steps, while {reference.optimizer} halves it in "
        f"{len(reference.losses) - 1}: the model and data are fine, your learning rate is low "
        "for them.",
        "Raise the learning rate (try 3-10x; an LR finder or a short sweep), or add momentum.",
        evidence)


def _failure(fit: FitResult, batch: Batch, verdict: str,
             evidence: dict[str, object]) -> Finding:
    evidence["drop"] = _r(1 - min(fit.losses[1:]) / fit.losses[0])
    what = _summary(fit)
    conflicts = conflicting_duplicates(batch)
    if conflicts:
        evidence["conflicting_samples"] = conflicts
        return finding(DETECTOR, "label_problem", "warning",
                       f"{what}: {conflicts} samples share identical inputs but have different "
                       "targets, so no model can fit them.",
                       "Check that inputs and labels are paired correctly (shuffled or "
                       "misaligned separately?) and deduplicate conflicting rows.", evidence)
    if verdict == "flat":
        category = "lr_too_low" if fit.max_lr == 0 else "bad_initialization"
        return finding(DETECTOR, category, "error",
                       f"{what}: it does not move, the model cannot learn at all.",
                       "Check for dead or saturated units (ReLU/sigmoid), a network "
                       "initialized to constants, an output cut from the weights (argmax, "
                       "round, .detach()), and a learning rate of 0.", evidence)
    return finding(DETECTOR, "lr_too_low", "warning",
                   f"{what}: a healthy setup memorizes a few samples quickly.",
                   f"Raise the learning rate (this check used {fit.optimizer}); if it is "
                   "already reasonable, normalize inputs and targets, and check that the model has "
                   "the capacity to fit a few samples.", evidence)


def conflicting_duplicates(batch: Batch) -> int:
    """How many samples have an input identical to another sample's but a different target."""
    inputs, target = batch.tensors(), batch.target
    if not inputs or not isinstance(target, torch.Tensor) or target.ndim == 0:
        return 0
    x, n = inputs[0], int(target.shape[0])
    if x.ndim == 0 or x.shape[0] != n or n < 2:
        return 0
    _, groups = torch.unique(x.detach().reshape(n, -1), dim=0, return_inverse=True)
    rows = target.detach().reshape(n, -1)
    conflicts = 0
    for g in torch.unique(groups[torch.bincount(groups)[groups] > 1]):
        members = rows[groups == g]
        if not bool((members == members[0]).all()):
            conflicts += len(members)
    return conflicts


def _quiet_loss(model: nn.Module, batch: Batch, compute: LossFn) -> torch.Tensor:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # already recorded by the first loss call
        return compute(batch.run(model), batch.target)


def _copied_groups(model: nn.Module, user_model: nn.Module,
                   optimizer: Any) -> list[dict[str, Any]]:
    names = {id(p): n for n, p in user_model.named_parameters()}
    mine = dict(model.named_parameters())
    groups = []
    for group in optimizer.param_groups:
        params = [mine[names[id(p)]] for p in group["params"]
                  if id(p) in names and mine[names[id(p)]].requires_grad]
        if params:
            settings = {k: v for k, v in group.items() if k not in ("params", "initial_lr")}
            settings["lr"] = group.get("initial_lr", group.get("lr"))  # before any warm-up
            groups.append({**settings, "params": params})
    return groups


def _done(losses: list[float], past_steps: bool, past_budget: bool) -> bool:
    start, last = losses[0], losses[-1]
    if not math.isfinite(last) or (start > 0 and last > OVERFIT_DIVERGE_FACTOR * start):
        return True
    if len(losses) > MIN_FIT_STEPS and start > 0 and (
            min(losses[1:]) <= (1 - OVERFIT_MIN_DROP) * start):
        return True
    flat = start > 0 and min(losses[1:]) > (1 - OVERFIT_FLAT_DROP) * start
    return past_steps and (past_budget or flat)


def _samples(fit: FitResult) -> str:
    return "this batch" if fit.samples is None else f"{fit.samples} samples of the batch"


def _r(v: float) -> float:
    return float(f"{v:.4g}") if math.isfinite(v) else v
