"""``deepscope.check``: pre-flight checks of a model on one batch (torch is imported on call)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

from .records import Finding

if TYPE_CHECKING:
    import torch


def check(model: torch.nn.Module, batch: Any, *, loss_fn: Callable[..., Any] | None = None,
          optimizer: torch.optim.Optimizer | None = None, target: Any = None, steps: int = 30,
          seed: int = 0, batch_dim: int = 0, skip: Collection[str] = ()) -> list[Finding]:
    """Unit tests for a model: find training bugs on one batch, in seconds, before a long run.

    Checks, each a detector with a page in ``docs/detectors/``: the loss at initialization, that
    a copy can overfit the batch, that every trainable parameter gets a gradient and is in the
    optimizer, that samples do not leak into each other, that the output activation, the target
    and the loss fit together (no broadcasting), and that the inputs are normalized. Everything
    runs on deep copies with a forked RNG: ``model``, ``optimizer`` and the random state are left
    untouched. Without a loss (no ``loss_fn``, no ``loss`` in the model's output) only the input
    scale, gradient reach, optimizer coverage and batch independence checks run.

    Args:
        model: A ``torch.nn.Module``; it must survive ``copy.deepcopy``.
        batch: ``x``; ``(x, y)``; or a dict of keyword arguments for the model (with ``target=``).
            With ``target=`` given, a tuple is the model's positional arguments. Use a small
            batch (16-64 samples): the overfit check trains on all of it.
        loss_fn: ``loss_fn(output, target) -> scalar tensor`` (``loss_fn(output)`` when there is
            no target), e.g. ``nn.CrossEntropyLoss()``. A non-scalar result is averaged.
        optimizer: The optimizer you will train with. Its parameter coverage is checked, and the
            overfit check uses its class and hyperparameters on a copy (default
            ``Adam(lr=1e-3)``).
        target: The target when ``batch`` is only the model's input(s).
        steps: Training steps of the overfit check (extended up to 4x while the loss still
            moves, within a 3-second budget).
        seed: Seed for the checks' randomness (dropout in the copies, random probes).
        batch_dim: The batch dimension of inputs and outputs (1 for sequence-first models).
        skip: Detector ids not to run, e.g. ``{"preflight.batch_independence"}``.

    Returns:
        Findings (:class:`~deepscope.Finding`), errors first; empty for a healthy setup.

    Raises:
        TypeError: ``model`` is not a module or cannot be deep-copied.
        ValueError: a bad ``batch``, ``steps``, ``batch_dim`` or ``skip``.

    Examples:
        >>> findings = deepscope.check(model, (x, y), loss_fn=nn.CrossEntropyLoss(),
        ...                            optimizer=opt)
        >>> for f in findings:
        ...     print(f.severity, f.detector, f.message)
    """
    from .diagnose.preflight import check as run_checks  # keeps `import deepscope` torch-free

    return run_checks(model, batch, loss_fn=loss_fn, optimizer=optimizer, target=target,
                      steps=steps, seed=seed, batch_dim=batch_dim, skip=skip)
