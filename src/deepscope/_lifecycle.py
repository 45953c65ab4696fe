"""Finishing runs when the process ends: normal exit, an uncaught exception, SIGTERM, SIGINT.

- At interpreter exit an unfinished run is flushed and marked ``finished`` — or ``crashed`` /
  ``killed`` when an uncaught exception (KeyboardInterrupt means killed) ended the program.
- On SIGTERM (when no other handler was installed) the run is flushed and marked ``killed``,
  then the default action runs, so the exit status is what it would have been.
- SIGINT keeps Python's behaviour (KeyboardInterrupt); the exception path above marks the run.
- A SIGKILL cannot be caught: the run's heartbeat stops, and readers report it ``crashed`` once the
  heartbeat is stale. Everything flushed before the kill is on disk.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType, TracebackType
from typing import Any

from .records import RunStatus

Finisher = Callable[[RunStatus, str | None], None]


class ExitHooks:
    """Install and remove the process-exit handlers of one run."""

    def __init__(self, finish: Finisher) -> None:
        """Remember what to call when the process ends."""
        self._finish = finish
        self._exit_status: tuple[RunStatus, str] | None = None
        self._prev_excepthook: Callable[..., Any] | None = None
        self._prev_sigterm: Any = None
        self._installed = False
        self._pid = os.getpid()

    def install(self) -> None:
        """Register the atexit, excepthook and (from the main thread) SIGTERM handlers."""
        self._pid = os.getpid()  # a fork()ed child inherits the hooks; they must not fire there
        atexit.register(self._at_exit)
        self._prev_excepthook = sys.excepthook
        sys.excepthook = self._excepthook
        if threading.current_thread() is threading.main_thread():
            if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
                self._prev_sigterm = signal.signal(signal.SIGTERM, self._on_sigterm)
        self._installed = True

    def remove(self) -> None:
        """Undo :meth:`install` (safe to call twice, and from any thread)."""
        if not self._installed:
            return
        self._installed = False
        atexit.unregister(self._at_exit)
        if sys.excepthook == self._excepthook:
            sys.excepthook = self._prev_excepthook or sys.__excepthook__
        if (self._prev_sigterm is not None
                and threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGTERM) == self._on_sigterm):
            signal.signal(signal.SIGTERM, self._prev_sigterm)

    def _excepthook(self, kind: type[BaseException], exc: BaseException,
                    tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            self._exit_status = ("killed", "KeyboardInterrupt")
        else:
            self._exit_status = ("crashed", f"{kind.__name__}: {exc}"[:500])
        (self._prev_excepthook or sys.__excepthook__)(kind, exc, tb)

    def _at_exit(self) -> None:
        if os.getpid() != self._pid:  # a forked child exiting: the run belongs to the parent
            return
        status, reason = self._exit_status or ("finished", None)
        self._finish(status, reason)

    def _on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        if os.getpid() == self._pid:
            self._finish("killed", "SIGTERM")
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
