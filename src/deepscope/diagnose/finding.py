"""The vocabulary of findings: categories, severities and where each detector is documented."""

from __future__ import annotations

from typing import Final

from ..records import Finding, Severity

__all__ = ["CATEGORIES", "CAUSAL_ORDER", "DOCS_BASE", "SEVERITIES", "Finding", "Severity",
           "causal_rank", "doc_path", "severity_rank"]

CATEGORIES: Final = (
    "nonfinite", "exploding_gradients", "vanishing_gradients", "dead_units", "saturated_units",
    "lr_too_high", "lr_too_low", "loss_output_mismatch", "unnormalized_inputs",
    "bad_initialization", "unused_parameters", "frozen_parameters", "batch_mixing",
    "broadcast_loss", "overfitting", "plateau", "oscillating_loss", "label_problem",
)
SEVERITIES: Final = ("info", "warning", "error")
# Root causes before their symptoms: when several findings describe one problem, the first
# in this order is the one to fix first (a vanishing gradient also makes updates tiny; a
# learning rate that is too high kills and saturates units).
CAUSAL_ORDER: Final = (
    "nonfinite", "loss_output_mismatch", "broadcast_loss", "batch_mixing", "label_problem",
    "unused_parameters", "frozen_parameters", "unnormalized_inputs", "bad_initialization",
    "exploding_gradients", "vanishing_gradients", "lr_too_high", "saturated_units",
    "dead_units", "lr_too_low", "oscillating_loss", "overfitting", "plateau",
)
DOCS_BASE: Final = "docs/detectors"


def doc_path(detector: str) -> str:
    """Where a detector's page lives, relative to the repository: ``docs/detectors/<id>.md``."""
    return f"{DOCS_BASE}/{detector}.md"


def causal_rank(category: str) -> int:
    """Position of a category in :data:`CAUSAL_ORDER` (unknown categories last)."""
    return CAUSAL_ORDER.index(category) if category in CAUSAL_ORDER else len(CAUSAL_ORDER)


def severity_rank(severity: str) -> int:
    """0 for info, 1 for warning, 2 for error (for sorting)."""
    return SEVERITIES.index(severity)
