"""``preflight.batch_independence``: does sample 0's output depend on the other samples?

Karpathy's dependency test: on a copy in eval mode (so batch norm uses its running statistics
and dropout is off, both of which mix or perturb samples only legitimately in training), backprop
a random projection of sample 0's output to the inputs. Any gradient on samples 1..N-1 larger
than ``MIXING_REL_TOL`` times sample 0's own means information crosses the batch: a ``.view()``
that should have been a ``.transpose()``/``.permute()``, a reduction over the wrong dimension, a
sequence model fed ``(batch, seq, ...)`` with ``batch_first=False``.

When the input is not a float tensor (token ids), the first float module output that keeps the
batch dimension (an embedding) stands in for it. The module where the mixing happens is located
from the same backward pass: the deepest module whose input gradient crosses samples while its
output gradient does not.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..records import Finding
from ._preflight_batch import Batch, copy_model, finding, primary_tensor

MIXING_REL_TOL = 1e-6  # gradient on other samples, relative to sample 0's own

DETECTOR = "preflight.batch_independence"


@dataclass
class _Call:
    name: str
    module: nn.Module
    input: torch.Tensor | None
    output: torch.Tensor | None


def batch_independence(user_model: nn.Module, batch: Batch, *, batch_dim: int,
                       seed: int) -> list[Finding]:
    """A ``batch_mixing`` error when samples influence each other's outputs in eval mode."""
    firsts = batch.tensors()
    if not firsts or firsts[0].ndim <= batch_dim or firsts[0].shape[batch_dim] < 2:
        return [_skipped("the batch has fewer than 2 samples along batch_dim")]
    n = int(firsts[0].shape[batch_dim])
    model = copy_model(user_model).eval()
    probed = batch.with_inputs(lambda t: _as_probe(t, n, batch_dim))
    with _recording(model) as calls:
        out = primary_tensor(probed.run(model))
    if out is None or not out.is_floating_point() or out.ndim <= batch_dim or (
            out.shape[batch_dim] != n):
        shape = None if out is None else tuple(out.shape)
        return [_skipped(f"the output {shape} has no float batch dimension of size {n}")]
    if not out.requires_grad:
        return [_skipped("the output does not depend on anything that requires grad")]
    own = out.select(batch_dim, 0)
    projection = torch.randn(own.shape, generator=torch.Generator().manual_seed(seed)).to(own)
    (own * projection).sum().backward()  # type: ignore[no-untyped-call]
    probes = [t for t in probed.tensors() if t.requires_grad] or _first_batch_output(
        calls, n, batch_dim)
    if not probes:
        return [_skipped("no float input or module output carries the batch dimension")]
    if not any(_crosses(t, batch_dim) for t in probes):
        return []
    return [_mixing(calls, n, batch_dim)]


def _skipped(reason: str) -> Finding:
    return finding(DETECTOR, "batch_mixing", "info",
                   f"Batch independence not checked: {reason}.",
                   "Pass a batch of at least 2 samples with float inputs, or batch_dim= if the "
                   "batch is not dimension 0.", {"skipped": reason})


def _as_probe(t: torch.Tensor, n: int, batch_dim: int) -> torch.Tensor:
    if t.is_floating_point() and t.ndim > batch_dim and t.shape[batch_dim] == n:
        return t.detach().clone().requires_grad_(True)
    return t


@contextmanager
def _recording(model: nn.Module) -> Iterator[list[_Call]]:
    calls: list[_Call] = []

    def hook(name: str, module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
        first = next((a for a in args if isinstance(a, torch.Tensor)), None)
        calls.append(_Call(name, module, _retain(first), _retain(primary_tensor(output))))

    handles = [m.register_forward_hook(lambda mod, a, o, name=name: hook(name, mod, a, o))
               for name, m in model.named_modules()]
    try:
        yield calls
    finally:
        for h in handles:
            h.remove()


def _retain(t: torch.Tensor | None) -> torch.Tensor | None:
    if t is None or not t.is_floating_point() or not t.requires_grad:
        return None
    if t.grad_fn is not None:
        t.retain_grad()
    return t


def _first_batch_output(calls: list[_Call], n: int, batch_dim: int) -> list[torch.Tensor]:
    for call in calls:
        t = call.output
        if t is not None and t.ndim > batch_dim and t.shape[batch_dim] == n:
            return [t]
    return []


def _crosses(t: torch.Tensor | None, batch_dim: int) -> bool | None:
    """Whether the gradient reaches samples other than 0 (None: not measurable)."""
    if t is None or t.grad is None or t.ndim <= batch_dim:
        return None
    g = t.grad.detach().movedim(batch_dim, 0).abs()
    if g.shape[0] < 2:
        return None
    own, other = g[0].max().item(), g[1:].max().item()
    return other > MIXING_REL_TOL * own if own > 0 else other > 0


def _mixing(calls: list[_Call], n: int, batch_dim: int) -> Finding:
    where, layer = _locate(calls, n, batch_dim)
    hint = ""
    if layer is not None:
        module = next(c.module for c in calls if c.name == layer)
        if getattr(module, "batch_first", None) is False:
            hint = (f" {layer} has batch_first=False: if your tensors are (batch, seq, ...), "
                    "set batch_first=True; if they really are (seq, batch, ...), pass "
                    "batch_dim=1 to check().")
    return finding(
        DETECTOR, "batch_mixing", "error",
        f"Sample 0's output depends on the other {n - 1} samples of the batch (eval mode, "
        f"where no layer should mix them){where}.{hint}",
        "Look for a .view()/.reshape() that moves the batch dimension (use .transpose() or "
        ".permute() to swap axes, and flatten with x.flatten(1)), and for reductions or "
        "normalizations over dim 0 (mean(0), softmax(dim=0)).",
        {"batch_size": n, "batch_dim": batch_dim, "module": layer}, layer=layer)


def _locate(calls: list[_Call], n: int, batch_dim: int) -> tuple[str, str | None]:
    def batched(t: torch.Tensor | None) -> bool:
        return t is not None and t.ndim > batch_dim and t.shape[batch_dim] == n

    culprits = [c for c in calls if batched(c.input) and batched(c.output)
                and _crosses(c.input, batch_dim) and _crosses(c.output, batch_dim) is False]
    inner = [c for c in culprits if c.name]
    if inner:
        best = max(inner, key=lambda c: c.name.count("."))
        return f", inside {best.name} ({type(best.module).__name__})", best.name
    leaves = [c for c in calls if c.name and next(c.module.children(), None) is None
              and batched(c.output)]
    dirty = [i for i, c in enumerate(leaves) if _crosses(c.output, batch_dim)]
    if not dirty:
        return (f", in forward() code before {leaves[0].name}", None) if leaves else ("", None)
    last = leaves[dirty[-1]]
    after = next((c for c in leaves[dirty[-1] + 1:] if _crosses(c.output, batch_dim) is False),
                 None)
    if after is None:
        return f", in forward() code after {last.name}", None
    return f", in forward() code between {last.name} and {after.name}", None
