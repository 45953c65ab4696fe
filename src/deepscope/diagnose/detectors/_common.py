"""Helpers shared by detector families."""

from __future__ import annotations

import numpy as np

from ..view import RunView


def layer_of(param: str) -> str:
    """``encoder.0.weight`` -> ``encoder.0``."""
    return param.rsplit(".", 1)[0] if "." in param else param


def weight_params(view: RunView) -> list[str]:
    """Watched weight matrices/kernels (not biases or norms' 1-d scales), in model order."""
    out = []
    for p in view.param_order:
        pts = view.summaries(f"grads/{p}") or view.summaries(f"weights/{p}")
        if pts and pts[0].summary.count > 1 and not p.endswith("bias"):
            out.append(p)
    return out


def norms_by_step(view: RunView, names: list[str], prefix: str) -> tuple[list[int],
                                                                           np.ndarray]:
    """Steps present for every name, and a (steps x names) array of summary norms."""
    per = [{p.step: p.summary.norm for p in view.summaries(f"{prefix}{n}")} for n in names]
    if not per:
        return [], np.empty((0, 0))
    steps = sorted(set.intersection(*(set(d) for d in per)))
    return steps, np.array([[d[s] for d in per] for s in steps], dtype=np.float64)
