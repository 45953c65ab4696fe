"""``preflight.input_scale``: is what reaches the first weight layer on a normalized scale?

The scale is measured where it matters: at the input of the first module (in execution order)
that owns parameters. A model that divides by 255 in ``forward()`` therefore passes with raw
pixels, and one whose first parametrized layer is a normalization layer (BatchNorm, LayerNorm,
GroupNorm, InstanceNorm, RMSNorm) is not checked at all: it rescales its input itself.

Non-finite values (NaN/Inf) are an error of category ``nonfinite``. Otherwise flag
(``unnormalized_inputs``, warning) when ``|mean| > INPUT_MEAN_MAX``, ``std > INPUT_STD_MAX``
or the 99th percentile of ``|x|`` exceeds ``INPUT_ABS_P99_MAX``: a percentile, not the maximum,
so that a few outliers in standardized data do not trip it. Raw pixels (0..255, or 0..16 for
sklearn's digits) and raw tabular units (ages, prices) do.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from ..records import Finding
from ._preflight_batch import finding, stats

INPUT_MEAN_MAX = 5.0  # |mean| of the first weight layer's input
INPUT_STD_MAX = 5.0  # its standard deviation
INPUT_ABS_P99_MAX = 10.0  # 99th percentile of its absolute values
QUANTILE_SAMPLE = 100_000  # values used for the percentile (strided sample)

DETECTOR = "preflight.input_scale"
_NORMS: tuple[type[nn.Module], ...] = (
    nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm,
    *((nn.RMSNorm,) if hasattr(nn, "RMSNorm") else ()))


@dataclass
class FirstInput:
    """The input of the first module that owns parameters (filled during a forward pass)."""

    name: str | None = None
    module: nn.Module | None = None
    value: torch.Tensor | None = None


@contextmanager
def first_layer_input(model: nn.Module) -> Iterator[FirstInput]:
    """Record, during the forward passes inside the block, the first weight layer's input."""
    seen = FirstInput()

    def hook(name: str, module: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        if seen.module is None:
            first = next((a for a in (*args, *kwargs.values()) if isinstance(a, torch.Tensor)),
                         None)
            seen.name, seen.module = name, module
            seen.value = None if first is None else first.detach()

    handles = [m.register_forward_pre_hook(lambda mod, a, k, name=name: hook(name, mod, a, k),
                                           with_kwargs=True)
               for name, m in model.named_modules()
               if next(m.parameters(recurse=False), None) is not None]
    try:
        yield seen
    finally:
        for h in handles:
            h.remove()


def input_scale(first: FirstInput) -> list[Finding]:
    """An ``unnormalized_inputs`` warning when the first weight layer sees unscaled values."""
    x = first.value
    if x is None or isinstance(first.module, _NORMS) or not x.is_floating_point() or (
            x.numel() < 2):
        return []
    x = x.double()
    if not bool(torch.isfinite(x).all()):
        bad = int((~torch.isfinite(x)).sum())
        return [finding(
            DETECTOR, "nonfinite", "error",
            f"The input of the first weight layer ({_describe(first)}) contains {bad} NaN/Inf "
            f"values out of {x.numel()}.",
            "Clean the data (torch.isfinite(batch).all() in the loader): impute or drop missing "
            "values, and look for divisions by zero in the preprocessing.",
            {"nonfinite": bad, "numel": x.numel(), "layer": first.name},
            layer=first.name or None)]
    flat = x.abs().flatten()
    step = max(1, flat.numel() // QUANTILE_SAMPLE)
    p99 = torch.quantile(flat[::step], 0.99).item()
    measured = {**stats(x), "abs_p99": float(f"{p99:.4g}")}
    mean, std = measured["mean"], measured["std"]
    if abs(mean) <= INPUT_MEAN_MAX and std <= INPUT_STD_MAX and p99 <= INPUT_ABS_P99_MAX:
        return []
    return [finding(
        DETECTOR, "unnormalized_inputs", "warning",
        f"The input of the first weight layer ({_describe(first)}) is not normalized: mean "
        f"{mean:.4g}, std {std:.4g}, min {measured['min']:.4g}, max {measured['max']:.4g} "
        f"(99% of |x| below {p99:.4g}).",
        "Normalize the inputs: standardize features (x - mean) / std with statistics from the "
        "training set (sklearn StandardScaler), or scale pixels to [0, 1] and then by the "
        "dataset mean/std.", {**measured, "layer": first.name}, layer=first.name or None)]


def _describe(first: FirstInput) -> str:
    kind = type(first.module).__name__
    return f"{first.name}: {kind}" if first.name else kind
