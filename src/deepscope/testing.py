"""Test helpers for models: ``assert_trainable`` turns :func:`deepscope.check` into a pytest
assertion (needs torch)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

from .diagnose.preflight import check
from .records import Finding

FAILING_SEVERITIES = ("warning", "error")  # what makes assert_trainable fail


def assert_trainable(model: nn.Module, batch: Any, *, loss_fn: Callable[..., Any] | None = None,
                     **kwargs: Any) -> list[Finding]:
    """Assert that :func:`deepscope.check` finds no warning or error on this model and batch.

    Args:
        model: The model under test.
        batch: ``x``, ``(x, y)`` or a dict of model kwargs, as for :func:`deepscope.check`.
        loss_fn: The training loss, e.g. ``nn.CrossEntropyLoss()``.
        **kwargs: Passed on to :func:`deepscope.check` (``optimizer=``, ``target=``,
            ``steps=``, ``seed=``, ``batch_dim=``, ``skip=``).

    Returns:
        Every finding, including info ones, when the assertion passes.

    Raises:
        AssertionError: listing each warning and error with its suggestion.

    Examples:
        >>> def test_model_trains():
        ...     assert_trainable(Net(), (x, y), loss_fn=nn.CrossEntropyLoss())
    """
    findings = check(model, batch, loss_fn=loss_fn, **kwargs)
    failing = [f for f in findings if f.severity in FAILING_SEVERITIES]
    if failing:
        raise AssertionError(format_findings(failing))
    return findings


def format_findings(findings: list[Finding]) -> str:
    """One block per finding: severity, detector, category, message and suggestion."""
    lines = [f"deepscope.check found {len(findings)} problem(s):"]
    for f in findings:
        where = f" [{f.layer}]" if f.layer else ""
        lines.append(f"- {f.severity} {f.detector} ({f.category}){where}: {f.message}")
        if f.suggestion:
            lines.append(f"  fix: {f.suggestion}")
    return "\n".join(lines)
