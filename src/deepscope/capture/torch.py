"""``run.watch(model)`` for PyTorch: weights, gradients, updates and activations per layer.

Every ``every`` optimizer steps (a *capture step*) the hooks queue on-device summaries of each
watched module's output, each parameter and its gradient, the update-to-weight ratios and the
activation-gradient norms, then bring them to the host in one transfer when the step ends.
Between capture steps the hooks only feed the NaN/Inf sentinel (one ``isfinite`` flag per
module call, checked once per step).

The step counter counts ``optimizer.step()`` calls (so gradient accumulation is summarized at
the real step); without ``optimizer=`` it counts training forward passes of the model (grad
enabled, ``model.training``), and updates are not measured.
"""

from __future__ import annotations

import fnmatch
import warnings
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

import torch
from torch import nn

from ..graph.torch_tree import module_tree
from ..summarize.numpy import DEFAULT_BINS
from ..summarize.torch import Pending, finalize_with_scalars, start_summary
from ._torch_sentinel import NonFiniteError, OnNonfinite, Sentinel, keeps_finite
from .sink import WatchSink

WHAT = ("weights", "grads", "updates", "activations", "activation_grads")
SATURATION_PREACT = 5.0  # |pre-activation| >= this into sigmoid/tanh counts as saturated
SENTINEL_MAX_RECORDS = 100_000  # check early if this many module calls pass without a step
_RELU_FAMILY: tuple[type[nn.Module], ...] = (nn.ReLU, nn.ReLU6)
_SATURATING: tuple[type[nn.Module], ...] = (nn.Sigmoid, nn.Tanh, nn.Hardsigmoid, nn.Hardtanh,
                                            nn.Softsign)
ModuleFilter = str | Sequence[str] | type | tuple[type, ...] | Callable[[str, nn.Module], bool]


def unwrap(model: nn.Module) -> nn.Module:
    """The module inside DataParallel/DistributedDataParallel and ``torch.compile`` wrappers."""
    while True:
        if isinstance(model, (nn.DataParallel, nn.parallel.DistributedDataParallel)):
            model = model.module
        elif hasattr(model, "_orig_mod") and isinstance(model._orig_mod, nn.Module):
            warnings.warn("deepscope: watching a torch.compile'd model: weights, gradients and "
                          "updates are captured; activations inside compiled regions may not "
                          "be (hooks run only where the graph breaks).", RuntimeWarning,
                          stacklevel=3)
            model = model._orig_mod
        else:
            return model


def select_modules(root: nn.Module, modules: ModuleFilter | None) -> dict[nn.Module, str]:
    """Watched modules and their names: leaf modules (and modules owning parameters) by
    default, else those matching a name glob (or list of globs), a type, or a predicate."""
    chosen: dict[nn.Module, str] = {}
    for name, mod in root.named_modules():
        if _matches(name, mod, modules):
            chosen[mod] = name or type(mod).__name__
    return chosen


def _matches(name: str, mod: nn.Module, modules: ModuleFilter | None) -> bool:
    if modules is None:
        return not any(True for _ in mod.children()) or any(
            True for _ in mod.parameters(recurse=False))
    if isinstance(modules, str):
        return fnmatch.fnmatchcase(name, modules)
    if isinstance(modules, type):
        return isinstance(mod, modules)
    if isinstance(modules, tuple) and modules and all(isinstance(m, type) for m in modules):
        return isinstance(mod, modules)
    if callable(modules):
        return bool(modules(name, mod))
    return any(fnmatch.fnmatchcase(name, str(pattern)) for pattern in modules)


def _tensors(value: Any) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [v for v in value if isinstance(v, torch.Tensor)]
    if isinstance(value, dict):
        return [v for v in value.values() if isinstance(v, torch.Tensor)]
    return []


def _is_compiling() -> bool:
    compiler = getattr(torch, "compiler", None)
    return bool(compiler is not None and compiler.is_compiling())


class WatchHandle:
    """What ``run.watch`` returns: call :meth:`remove` to take every hook off the model."""

    def __init__(self, watcher: _Watcher | None) -> None:
        """Wrap a watcher (None for a rank that does not log)."""
        self._watcher = watcher

    @property
    def step(self) -> int:
        """The step the next capture will be labelled with."""
        return self._watcher.step if self._watcher else 0

    def flush(self) -> None:
        """Emit what the current step has captured so far."""
        if self._watcher is not None:
            self._watcher.end_step(advance=False)

    def remove(self) -> None:
        """Remove every hook; the model is left exactly as it was. Safe to call twice."""
        if self._watcher is not None:
            self._watcher.remove()
            self._watcher = None


class _Watcher:
    def __init__(self, root: nn.Module, sink: WatchSink, *, optimizer: Any, every: int,
                 what: frozenset[str], modules: dict[nn.Module, str], bins: int,
                 sentinel: Sentinel | None, prefix: str) -> None:
        self.root, self.sink, self.optimizer = root, sink, optimizer
        self.every, self.what, self.bins, self.prefix = every, what, bins, prefix
        self.sentinel = sentinel
        self.step = 0
        self.capturing = True
        self.started = False
        self.seen: set[str] = set()
        self.pending: list[tuple[str, Pending]] = []
        self.scalars: dict[str, torch.Tensor] = {}
        self.before: list[torch.Tensor] | None = None
        self.params = [(n, p) for n, p in root.named_parameters() if p.requires_grad]
        self.params_of: dict[str, list[tuple[str, torch.Tensor]]] = {}
        for mod, name in modules.items():
            self.params_of[name] = [(f"{name}.{n}" if name and mod is not root else n, p)
                                    for n, p in mod.named_parameters(recurse=False)]
        self.handles: list[Any] = [root.register_forward_pre_hook(self._on_root_forward)]
        for mod, name in modules.items():
            self.handles.append(mod.register_forward_hook(partial(self._on_forward, name)))
        if optimizer is not None:
            self.handles.append(optimizer.register_step_pre_hook(self._on_opt_pre))
            self.handles.append(optimizer.register_step_post_hook(self._on_opt_post))
        else:
            for name, p in self.params:
                self.handles.append(p.register_post_accumulate_grad_hook(  # type: ignore[no-untyped-call]
                    partial(self._on_grad_ready, name)))

    # -- hooks -----------------------------------------------------------------------------

    def _on_root_forward(self, module: nn.Module, inputs: Any) -> None:
        if self.sentinel is not None and len(self.sentinel.forward) > SENTINEL_MAX_RECORDS:
            self._check_sentinel()
        if self.optimizer is None and torch.is_grad_enabled() and module.training:
            if self.started:
                self.end_step(advance=True)
            self.started = True

    def _on_forward(self, name: str, module: nn.Module, inputs: Any, output: Any) -> None:
        if _is_compiling():
            return
        outs = _tensors(output)
        if self.sentinel is not None and not self.sentinel.reported:
            self.sentinel.on_forward(name, type(module).__name__, _tensors(inputs), outs,
                                     keeps_finite=keeps_finite(module))
            if outs and outs[0].requires_grad:
                outs[0].register_hook(  # type: ignore[no-untyped-call]
                    partial(self.sentinel.on_output_grad, name))
        if not (self.capturing and "activations" in self.what and torch.is_grad_enabled()):
            return
        if name in self.seen or not outs or not outs[0].is_floating_point():
            return
        self.seen.add(name)
        out = outs[0]
        extra = self._activation_extra(module, _tensors(inputs), out)
        self.pending.append((f"{self.prefix}activations/{name}",
                             start_summary(out, bins=self.bins, extra=extra)))
        if "activation_grads" in self.what and out.requires_grad:
            out.register_hook(partial(self._on_activation_grad, name))  # type: ignore[no-untyped-call]

    def _activation_extra(self, module: nn.Module, inputs: list[torch.Tensor],
                          out: torch.Tensor) -> dict[str, torch.Tensor]:
        extra: dict[str, torch.Tensor] = {}
        if isinstance(module, _RELU_FAMILY) and out.dim() >= 2:
            unit_dim = 1 if out.dim() >= 4 else out.dim() - 1
            other = [d for d in range(out.dim()) if d != unit_dim]
            # a ReLU/ReLU6 output is >= 0 (or NaN): no abs() pass needed (not for subclasses)
            vals = out.detach() if type(module) in _RELU_FAMILY else out.detach().abs()
            alive = vals.amax(dim=other) > 0
            extra["dead_units"] = (~alive).sum()
            extra["units"] = torch.tensor(alive.numel(), device=out.device)
        if isinstance(module, _SATURATING) and inputs and inputs[0].is_floating_point():
            pre = inputs[0].detach()
            extra["saturated_fraction"] = (pre.abs() >= SATURATION_PREACT).float().mean()
        return extra

    def _on_activation_grad(self, name: str, grad: torch.Tensor) -> None:
        self.scalars[f"{self.prefix}activation_grads/{name}"] = torch.linalg.vector_norm(
            grad.detach().float())

    def _on_grad_ready(self, name: str, param: torch.Tensor) -> None:
        if param.grad is None:
            return
        if self.sentinel is not None:
            self.sentinel.on_grads([name], [param.grad])
        if self.capturing and "grads" in self.what:
            self.pending = [(n, p) for n, p in self.pending if n != f"{self.prefix}grads/{name}"]
            self.pending.append((f"{self.prefix}grads/{name}",
                                 start_summary(param.grad, bins=self.bins, keep_source=True)))

    def _on_opt_pre(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        with_grad = [(n, p.grad) for n, p in self.params if p.grad is not None]
        if self.sentinel is not None:
            self.sentinel.on_grads([n for n, _ in with_grad], [g for _, g in with_grad])
            self._check_sentinel()
        if not self.capturing:
            return
        self._capture_params(with_grad)
        if "updates" in self.what:
            self.before = [p.detach().clone() for _, p in self.params]

    def _on_opt_post(self, optimizer: Any, args: Any, kwargs: Any) -> None:
        if self.capturing and self.before is not None:
            after = [p.detach() for _, p in self.params]
            deltas = torch._foreach_sub(after, self.before)
            tiny = torch.finfo(torch.float32).tiny
            ratios = [d / w.clamp(min=tiny) for d, w in zip(
                torch._foreach_norm(deltas), torch._foreach_norm(self.before), strict=True)]
            for (name, _), ratio in zip(self.params, ratios, strict=True):
                self.scalars[f"{self.prefix}updates/{name}"] = ratio
            self.before = None
        self.end_step(advance=True)

    # -- capture ---------------------------------------------------------------------------

    def _capture_params(self, with_grad: list[tuple[str, torch.Tensor]]) -> None:
        """Queue weight and gradient summaries; ``with_grad`` pairs names with gradients."""
        if "weights" in self.what:
            for name, p in self.params:
                self.pending.append((f"{self.prefix}weights/{name}",
                                     start_summary(p, bins=self.bins, keep_source=True)))
        if "grads" in self.what and with_grad:
            grads = [g for _, g in with_grad]
            for (name, _), g in zip(with_grad, grads, strict=True):
                self.pending.append((f"{self.prefix}grads/{name}",
                                     start_summary(g, bins=self.bins, keep_source=True)))
            norms = torch._foreach_norm(grads)
            self.scalars[f"{self.prefix}grad_norm/total"] = torch.linalg.vector_norm(
                torch.stack([n.float() for n in norms]))

    def _check_sentinel(self) -> None:
        assert self.sentinel is not None
        finding = self.sentinel.check(self.step, self.params_of)
        if finding is None:
            return
        self.sink.watch_finding(finding)
        if self.sentinel.mode == "raise":
            raise NonFiniteError(finding)

    def end_step(self, *, advance: bool) -> None:
        """Emit the captured step; with ``advance`` move on to the next step."""
        if self.optimizer is None and self.sentinel is not None:
            self._check_sentinel()
        if self.optimizer is None and self.capturing and "weights" in self.what:
            if not any(n.startswith(f"{self.prefix}weights/") for n, _ in self.pending):
                self._capture_weights_only()
        if self.pending or self.scalars:
            summaries, values = finalize_with_scalars([p for _, p in self.pending], self.scalars)
            names = [n for n, _ in self.pending]
            self.sink.watch_summaries(self.step, list(zip(names, summaries, strict=True)))
            if values:
                self.sink.watch_scalars(self.step, values)
        self.pending, self.scalars = [], {}
        if advance:
            self.step += 1
            self.capturing = self.step % self.every == 0
            self.seen.clear()

    def _capture_weights_only(self) -> None:
        for name, p in self.params:
            self.pending.append((f"{self.prefix}weights/{name}",
                                 start_summary(p, bins=self.bins, keep_source=True)))

    def remove(self) -> None:
        for h in self.handles:
            h.remove()
        self.handles = []
        if self.started or self.pending:
            self.end_step(advance=False)


def watch(model: nn.Module, sink: WatchSink, *, optimizer: Any = None, every: int = 100,
          what: Iterable[str] = WHAT, modules: ModuleFilter | None = None,
          on_nonfinite: OnNonfinite | None = "record", bins: int = DEFAULT_BINS,
          per_rank: bool = False) -> WatchHandle:
    """Hook ``model`` and hand what is captured to ``sink`` (see :meth:`deepscope.Run.watch`)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"deepscope: watch() expects a torch.nn.Module, got "
                        f"{type(model).__name__}")
    if not isinstance(every, int) or every < 1:
        raise ValueError(f"deepscope: every must be a positive int, got {every!r}")
    chosen = frozenset(what)
    unknown = chosen - set(WHAT)
    if unknown:
        raise ValueError(f"deepscope: unknown what= entries {sorted(unknown)}; choose from "
                         f"{', '.join(WHAT)}")
    if on_nonfinite not in ("record", "warn", "raise", None):
        raise ValueError(f"deepscope: on_nonfinite must be 'record', 'warn', 'raise' or None, "
                         f"got {on_nonfinite!r}")
    rank = _rank()
    if rank not in (None, 0) and not per_rank:
        return WatchHandle(None)
    root = unwrap(model)
    prefix = f"rank{rank}/" if per_rank and rank is not None else ""
    sink.watch_model(module_tree(root))
    sentinel = Sentinel(on_nonfinite) if on_nonfinite is not None else None
    return WatchHandle(_Watcher(root, sink, optimizer=optimizer, every=every, what=chosen,
                                modules=select_modules(root, modules), bins=bins,
                                sentinel=sentinel, prefix=prefix))


def _rank() -> int | None:
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized():
        return int(dist.get_rank())
    return None
