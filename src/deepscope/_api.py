"""The module-level API: ``deepscope.init``, ``deepscope.log`` and friends, over :class:`Run`."""

from __future__ import annotations

import os
import secrets
import sqlite3
import time
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any, Literal

from ._names import random_run_name
from ._sysinfo import collect_system_info
from ._values import check_name
from .diagnose.engine import diagnose_run
from .diagnose.live import LIVE_INTERVAL_S, LiveDiagnosis, OnFinding
from .errors import NotFoundError, RunStateError
from .query.sqlite import SqliteReader
from .records import Finding, RunMeta
from .run import Run, RunState
from .store.config import normalize_config
from .store.sqlite import SqliteStore
from .store.writer import Writer, WriterSettings

DEFAULT_LOGDIR = "deepscope-logs"
LOGDIR_ENV = "DEEPSCOPE_LOGDIR"  # overrides the default logdir when init() gets none
LIVE_ENV = "DEEPSCOPE_LIVE_DIAGNOSIS"  # "0"/"off" turns live diagnosis off by default
DEFAULT_PROJECT = "default"
_RUN_ID_BYTES = 4  # 8 hex characters

# The only module-level mutable state: the run that deepscope.log() and friends write to.
_current: ContextVar[Run | None] = ContextVar("deepscope_current_run", default=None)


def init(project: str | None = None, name: str | None = None, *,
         config: Mapping[str, Any] | None = None, tags: Iterable[str] = (), notes: str = "",
         logdir: str | os.PathLike[str] | None = None, id: str | None = None,
         resume: Literal["allow", "must"] | None = None,
         on_finding: OnFinding = "warn", live_diagnosis: float | None = LIVE_INTERVAL_S,
         writer_settings: WriterSettings | None = None, exit_hooks: bool = True,
         environ: Mapping[str, str] | None = None) -> Run:
    """Start (or resume) a run and make it the current run.

    Args:
        project: Groups runs; defaults to ``"default"``.
        name: Human-readable name; a random one (``brisk-otter-3f2a``) when omitted.
        config: Hyperparameters; nested dicts are flattened to ``a.b`` keys for filtering.
        tags: Labels for filtering.
        notes: Free text.
        logdir: Where runs are stored; ``$DEEPSCOPE_LOGDIR`` or ``./deepscope-logs`` by default.
        id: The run id; random when omitted.
        resume: ``"allow"`` appends to the run ``id`` if it exists (else creates it); ``"must"``
            requires it to exist. Without ``resume`` an existing ``id`` is an error.
        on_finding: What live diagnosis does with a new finding: ``"warn"`` (a console line,
            the default), ``"raise"`` (errors stop training: the next ``log()`` raises
            ``FindingError``; warnings are printed), ``"ignore"`` (only stored), or a mapping
            from detector id or category to one of those.
        live_diagnosis: Seconds between live diagnosis passes over what was written (None:
            off; so does ``DEEPSCOPE_LIVE_DIAGNOSIS=0``). A last pass runs at ``finish()``.
        writer_settings: Flush interval and memory bounds of the background writer.
        exit_hooks: Finish the run at interpreter exit and on SIGTERM, recording crashes.
        environ: Environment to read ``DEEPSCOPE_LOGDIR`` from (``os.environ`` by default).

    Raises:
        LogdirError: the logdir cannot be created or written (the message has the path and why).

    Examples:
        >>> run = deepscope.init(project="digits", config={"lr": 3e-4})
        >>> run.log({"train/loss": 0.5}, step=0)
        >>> run.finish()
    """
    env = os.environ if environ is None else environ
    store = SqliteStore(Path(logdir if logdir is not None else env.get(LOGDIR_ENV,
                                                                       DEFAULT_LOGDIR)))
    project = check_name(project or DEFAULT_PROJECT, what="project")
    cfg = normalize_config(dict(config or {}))
    tag_tuple = tuple(check_name(t, what="tag") for t in tags)
    now = time.time()
    last_step: int | None = None
    if id is not None and store.run_exists(check_name(id, what="run id")):
        if resume is None:
            raise RunStateError(f"A run with id {id!r} already exists in {str(store.logdir)!r}. "
                                f"Pass resume='allow' to append to it, or omit id= for a new run.")
        state = store.resume_run(id, now=now)
        last_step = state.last_step
        with SqliteReader(store.logdir) as reader:  # the run keeps its name, project, tags, notes
            prev = reader.get_run(id)
        if cfg:
            store.update_config(id, {**state.config, **cfg})
        cfg = {**state.config, **cfg}
        tag_tuple = tuple(dict.fromkeys((*prev.tags, *tag_tuple)))
        if tag_tuple != prev.tags:
            store.update_tags(id, tag_tuple)
        if notes:
            store.update_notes(id, notes)
        meta = RunMeta(id, name or prev.name, prev.project, cfg, tag_tuple, notes or prev.notes,
                       prev.system, now)
    else:
        if resume == "must":
            raise NotFoundError(f"No run with id {id!r} to resume in {str(store.logdir)!r}.")
        run_id = id or _new_id(store)
        meta = RunMeta(run_id, check_name(name) if name else random_run_name(run_id), project,
                       cfg, tag_tuple, notes, collect_system_info(), now)
        try:
            store.create_run(meta)
        except sqlite3.IntegrityError:
            if id is None or not store.run_exists(id):
                raise
            # Another process (e.g. another DDP rank) created this id since we looked: start
            # over, now on the resume path (or the "already exists" error without resume=).
            store.close()
            return init(project, name, config=config, tags=tag_tuple, notes=notes,
                        logdir=store.logdir, id=id, resume=resume,
                        writer_settings=writer_settings, exit_hooks=exit_hooks, environ=environ)
    writer = Writer(store, meta.id, settings=writer_settings)
    writer.start()
    run = Run(meta, store=store, writer=writer, last_step=last_step,
              install_exit_hooks=exit_hooks)
    if live_diagnosis is not None and env.get(LIVE_ENV, "").lower() not in ("0", "off", "false"):
        run.start_live_diagnosis(LiveDiagnosis(store.logdir, meta.id, on_finding=on_finding,
                                               store=run.store_finding,
                                               interval=live_diagnosis))
    _current.set(run)
    return run


def _new_id(store: SqliteStore) -> str:
    while True:
        run_id = secrets.token_hex(_RUN_ID_BYTES)
        if not store.run_exists(run_id):
            return run_id


def current_run() -> Run | None:
    """The active run that module-level ``deepscope.log`` writes to, or None."""
    run = _current.get()
    return run if run is not None and run.state is RunState.ACTIVE else None


def _require(fn: str) -> Run:
    run = current_run()
    if run is None:
        raise RunStateError(f"Call deepscope.init() before deepscope.{fn}().")
    return run


def log(data: Mapping[str, Any], step: int | None = None) -> None:
    """Log scalars to the current run (see :meth:`Run.log`)."""
    _require("log").log(data, step)


def log_histogram(name: str, values: Any, *, step: int | None = None, bins: int = 64) -> None:
    """Log a histogram to the current run (see :meth:`Run.log_histogram`)."""
    _require("log_histogram").log_histogram(name, values, step=step, bins=bins)


def log_text(name: str, text: str, *, step: int | None = None) -> None:
    """Log text to the current run (see :meth:`Run.log_text`)."""
    _require("log_text").log_text(name, text, step=step)


def log_image(name: str, image: Any, *, step: int | None = None) -> None:
    """Log an image to the current run (see :meth:`Run.log_image`)."""
    _require("log_image").log_image(name, image, step=step)


def finish() -> None:
    """Finish the current run, if any (safe to call twice)."""
    run = _current.get()
    if run is not None:
        run.finish()


def summary(model: Any, example: Any = None, *, depth: int | None = None) -> Any:
    """Print a torchinfo-style table of a PyTorch model (layers, shapes, params, FLOPs).

    See :func:`deepscope.graph.summary.summary`; returns its ``ModelSummary``.
    """
    from .graph.summary import summary as torch_summary  # lazy: imports torch

    return torch_summary(model, example, depth=depth)


def diagnose(logdir: str | os.PathLike[str] = DEFAULT_LOGDIR,
             run: str | None = None) -> list[Finding]:
    """Find what is wrong with a logged run (the latest one when ``run`` is None).

    Returns:
        A list of :class:`~deepscope.records.Finding`, errors first.

    Examples:
        >>> for f in deepscope.diagnose("deepscope-logs", run="mlp-lr3e-4"):
        ...     print(f.severity, f.message, f.suggestion)
    """
    with SqliteReader(logdir) as reader:
        if run is None:
            runs = reader.list_runs(limit=1)
            if not runs:
                return []
            run_id = runs[0].id
        else:
            run_id = reader.get_run(run).id
        return diagnose_run(reader, run_id)
