"""Run every detector over a run and merge the result with what sentinels already recorded."""

from __future__ import annotations

import warnings
from collections.abc import Mapping

from ..query.reader import Reader
from ..records import Finding
from .detectors import DETECTORS, SEES_NONFINITE, Detector
from .finding import causal_rank, severity_rank
from .view import RunView


def diagnose_run(reader: Reader, run_id: str, *,
                 detectors: Mapping[str, Detector] | None = None) -> list[Finding]:
    """Findings for one run: every detector's, plus the findings stored in the run.

    A detector that fails is skipped with a warning (one bad rule must not hide the others).
    Findings are ordered by severity (errors first), then step.
    """
    view = RunView(reader, run_id)
    clean = view.before_nonfinite()
    found: list[Finding] = []
    for detector_id, detect in (detectors or DETECTORS).items():
        try:
            found.extend(detect(view if detector_id in SEES_NONFINITE else clean))
        except Exception as exc:  # noqa: BLE001 - reported, never fatal
            warnings.warn(f"deepscope: detector {detector_id} failed on run {run_id}: {exc!r}",
                          RuntimeWarning, stacklevel=2)
    return sort_findings(merge(reader.list_findings(run_id), found))


def merge(stored: list[Finding], fresh: list[Finding]) -> list[Finding]:
    """Stored findings plus fresh ones not already stored (same detector and first step)."""
    seen = {(f.detector, f.step_start, f.layer) for f in stored}
    return stored + [f for f in fresh if (f.detector, f.step_start, f.layer) not in seen]


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Errors first, then warnings, then info; within a severity root causes before symptoms
    (:data:`~deepscope.diagnose.finding.CAUSAL_ORDER`), then by first step."""
    return sorted(findings, key=lambda f: (-severity_rank(f.severity), causal_rank(f.category),
                                           f.step_start if f.step_start is not None else -1,
                                           f.detector))
