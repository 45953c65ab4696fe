"""What pre-flight checks share: the parsed batch, a safe copy of the model, finding builders.

A batch is what the user hands :func:`deepscope.check`: a tensor ``x``, a tuple ``(x, y)``, or a
dict of keyword arguments for the model plus ``target=``. :class:`Batch` turns all three into
``model(*args, **kwargs)`` and a target.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import torch
from torch import nn

from ..records import Finding, Severity

MAX_NAMES_LISTED = 20  # parameter names quoted in a message; evidence keeps them all
# Hook dictionaries a module carries; deepscope's own hooks are left out of the copy.
_HOOK_ATTRS = ("_forward_hooks", "_forward_pre_hooks", "_backward_hooks",
               "_backward_pre_hooks")


@dataclass(frozen=True)
class Batch:
    """One batch, ready to call a model with.

    Attributes:
        args: Positional arguments of ``model(...)``.
        kwargs: Keyword arguments of ``model(...)``.
        target: What the loss compares the output with (None: ``loss_fn(output)``).
    """

    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)
    target: Any = None

    def run(self, model: nn.Module) -> Any:
        """The model's output on this batch."""
        return model(*self.args, **self.kwargs)

    def tensors(self) -> list[torch.Tensor]:
        """Every tensor the model receives, positional first."""
        return [t for t in _flatten((self.args, self.kwargs)) if isinstance(t, torch.Tensor)]

    def with_inputs(self, swap: Callable[[torch.Tensor], torch.Tensor]) -> Batch:
        """A copy whose input tensors are replaced by ``swap(tensor)`` (the target is kept)."""
        return replace(self, args=_map(self.args, swap), kwargs=_map(self.kwargs, swap))

    def size(self, batch_dim: int) -> int | None:
        """The number of samples: the first input tensor's size along ``batch_dim``."""
        first = self.tensors()
        if not first or first[0].ndim <= batch_dim:
            return None
        return int(first[0].shape[batch_dim])

    def head(self, k: int, batch_dim: int) -> Batch:
        """The first ``k`` samples: every tensor (inputs and target) whose size along
        ``batch_dim`` is the batch size is cut to ``k``; others are kept whole."""
        n = self.size(batch_dim)
        if n is None or n <= k:
            return self

        def cut(t: torch.Tensor) -> torch.Tensor:
            if t.ndim > batch_dim and t.shape[batch_dim] == n:
                return t.narrow(batch_dim, 0, k)
            return t

        return Batch(args=_map(self.args, cut), kwargs=_map(self.kwargs, cut),
                     target=_map(self.target, cut))


def parse_batch(batch: Any, target: Any) -> Batch:
    """Read ``batch`` (tensor, ``(x, y)`` tuple, or dict of model kwargs) and ``target``.

    With ``target=`` given, a tuple or list is the model's positional arguments. Without it, a
    2-tuple is ``(x, y)`` and a 1-tuple is ``(x,)``. Tensors are detached (so no gradient ever
    reaches the user's tensors) and inference-mode tensors are cloned (so autograd accepts them).
    """
    parsed = _parse(batch, target)
    return Batch(args=_map(parsed.args, _own), kwargs=_map(parsed.kwargs, _own),
                 target=_map(parsed.target, _own))


def _own(t: torch.Tensor) -> torch.Tensor:
    return t.clone() if t.is_inference() else t.detach()


def _parse(batch: Any, target: Any) -> Batch:
    if isinstance(batch, Mapping):
        return Batch(args=(), kwargs=dict(batch), target=target)
    if isinstance(batch, (tuple, list)):
        if target is not None or len(batch) == 1:
            return Batch(args=tuple(batch), target=target)
        if len(batch) == 2:
            return Batch(args=(batch[0],), target=batch[1])
        raise ValueError(
            f"check() got a batch of {len(batch)} items and no target=; pass batch=(x, y), or "
            "the model's positional inputs as a tuple together with target=y.")
    return Batch(args=(batch,), target=target)


def primary_tensor(output: Any) -> torch.Tensor | None:
    """The tensor a loss reads from a model output: the output itself, ``logits``, or the first
    tensor of a tuple or dict (None when there is none)."""
    if isinstance(output, torch.Tensor):
        return output
    logits = output.get("logits") if isinstance(output, Mapping) else getattr(output, "logits",
                                                                              None)
    if isinstance(logits, torch.Tensor):
        return logits
    if isinstance(output, (Mapping, Sequence)) and not isinstance(output, str):
        for item in _flatten(output):
            if isinstance(item, torch.Tensor):
                return item
    return None


def copy_model(model: nn.Module) -> nn.Module:
    """A deep copy to experiment on, without deepscope's own capture hooks.

    The user's model is never run: batch-norm statistics, gradients and RNG state stay theirs.
    The hooks ``run.watch`` installed are left out of the copy (through the deepcopy memo, so
    they are never copied at all: they hold the run and its database connection).
    """
    memo: dict[int, Any] = {}
    for module in model.modules():
        for attr in _HOOK_ATTRS:
            hooks = getattr(module, attr, None)
            if isinstance(hooks, dict) and any(_is_deepscope_hook(f) for f in hooks.values()):
                kept = type(hooks)()
                memo[id(hooks)] = kept
                for key, fn in hooks.items():
                    if not _is_deepscope_hook(fn):
                        kept[key] = copy.deepcopy(fn, memo)
    try:
        return copy.deepcopy(model, memo)
    except Exception as exc:
        raise TypeError(
            f"check() works on copy.deepcopy(model) so that your model is never modified, and "
            f"deepcopy failed: {exc!r}. Make the model deep-copyable (e.g. keep open files, "
            "locks or generators out of its attributes).") from exc


def trainable(model: nn.Module) -> list[tuple[str, nn.Parameter]]:
    """Named parameters that require a gradient, in model order."""
    return [(n, p) for n, p in model.named_parameters() if p.requires_grad]


def finding(detector: str, category: str, severity: Severity, message: str, suggestion: str,
            evidence: dict[str, object], layer: str | None = None) -> Finding:
    """A pre-flight :class:`Finding` (not tied to training steps)."""
    return Finding(detector=detector, category=category, severity=severity, step_start=None,
                   step_end=None, message=message, layer=layer, evidence=evidence,
                   suggestion=suggestion)


def name_list(names: Sequence[str]) -> str:
    """``a, b, c`` or ``a, b, ... and 12 more``."""
    shown = ", ".join(names[:MAX_NAMES_LISTED])
    more = len(names) - MAX_NAMES_LISTED
    return f"{shown} ... and {more} more" if more > 0 else shown


def stats(t: torch.Tensor) -> dict[str, float]:
    """mean, std, min and max of a tensor, as plain floats rounded for messages."""
    f = t.detach().double()
    std = f.std().item() if f.numel() > 1 else 0.0
    return {k: _round(v) for k, v in (("mean", f.mean().item()), ("std", std),
                                      ("min", f.min().item()), ("max", f.max().item()))}


def _round(v: float) -> float:
    return float(f"{v:.4g}") if math.isfinite(v) else v


def _is_deepscope_hook(fn: Any) -> bool:
    target = getattr(fn, "func", fn)  # functools.partial
    return str(getattr(target, "__module__", "") or "").startswith("deepscope.")


def _flatten(obj: Any) -> Iterator[Any]:
    if isinstance(obj, Mapping):
        for v in obj.values():
            yield from _flatten(v)
    elif isinstance(obj, (tuple, list)):
        for v in obj:
            yield from _flatten(v)
    else:
        yield obj


def _map(obj: Any, fn: Callable[[torch.Tensor], torch.Tensor]) -> Any:
    if isinstance(obj, torch.Tensor):
        return fn(obj)
    if isinstance(obj, Mapping):
        return {k: _map(v, fn) for k, v in obj.items()}
    if isinstance(obj, (tuple, list)):
        items = [_map(v, fn) for v in obj]
        return type(obj)(*items) if hasattr(obj, "_fields") else type(obj)(items)
    return obj
