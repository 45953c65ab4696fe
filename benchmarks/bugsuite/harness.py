"""What every program shares: the run set-up (``Ctx``), a batch sampler and a training loop.

A program builds its model, optimizer and loss, then either calls :func:`train` (most bugs live
in the model, the data or the hyperparameters) or writes its own loop with :meth:`Ctx.start`,
:class:`Batches` and :meth:`Ctx.step_timer` (bugs in the loop itself).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

import deepscope
from deepscope import Finding, Run

from .data import Data

WATCH_EVERY = 10  # capture interval of run.watch in every program
VAL_EVERY = 25  # steps between validation passes

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
StepFn = Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor]


def _check_fn() -> Callable[..., list[Finding]]:
    check = getattr(deepscope, "check", None)
    if check is None:  # exported by deepscope/_check.py; the implementation may land first
        from deepscope.diagnose.preflight import check
    return check  # type: ignore[no-any-return]


@dataclass
class Ctx:
    """Where a program logs and what the runner learns from it.

    Attributes:
        logdir: The logdir every run of this invocation goes to.
        watch: Call ``run.watch`` (False only to measure its overhead).
        preflight: Run ``deepscope.check`` where the program asks for it.
        step_seconds: Wall time of each training step (forward, backward, update, log).
        check_findings: What ``deepscope.check`` returned (also logged into the run).
    """

    logdir: Path
    watch: bool = True
    preflight: bool = True
    step_seconds: list[float] = field(default_factory=list)
    check_findings: list[Finding] = field(default_factory=list)
    run: Run | None = None

    def start(self, name: str, model: nn.Module, optimizer: Any, *,
              check_batch: tuple[torch.Tensor, torch.Tensor] | None = None,
              loss_fn: Callable[..., Any] | None = None) -> Run:
        """``deepscope.init`` + optional ``deepscope.check`` on the first batch + ``watch``."""
        run = deepscope.init(project="bugsuite", name=name, logdir=self.logdir,
                             exit_hooks=False, live_diagnosis=None)
        self.run = run
        if check_batch is not None and self.preflight:
            self.check_findings = _check_fn()(model, check_batch, loss_fn=loss_fn,
                                              optimizer=optimizer)
            for f in self.check_findings:
                run.log_finding(f)
        if self.watch:
            run.watch(model, optimizer=optimizer, every=WATCH_EVERY)
        return run

    @contextmanager
    def step_timer(self) -> Iterator[None]:
        """Time one training step into :attr:`step_seconds`."""
        t0 = time.perf_counter()
        yield
        self.step_seconds.append(time.perf_counter() - t0)


class Batches:
    """Endless minibatches of (x, y), reshuffled every epoch unless ``shuffle=False``."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, batch_size: int, *,
                 shuffle: bool = True, seed: int = 0) -> None:
        self.x, self.y, self.batch_size, self.shuffle = x, y, batch_size, shuffle
        self.gen = torch.Generator().manual_seed(seed)
        self.order = torch.arange(len(x))
        self.pos = len(x)

    def __next__(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self.pos + self.batch_size > len(self.x):
            if self.shuffle:
                self.order = torch.randperm(len(self.x), generator=self.gen)
            self.pos = 0
        idx = self.order[self.pos:self.pos + self.batch_size]
        self.pos += self.batch_size
        return self.x[idx], self.y[idx]

    def __iter__(self) -> Batches:
        return self


def evaluate(model: nn.Module, data: Data, loss_fn: LossFn,
             forward: Callable[[nn.Module, torch.Tensor], torch.Tensor] | None = None
             ) -> dict[str, float]:
    """Validation loss (and accuracy for classification), in eval mode without gradients."""
    was = model.training
    model.eval()
    with torch.no_grad():
        out = forward(model, data.x_val) if forward else model(data.x_val)
        metrics = {"val/loss": float(loss_fn(out, data.y_val))}
        if data.classes and out.dim() == 2 and out.shape[1] == data.classes:
            metrics["val/acc"] = float((out.argmax(1) == data.y_val).float().mean())
    model.train(was)
    return metrics


def train(ctx: Ctx, name: str, model: nn.Module, optimizer: torch.optim.Optimizer,
          data: Data, loss_fn: LossFn, *, steps: int = 300, batch_size: int = 32,
          scheduler: Any = None, clip: float | None = None, shuffle: bool = True,
          check: bool = False, validate: bool = True, step_fn: StepFn | None = None,
          val_loss_fn: LossFn | None = None,
          forward: Callable[[nn.Module, torch.Tensor], torch.Tensor] | None = None,
          seed: int = 0) -> str:
    """The standard loop: zero_grad, forward, loss, backward, (clip), step, (schedule), log.

    Args:
        check: Call ``deepscope.check`` on the first batch (pre-flight-visible bugs and their
            correct twins).
        step_fn: ``(model, x, y) -> loss`` when the loss is not ``loss_fn(model(x), y)``.
        forward: ``(model, x) -> output`` used for validation (default ``model(x)``).

    Returns:
        The run id.
    """
    torch.manual_seed(seed)
    batches = Batches(data.x, data.y, batch_size, shuffle=shuffle, seed=seed)
    first = next(Batches(data.x, data.y, batch_size, shuffle=shuffle, seed=seed))
    run = ctx.start(name, model, optimizer, check_batch=first if check else None,
                    loss_fn=loss_fn)
    compute = step_fn or (lambda m, x, y: loss_fn(forward(m, x) if forward else m(x), y))
    for step in range(steps):
        x, y = next(batches)
        with ctx.step_timer():
            optimizer.zero_grad()
            loss = compute(model, x, y)
            loss.backward()
            if clip is not None:
                nn.utils.clip_grad_norm_(model.parameters(), clip)
            optimizer.step()
            if scheduler is not None:
                scheduler.step()
            run.log({"train/loss": float(loss)}, step=step)
        if validate and (step % VAL_EVERY == 0 or step == steps - 1):
            run.log(evaluate(model, data, val_loss_fn or loss_fn, forward), step=step)
    run.finish()
    return run.id
