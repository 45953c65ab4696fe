"""Live diagnosis: the offline detectors, rerun in the background while a run is written.

Every ``interval`` seconds a thread reads the run back through the read API (the data the
writer flushed) and runs every detector. Each new finding is reported once: a one-line console
message with the suggestion (unless its action is ``ignore``), stored in the run, and, when its
action is ``raise`` (all severe findings with ``on_finding="raise"``), handed to the training
thread, whose next ``log()`` raises :class:`FindingError`.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal, TextIO

from ..errors import DeepscopeError
from ..query.sqlite import SqliteReader
from ..records import Finding
from .detectors import DETECTORS, SEES_NONFINITE
from .view import RunView

Action = Literal["warn", "raise", "ignore"]
OnFinding = Action | Mapping[str, Action]
LIVE_INTERVAL_S = 10.0  # seconds between live diagnosis passes
RAISE_SEVERITIES = ("error",)  # with on_finding="raise", these stop training; others warn


class FindingError(DeepscopeError):
    """Raised from ``log()`` when live diagnosis found something set to stop training."""

    def __init__(self, finding: Finding) -> None:
        """Keep the finding; the message is its message and suggestion."""
        super().__init__(f"[{finding.detector}] {finding.message} Fix: {finding.suggestion}")
        self.finding = finding


def action_for(finding: Finding, on_finding: OnFinding) -> Action:
    """What to do with a finding: per detector id or category when given a mapping."""
    if isinstance(on_finding, Mapping):
        return on_finding.get(finding.detector, on_finding.get(finding.category, "warn"))
    if on_finding == "raise" and finding.severity not in RAISE_SEVERITIES:
        return "warn"
    return on_finding


def format_line(finding: Finding) -> str:
    """The one-line console message of a finding."""
    where = f" in {finding.layer}" if finding.layer else ""
    when = "" if finding.step_start is None else f" (step {finding.step_start})"
    return (f"deepscope {finding.severity}: [{finding.detector}]{where}{when} {finding.message} "
            f"Fix: {finding.suggestion}")


class LiveDiagnosis:
    """The background thread of one run."""

    def __init__(self, logdir: Path, run_id: str, *, on_finding: OnFinding,
                 store: Callable[[Finding], None], interval: float = LIVE_INTERVAL_S,
                 out: TextIO | None = None) -> None:
        """Prepare; :meth:`start` starts the thread."""
        self._logdir, self._run_id = logdir, run_id
        self._on_finding, self._store = on_finding, store
        self._interval, self._out = interval, out
        self._seen: set[tuple[str, str | None]] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.pending: Finding | None = None  # read by the training thread's log()

    def start(self) -> None:
        """Start the daemon thread."""
        self._thread = threading.Thread(target=self._loop, name="deepscope-diagnosis",
                                        daemon=True)
        self._thread.start()

    def stop(self, *, final_pass: bool = False) -> None:
        """Stop the thread (after one last pass with ``final_pass``)."""
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=30)
        if final_pass:
            self.check_now()

    def _loop(self) -> None:
        while not self._stop.wait(self._interval):
            self.check_now()

    def check_now(self) -> list[Finding]:
        """Run every detector once; report and return the findings not seen before."""
        try:
            with SqliteReader(self._logdir) as reader:
                view = RunView(reader, self._run_id)
                clean = view.before_nonfinite()
                found = [f for key, detect in DETECTORS.items()
                         for f in _safe(detect, view if key in SEES_NONFINITE else clean)]
        except Exception as exc:  # noqa: BLE001 - diagnosis must never break training
            print(f"deepscope: live diagnosis skipped a pass: {exc}", file=self._out or sys.stderr)
            return []
        fresh = [f for f in found if (f.detector, f.layer) not in self._seen]
        for f in fresh:
            self._seen.add((f.detector, f.layer))
            self._report(f)
        return fresh

    def _report(self, finding: Finding) -> None:
        action = action_for(finding, self._on_finding)
        self._store(finding)
        if action == "ignore":
            return
        print(format_line(finding), file=self._out or sys.stderr, flush=True)
        if action == "raise" and self.pending is None:
            self.pending = finding


def _safe(detect: Callable[[RunView], list[Finding]], view: RunView) -> list[Finding]:
    try:
        return detect(view)
    except Exception:  # noqa: BLE001 - one failing rule must not stop the others
        return []
