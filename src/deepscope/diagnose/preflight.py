"""Pre-flight checks: unit tests for a model, run on one batch in seconds before a long training.

Every check runs on deep copies of the model with a fresh optimizer, inside a forked RNG: the
user's parameters, buffers (batch-norm statistics), gradients, optimizer state and random state
are left exactly as they were. Each check is a detector with a stable id and a doc page
(``docs/detectors/<id>.md``); thresholds are named constants at the top of its module:

- ``preflight.initial_loss`` (``_preflight_init``): loss at step 0 vs the loss of knowing nothing;
- ``preflight.overfit_batch`` (``_preflight_fit``): can a copy memorize this one batch?
- ``preflight.grad_coverage`` (``_preflight_params``): does every trainable parameter get a
  gradient; which parameters are frozen;
- ``preflight.optimizer_coverage`` (``_preflight_params``): is every trainable parameter in the
  optimizer, with a learning rate above 0;
- ``preflight.batch_independence`` (``_preflight_mixing``): do samples leak into each other?
- ``preflight.output_loss_pairing``, ``preflight.loss_broadcast``, ``preflight.target_range``
  (``_preflight_output``): do output, target and loss fit together?
- ``preflight.input_scale`` (``_preflight_scale``): is the first weight layer's input normalized?
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable, Collection
from typing import Any

import torch
from torch import nn

from ..records import Finding
from ._preflight_batch import Batch, copy_model, parse_batch
from ._preflight_fit import (
    DEFAULT_LR,
    OVERFIT_SAMPLES,
    OVERFIT_TIME_BUDGET,
    REFERENCE_LRS,
    GradRecord,
    fit_batch,
    outcome,
    overfit_finding,
)
from ._preflight_init import initial_loss
from ._preflight_loss import LossFn, Probe, run_probe
from ._preflight_mixing import batch_independence
from ._preflight_output import loss_broadcast, output_loss_pairing, target_range
from ._preflight_params import frozen_parameters, grad_coverage, optimizer_coverage
from ._preflight_scale import first_layer_input, input_scale
from .finding import causal_rank, severity_rank

DETECTORS = (
    "preflight.initial_loss", "preflight.overfit_batch", "preflight.grad_coverage",
    "preflight.optimizer_coverage", "preflight.batch_independence",
    "preflight.output_loss_pairing", "preflight.loss_broadcast", "preflight.target_range",
    "preflight.input_scale")
# Findings that, at severity error, explain why the batch cannot be memorized.
ROOT_CAUSES = ("loss_output_mismatch", "broadcast_loss", "label_problem", "unused_parameters",
               "frozen_parameters", "batch_mixing")
# Detectors that can explain an exception the loss raised (the finding replaces the exception).
LOSS_DIAGNOSES = ("preflight.output_loss_pairing", "preflight.loss_broadcast",
                  "preflight.target_range")
# Warnings that explain a slow fit as well (an input or output on the wrong scale).
EXPLAINING_WARNINGS = ("preflight.initial_loss", "preflight.input_scale",
                       "preflight.grad_coverage", "preflight.optimizer_coverage")


def check(model: nn.Module, batch: Any, *, loss_fn: Callable[..., Any] | None = None,
          optimizer: torch.optim.Optimizer | None = None, target: Any = None, steps: int = 30,
          seed: int = 0, batch_dim: int = 0, skip: Collection[str] = ()) -> list[Finding]:
    """Run every pre-flight check on one batch; see :func:`deepscope.check` for the arguments.

    Returns:
        Findings, errors first, then warnings, then info; within a severity root causes before
        symptoms. Empty for a healthy model.
    """
    _validate(model, steps, batch_dim, skip)
    parsed = parse_batch(batch, target)
    if isinstance(loss_fn, nn.Module):  # a loss with parameters (a learned temperature) stays
        loss_fn = copy_model(loss_fn)   # untouched too
    cuda = sorted({p.device.index or 0 for p in model.parameters() if p.device.type == "cuda"})
    with torch.random.fork_rng(devices=cuda), torch.enable_grad():
        torch.manual_seed(seed)
        found = _run(model, parsed, loss_fn, optimizer, steps=steps, seed=seed,
                     batch_dim=batch_dim, skip=set(skip))
    kept = [f for f in found if f.detector not in skip]
    return sorted(kept, key=lambda f: (-severity_rank(f.severity), causal_rank(f.category),
                                       f.detector))


def _run(model: nn.Module, batch: Batch, loss_fn: Callable[..., Any] | None, optimizer: Any, *,
         steps: int, seed: int, batch_dim: int, skip: set[str]) -> list[Finding]:
    found = frozen_parameters(model) + optimizer_coverage(model, optimizer)
    work = copy_model(model).train()
    with first_layer_input(work) as first:
        probe, compute = run_probe(work, batch, loss_fn)
    found += input_scale(first)
    found += (output_loss_pairing(probe) + loss_broadcast(probe, batch.target)
              + target_range(probe, batch.target, loss_fn))
    if probe.error is not None and not any(
            f.severity == "error" and f.detector in LOSS_DIAGNOSES for f in found):
        _explain(probe, batch)
        raise probe.error
    if "preflight.batch_independence" not in skip:
        found += batch_independence(model, batch, batch_dim=batch_dim, seed=seed)
    grads: GradRecord | None = None
    if probe.loss is not None and compute is not None:
        if not _has_root_error(found):  # a mismatched output makes the initial loss meaningless
            found += initial_loss(probe, compute, batch.target)
        grads = GradRecord()
        if grads.backward(work, probe.loss) and "preflight.overfit_batch" not in skip:
            early = grad_coverage(work, grads, probe.unreached, explained_by=[])
            causes = [f for f in found + early if _explains_slow_fit(f)]
            found += _overfit(model, work, batch, compute, probe, optimizer, grads, causes,
                              steps=steps, batch_dim=batch_dim)
    constant_output = [f for f in found if f.severity == "error" and f.category in (
        "loss_output_mismatch", "broadcast_loss", "label_problem")]
    found += grad_coverage(work, grads, probe.unreached, explained_by=constant_output)
    return found


def _overfit(model: nn.Module, work: nn.Module, batch: Batch, compute: LossFn, probe: Probe,
             optimizer: Any, grads: GradRecord, causes: list[Finding], *, steps: int,
             batch_dim: int) -> list[Finding]:
    """Train a copy on a few samples; when that falls short and no finding explains why, try
    Adam at the reference learning rates on fresh copies before calling it a failure."""
    if not any(p.requires_grad for p in work.parameters()):
        return []
    deadline = time.perf_counter() + OVERFIT_TIME_BUDGET
    small = _runnable_head(work, batch, compute, batch_dim)
    fit = fit_batch(work, small, compute, user_model=model, optimizer=optimizer, steps=steps,
                    deadline=deadline, grads=grads, batch_dim=batch_dim)
    known = probe.kind is not None
    reference = None
    if not causes and outcome(fit, known_floor=known) in ("flat", "slow"):
        for lr in REFERENCE_LRS:
            if optimizer is None and lr == DEFAULT_LR:
                continue  # that is the run we just made
            reference = fit_batch(copy_model(model).train(), small, compute, user_model=model,
                                  optimizer=None, steps=steps, deadline=deadline, lr=lr,
                                  batch_dim=batch_dim)
            if outcome(reference, known_floor=known) == "ok":
                break
    return overfit_finding(fit, small, known_floor=known, reference=reference,
                           explained_by=causes, user_optimizer=optimizer is not None)


def _runnable_head(work: nn.Module, batch: Batch, compute: LossFn, batch_dim: int) -> Batch:
    """The first samples of the batch, or all of it when the cut batch does not run (a tensor
    whose first dimension happened to equal the batch size was cut but is not per-sample)."""
    small = batch.head(OVERFIT_SAMPLES, batch_dim)
    if small is batch:
        return batch
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compute(small.run(work), small.target)
    except Exception:  # noqa: BLE001 - any failure means: do not cut
        return batch
    return small


def _is_root_error(f: Finding) -> bool:
    return f.severity == "error" and f.category in ROOT_CAUSES


def _has_root_error(found: list[Finding]) -> bool:
    return any(_is_root_error(f) for f in found)


def _explains_slow_fit(f: Finding) -> bool:
    if _is_root_error(f):
        return True
    if f.severity != "warning" or f.detector not in EXPLAINING_WARNINGS:
        return False
    # all-zero gradients (dead units) are what the overfit verdict itself diagnoses
    return f.detector != "preflight.grad_coverage" or bool(f.evidence.get("no_gradient"))


def _explain(probe: Probe, batch: Batch) -> None:
    """Attach the shapes involved to the error the loss raised (Python 3.11+ notes)."""
    add_note = getattr(probe.error, "add_note", None)
    if add_note is None:
        return
    shape = None if probe.out is None else tuple(probe.out.shape)
    target = batch.target
    tshape = tuple(target.shape) if isinstance(target, torch.Tensor) else type(target).__name__
    add_note(f"deepscope.check(): the loss raised this on the model's output {shape} and the "
             f"target {tshape}; fix it, then run check() again.")


def _validate(model: Any, steps: int, batch_dim: int, skip: Collection[str]) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"check() needs a torch.nn.Module, got {type(model).__name__}.")
    if not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be an int >= 1 (training steps of the overfit check), "
                         f"got {steps!r}.")
    if not isinstance(batch_dim, int) or batch_dim < 0:
        raise ValueError(f"batch_dim must be an int >= 0, got {batch_dim!r}.")
    unknown = sorted(set(skip) - set(DETECTORS))
    if isinstance(skip, str) or unknown:
        raise ValueError(f"skip= takes a collection of detector ids, got {skip!r}; known ids: "
                         f"{', '.join(DETECTORS)}.")
