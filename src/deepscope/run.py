"""The :class:`Run`: what a training script logs into, from ``init`` to ``finish``."""

from __future__ import annotations

import enum
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ._lifecycle import ExitHooks
from ._values import _INT64_MAX, _INT64_MIN, check_name, check_step, to_scalar
from .diagnose.live import FindingError, LiveDiagnosis
from .records import (
    Finding,
    MediaRecord,
    RunMeta,
    RunStatus,
    SummaryRecord,
    TensorSummary,
    TextRecord,
)
from .store.config import normalize_config
from .store.sqlite import SqliteStore
from .store.writer import Writer
from .summarize.image import encode_image
from .summarize.numpy import DEFAULT_BINS, summarize_array

if TYPE_CHECKING:
    from .capture.torch import WatchHandle

WATCH_WHAT = ("weights", "grads", "updates", "activations", "activation_grads")
_FLOAT = frozenset({float})
_NUMBER = frozenset({float, int})
FINISH_TIMEOUT_S = 30.0  # finish() waits at most this long for the writer thread


class RunState(enum.Enum):
    """Lifecycle of a run: active -> finishing -> finished."""

    ACTIVE = "active"
    FINISHING = "finishing"
    FINISHED = "finished"


class Run:
    """One training run. Create it with :func:`deepscope.init`, not directly.

    Every ``log*`` method only queues data in memory; a background thread writes it. Use the run
    as a context manager, or call :meth:`finish`, which is safe to call twice.

    Examples:
        >>> with deepscope.init(project="digits", config={"lr": 3e-4}) as run:
        ...     for step in range(100):
        ...         run.log({"train/loss": 1.0 / (step + 1)}, step=step)
    """

    def __init__(self, meta: RunMeta, *, store: SqliteStore, writer: Writer,
                 last_step: int | None = None, clock: Callable[[], float] = time.time,
                 install_exit_hooks: bool = True) -> None:
        """Wrap a run already created in ``store``; ``writer`` must be started."""
        self.id = meta.id
        self.name = meta.name
        self.project = meta.project
        self.config: dict[str, Any] = dict(meta.config)
        self.tags: tuple[str, ...] = meta.tags
        self.notes = meta.notes
        self.logdir: Path = store.logdir
        self._store = store
        self._writer = writer
        self._clock = clock
        self._step = -1 if last_step is None else last_step
        self._known_names: set[tuple[str, ...]] = set()
        self._state = RunState.ACTIVE
        self._state_lock = threading.Lock()
        self._warned_after_finish = False
        self._watches: list[WatchHandle] = []
        self._live: LiveDiagnosis | None = None
        self._hooks = ExitHooks(self._finish_from_hook)
        if install_exit_hooks:
            self._hooks.install()

    # -- logging ---------------------------------------------------------------------------

    def log(self, data: Mapping[str, Any], step: int | None = None) -> None:
        """Log scalars: numbers, bools, or one-element arrays/tensors, keyed by series name.

        Never waits on the disk (see :mod:`deepscope.store.writer` for the memory bound).

        Args:
            data: ``{"train/loss": 0.31, "lr": 3e-4}``. NaN and +-Inf are stored faithfully.
            step: The step; when omitted, the step after the last one used.

        Raises:
            TypeError: a value is not a number (the message names the key), or a name is not
                a string.
        """
        if self._state is not RunState.ACTIVE:
            return self._warn_finished()
        if self._live is not None and self._live.pending is not None:
            self._raise_finding()
        names = tuple(data)
        values = list(data.values())
        types = set(map(type, values))
        if types != _FLOAT:
            values = self._coerce(names, values, types)
        if names not in self._known_names:
            for name in names:
                check_name(name)
            self._known_names.add(names)
        if step is None:
            step = self._step + 1
        elif type(step) is not int or not _INT64_MIN <= step <= _INT64_MAX:
            step = check_step(step)
        self._step = step
        if values:
            self._writer.add_row(step, self._clock(), names, values)

    def _raise_finding(self) -> None:
        assert self._live is not None and self._live.pending is not None
        finding, self._live.pending = self._live.pending, None
        raise FindingError(finding)

    def start_live_diagnosis(self, live: LiveDiagnosis) -> None:
        """Attach and start the live diagnosis thread (done by :func:`deepscope.init`)."""
        self._live = live
        live.start()

    @staticmethod
    def _coerce(names: tuple[str, ...], values: list[Any], types: set[type]) -> list[float]:
        if types <= _NUMBER:
            try:
                return list(map(float, values))
            except OverflowError:
                pass
        return [to_scalar(str(n), v) for n, v in zip(names, values, strict=True)]

    def log_histogram(self, name: str, values: Any, *, step: int | None = None,
                      bins: int = DEFAULT_BINS) -> None:
        """Log the distribution of an array or tensor as a :class:`TensorSummary`.

        Args:
            name: Series name, e.g. ``"embeddings/norms"``.
            values: A numpy array, list, or tensor (moved to the host for summarizing).
            step: The step; when omitted, the current step.
            bins: Number of histogram bins.
        """
        if hasattr(values, "detach"):  # a tensor: summarize on the host, without importing torch
            values = values.detach().float().cpu().numpy()
        self.log_summary(name, summarize_array(values, bins=bins), step=step)

    def log_summary(self, name: str, summary: TensorSummary, *, step: int | None = None) -> None:
        """Log a precomputed :class:`TensorSummary` (what the framework captures produce)."""
        if not isinstance(summary, TensorSummary):
            raise TypeError(f"deepscope: log_summary({name!r}) expects a TensorSummary, got "
                            f"{type(summary).__name__}")
        if self._state is not RunState.ACTIVE:
            return self._warn_finished()
        self._writer.add_other(SummaryRecord(check_name(name), self._current_step(step),
                                             self._clock(), summary))

    def log_text(self, name: str, text: str, *, step: int | None = None) -> None:
        """Log a piece of text (stored verbatim; rendered as text, never as HTML)."""
        if not isinstance(text, str):
            raise TypeError(f"deepscope: log_text({name!r}) expects a str, got "
                            f"{type(text).__name__}")
        if self._state is not RunState.ACTIVE:
            return self._warn_finished()
        self._writer.add_other(TextRecord(check_name(name), self._current_step(step),
                                          self._clock(), text))

    def log_image(self, name: str, image: Any, *, step: int | None = None) -> None:
        """Log an image: a numpy array (HxW, HxWxC or CxHxW), a tensor or a PIL image.

        Stored as a PNG file named by its content hash; float pixels are read as 0..1.
        """
        check_name(name)
        if self._state is not RunState.ACTIVE:
            return self._warn_finished()
        img = encode_image(image)
        self._writer.add_other(MediaRecord(name, self._current_step(step), self._clock(),
                                           img.sha256, img.mime, img.width, img.height, img.data))

    def log_finding(self, finding: Finding) -> None:
        """Record a :class:`Finding` (from a detector or a capture sentinel) in the run."""
        if not isinstance(finding, Finding):
            raise TypeError(f"deepscope: log_finding expects a Finding, got "
                            f"{type(finding).__name__}")
        if self._state is not RunState.ACTIVE:
            return self._warn_finished()
        self._writer.add_other(finding)

    def store_finding(self, finding: Finding) -> None:
        """Queue a finding for the store in any state (live diagnosis' last pass at finish)."""
        self._writer.add_other(finding)

    def log_model(self, tree: Mapping[str, Any], *, name: str = "model") -> None:
        """Record a model's structure (a module tree, as ``run.watch`` builds it)."""
        if self._state is not RunState.ACTIVE:
            return self._warn_finished()
        self._store.write_model(self.id, check_name(name, what="model name"), dict(tree),
                                now=self._clock())

    def _current_step(self, step: int | None) -> int:
        if step is None:
            return max(self._step, 0)
        self._step = check_step(step)
        return self._step

    def _warn_finished(self) -> None:
        if not self._warned_after_finish:
            self._warned_after_finish = True
            warnings.warn(f"deepscope: run {self.name!r} ({self.id}) is finished; what is logged "
                          f"after finish() is ignored. Start a new run with deepscope.init(), or "
                          f"continue this one with deepscope.init(id={self.id!r}, "
                          f"resume='allow').", RuntimeWarning, stacklevel=3)

    # -- watching models ---------------------------------------------------------------------

    def watch(self, model: Any, *, optimizer: Any = None, every: int = 100,
              what: Iterable[str] = WATCH_WHAT, modules: Any = None,
              on_nonfinite: str | None = "record", bins: int = DEFAULT_BINS,
              per_rank: bool = False) -> WatchHandle:
        """Hook a PyTorch model: per-layer weights, gradients, updates and activations.

        Every ``every`` steps (optimizer steps with ``optimizer=``, else training forward
        passes) each parameter gets ``weights/<name>`` and ``grads/<name>`` summaries and an
        ``updates/<name>`` update-to-weight ratio, each watched module an
        ``activations/<module>`` summary (dead units for ReLUs, saturation for sigmoid/tanh)
        and an ``activation_grads/<module>`` norm, plus ``grad_norm/total``. Statistics are
        computed on the tensors' device and copied to the host once per step. A NaN/Inf
        sentinel checks every step and records the first module that produced one.

        Args:
            model: A ``torch.nn.Module`` (DataParallel/DDP/compiled wrappers are unwrapped).
            optimizer: The optimizer; enables update ratios and step counting by
                ``optimizer.step()`` (right under gradient accumulation).
            every: Capture every this many steps.
            what: Any of ``weights``, ``grads``, ``updates``, ``activations``,
                ``activation_grads``.
            modules: Which modules to watch: a name glob (``"encoder.*"``), a list of globs, a
                module type or tuple of types, or ``callable(name, module) -> bool``; leaf
                modules by default.
            on_nonfinite: ``"record"`` (a finding in the run), ``"warn"`` (also a warning),
                ``"raise"`` (stop before the optimizer applies the bad step), or None (off).
            bins: Histogram bins per summary.
            per_rank: Under torch.distributed, log every rank (series prefixed ``rank<r>/``)
                instead of rank 0 only.

        Returns:
            A handle; ``handle.remove()`` takes every hook off (so does :meth:`finish`).

        Examples:
            >>> handle = run.watch(model, optimizer=opt, every=50)
        """
        from .capture import torch as capture_torch  # lazy: torch loads only when watching

        handle = capture_torch.watch(model, self, optimizer=optimizer, every=every, what=what,
                                     modules=modules, on_nonfinite=on_nonfinite,  # type: ignore[arg-type]
                                     bins=bins, per_rank=per_rank)
        self._watches.append(handle)
        return handle

    def watch_summaries(self, step: int, items: Sequence[tuple[str, TensorSummary]]) -> None:
        """Sink for capture adapters: summaries taken at ``step``."""
        if self._state is not RunState.ACTIVE:
            return
        wall = self._clock()
        for name, summary in items:
            self._writer.add_other(SummaryRecord(name, step, wall, summary))

    def watch_scalars(self, step: int, values: Mapping[str, float]) -> None:
        """Sink for capture adapters: scalars taken at ``step``."""
        if self._state is not RunState.ACTIVE or not values:
            return
        self._writer.add_row(step, self._clock(), tuple(values), [float(v) for v in
                                                                   values.values()])

    def watch_finding(self, finding: Finding) -> None:
        """Sink for capture adapters: a finding from a sentinel."""
        self.log_finding(finding)

    def watch_model(self, tree: Mapping[str, object]) -> None:
        """Sink for capture adapters: the watched model's structure."""
        self.log_model(tree)

    # -- metadata --------------------------------------------------------------------------

    def log_config(self, config: Mapping[str, Any]) -> None:
        """Merge keys into the run's config (nested dicts allowed; stored as JSON)."""
        self.config.update(normalize_config(dict(config)))
        self._store.update_config(self.id, self.config)

    def add_tags(self, *tags: str) -> None:
        """Add tags to the run."""
        for tag in tags:
            check_name(tag, what="tag")
        self.tags = tuple(dict.fromkeys((*self.tags, *tags)))
        self._store.update_tags(self.id, self.tags)

    def set_notes(self, notes: str) -> None:
        """Replace the run's free-text notes."""
        if not isinstance(notes, str):
            raise TypeError(f"deepscope: notes must be a str, got {type(notes).__name__}")
        self.notes = notes
        self._store.update_notes(self.id, notes)

    @property
    def step(self) -> int:
        """The last step used (-1 before anything was logged)."""
        return self._step

    @property
    def state(self) -> RunState:
        """Where the run is in its lifecycle."""
        return self._state

    # -- lifecycle -------------------------------------------------------------------------

    def flush(self, timeout: float | None = None) -> bool:
        """Write everything logged so far to disk; False if ``timeout`` seconds ran out."""
        return self._writer.flush(timeout)

    def finish(self, status: RunStatus = "finished", *, reason: str | None = None) -> None:
        """Flush, mark the run ``status`` and stop its writer. Safe to call twice."""
        with self._state_lock:
            if self._state is not RunState.ACTIVE:
                return
            watches, self._watches = self._watches, []
        for handle in watches:  # while still active, so their last captured step is kept
            handle.remove()
        with self._state_lock:
            self._state = RunState.FINISHING
        try:
            self._writer.close(timeout=FINISH_TIMEOUT_S)
            if self._live is not None:  # a last look at the complete run; findings stored below
                self._live.stop(final_pass=True)
                self._writer.close(timeout=FINISH_TIMEOUT_S)
            self._store.set_status(self.id, status, now=self._clock(), reason=reason)
            self._store.close()  # reopened lazily if metadata is changed after finish
        finally:
            self._hooks.remove()
            self._state = RunState.FINISHED

    def _finish_from_hook(self, status: RunStatus, reason: str | None) -> None:
        self.finish(status, reason=reason)

    def __enter__(self) -> Run:
        """Return the run itself."""
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        """Finish the run: ``crashed`` on an exception, ``killed`` on KeyboardInterrupt."""
        if kind is None:
            self.finish()
        elif issubclass(kind, KeyboardInterrupt):
            self.finish("killed", reason="KeyboardInterrupt")
        else:
            self.finish("crashed", reason=f"{kind.__name__}: {exc}"[:500])

    def __repr__(self) -> str:
        """Short description with id, name and state."""
        return f"<Run {self.id} {self.name!r} project={self.project!r} {self._state.value}>"

