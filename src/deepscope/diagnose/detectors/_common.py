"""Helpers shared by detector families."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..view import RunView

STILL_RATIO = 1e-10  # "unchanged": an update smaller than this fraction of the weight's norm


def layer_of(param: str) -> str:
    """``encoder.0.weight`` -> ``encoder.0``."""
    return param.rsplit(".", 1)[0] if "." in param else param


def weight_params(view: RunView) -> list[str]:
    """Watched weight matrices/kernels (not biases or norms' 1-d scales), in model order: by
    the recorded shape (2-d or more) when the module tree is known, else by element count."""
    shapes = param_shapes(view.model)
    out = []
    for p in view.param_order:
        pts = view.summaries(f"grads/{p}") or view.summaries(f"weights/{p}")
        if not pts or p.endswith("bias"):
            continue
        if len(shapes.get(p, ())) >= 2 or (p not in shapes and pts[0].summary.count > 1):
            out.append(p)
    return out


def param_shapes(node: dict[str, Any] | None) -> dict[str, list[int]]:
    """Parameter name -> shape, from the module tree ``run.watch`` recorded."""
    out: dict[str, list[int]] = {}
    if node is None:
        return out
    for p in node.get("params", []):
        out[p["name"]] = list(p.get("shape", []))
    for child in node.get("children", []):
        out.update(param_shapes(child))
    return out


def still_params(view: RunView) -> set[str]:
    """Parameters whose measured updates stayed below ``STILL_RATIO`` at every capture (not
    trained at all: outside the optimizer, or a learning rate of 0). Empty without updates."""
    out = set()
    for name in view.names("scalar", "updates/"):
        s = view.scalar(name)
        if s is not None and len(s) and np.all(np.nan_to_num(s.values, nan=0.0) < STILL_RATIO):
            out.add(name.removeprefix("updates/"))
    return out


def trained_weight_params(view: RunView) -> list[str]:
    """:func:`weight_params` without the still ones: the gradient of a layer that never
    trains says nothing about the gradient flow of the layers that do."""
    still = still_params(view)
    return [p for p in weight_params(view) if p not in still]


def norms_by_step(view: RunView, names: list[str], prefix: str) -> tuple[list[int],
                                                                           np.ndarray]:
    """Steps present for every name, and a (steps x names) array of summary norms."""
    per = [{p.step: p.summary.norm for p in view.summaries(f"{prefix}{n}")} for n in names]
    if not per:
        return [], np.empty((0, 0))
    steps = sorted(set.intersection(*(set(d) for d in per)))
    return steps, np.array([[d[s] for d in per] for s in steps], dtype=np.float64)


def scalars_by_step(view: RunView, names: list[str]) -> tuple[list[int], np.ndarray]:
    """Steps present in every scalar series, and a (steps x names) array of their values."""
    series = [view.scalar(n) for n in names]
    if not names or any(s is None for s in series):
        return [], np.empty((0, 0))
    per = [dict(zip(s.steps.tolist(), s.values.tolist(), strict=True))  # type: ignore[union-attr]
           for s in series]
    steps = sorted(set.intersection(*(set(d) for d in per)))
    return steps, np.array([[d[s] for d in per] for s in steps], dtype=np.float64)


def is_val(name: str) -> bool:
    """A validation/evaluation series (``val/loss``, ``eval_loss``, ``test/loss``...)."""
    low = name.lower()
    return low.startswith(("val", "valid", "eval", "test")) or "val_" in low or "/val" in low


def train_loss(view: RunView) -> tuple[np.ndarray, np.ndarray] | None:
    """Steps and finite values of the first training loss series (None if there is none)."""
    for name in view.loss_series():
        if is_val(name):
            continue
        s = view.scalar(name)
        if s is None:
            continue
        mask = np.isfinite(s.values)
        return s.steps[mask], s.values[mask].astype(np.float64)
    return None
