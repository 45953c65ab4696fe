"""Every offline/live detector, by family. A detector is ``fn(view: RunView) -> list[Finding]``
with a stable id, named threshold constants at the top of its module, and a doc page."""

from __future__ import annotations

from collections.abc import Callable

from ...records import Finding
from ..view import RunView
from . import activations, curves, gradients, parameters

Detector = Callable[[RunView], list[Finding]]

# Detectors that look at non-finite values themselves; all others see the run only up to its
# first non-finite step (see RunView.before_nonfinite).
SEES_NONFINITE = frozenset({"loss.nonfinite"})

DETECTORS: dict[str, Detector] = {
    **curves.DETECTORS,
    **gradients.DETECTORS,
    **activations.DETECTORS,
    **parameters.DETECTORS,
}
