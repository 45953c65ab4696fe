"""``deepscope.summary(model, example)``: a torchinfo-style table of a PyTorch model.

One forward pass (in eval mode, without gradients; the training flag is restored) records each
module's output shape and dtype, and ``torch.utils.flop_counter`` its FLOPs. Parameters shared
between modules are counted once in the totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from rich.console import Console
from rich.table import Table
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from .torch_tree import module_tree


@dataclass(frozen=True)
class SummaryRow:
    """One module of the table."""

    path: str
    type: str
    depth: int
    output_shape: str
    dtype: str
    params: int
    trainable: int
    flops: int | None


@dataclass(frozen=True)
class ModelSummary:
    """The table's rows and totals."""

    rows: list[SummaryRow]
    total_params: int
    trainable_params: int
    total_flops: int | None

    def to_table(self) -> Table:
        """The rich table that :func:`summary` prints."""
        table = Table(title="model summary", header_style="bold")
        for col, just in (("layer", "left"), ("type", "left"), ("output shape", "left"),
                          ("params", "right"), ("trainable", "right"), ("FLOPs", "right")):
            table.add_column(col, justify=just)  # type: ignore[arg-type]
        for r in self.rows:
            name = r.path.rsplit(".", 1)[-1] if r.path else "(model)"
            table.add_row("  " * r.depth + name, r.type, r.output_shape, f"{r.params:,}",
                          f"{r.trainable:,}", _fmt_flops(r.flops))
        table.add_section()
        table.add_row("total", "", "", f"{self.total_params:,}", f"{self.trainable_params:,}",
                      _fmt_flops(self.total_flops))
        return table


def _fmt_flops(flops: int | None) -> str:
    if flops is None:
        return ""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("K", 1e3)):
        if flops >= scale:
            return f"{flops / scale:.2f}{unit}"
    return str(flops)


def summarize_model(model: nn.Module, example: Any = None, *,
                    depth: int | None = None) -> ModelSummary:
    """Build the summary; ``example`` is a tensor, a tuple of positional inputs or a dict of
    keyword inputs (None: structure and parameters only)."""
    shapes: dict[str, tuple[str, str]] = {}
    flops: dict[str, int] = {}
    if example is not None:
        shapes, flops = _trace(model, example)
    tree = module_tree(model)
    rows: list[SummaryRow] = []
    _collect(tree, 0, depth, shapes, flops, rows)
    return ModelSummary(rows, tree["total_params"], tree["trainable_params"],
                        flops.get("") if example is not None else None)


def _collect(node: dict[str, Any], level: int, depth: int | None,
             shapes: dict[str, tuple[str, str]], flops: dict[str, int],
             rows: list[SummaryRow]) -> None:
    if depth is not None and level > depth:
        return
    shape, dtype = shapes.get(node["path"], ("", ""))
    rows.append(SummaryRow(node["path"], node["type"], level, shape, dtype, node["param_count"],
                           _trainable(node), flops.get(node["path"], 0 if flops else None)))
    for child in node["children"]:
        _collect(child, level + 1, depth, shapes, flops, rows)


def _trainable(node: dict[str, Any]) -> int:
    own = sum(int(p["numel"]) for p in node["params"]
              if p["trainable"] and "shared_with" not in p)
    return own + sum(_trainable(c) for c in node["children"])


def _trace(model: nn.Module, example: Any) -> tuple[dict[str, tuple[str, str]], dict[str, int]]:
    shapes: dict[str, tuple[str, str]] = {}
    names = {m: n for n, m in model.named_modules()}

    def hook(mod: nn.Module, inputs: Any, output: Any) -> None:
        name = names.get(mod, "")
        if name not in shapes:
            shapes[name] = _describe(output)

    handles = [m.register_forward_hook(hook) for m in names]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad(), FlopCounterMode(display=False) as counter:
            if isinstance(example, dict):
                model(**example)
            elif isinstance(example, tuple):
                model(*example)
            else:
                model(example)
    finally:
        model.train(was_training)
        for h in handles:
            h.remove()
    root = type(model).__name__
    flops = {}
    for key, ops in counter.get_flop_counts().items():
        if key == "Global":
            continue
        flops["" if key == root else key.removeprefix(root + ".")] = int(sum(ops.values()))
    return shapes, flops


def _describe(output: Any) -> tuple[str, str]:
    if isinstance(output, torch.Tensor):
        return str(list(output.shape)), str(output.dtype).removeprefix("torch.")
    if isinstance(output, (tuple, list)):
        parts = [_describe(o) for o in output]
        return ", ".join(p[0] for p in parts if p[0]), parts[0][1] if parts else ""
    return "", ""


def summary(model: nn.Module, example: Any = None, *, depth: int | None = None,
            console: Console | None = None) -> ModelSummary:
    """Print a torchinfo-style table of ``model`` and return it.

    Args:
        model: A ``torch.nn.Module``.
        example: An example input (tensor, tuple of inputs, or dict of keyword inputs) for
            output shapes and FLOPs; None for structure and parameter counts only.
        depth: Deepest module level shown (None: all).
        console: Where to print (a new rich Console by default).

    Examples:
        >>> deepscope.summary(model, torch.randn(1, 64))
    """
    result = summarize_model(model, example, depth=depth)
    (console or Console()).print(result.to_table())
    return result
