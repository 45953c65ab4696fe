"""The measured signals the detectors decide from, one row per run (for calibration).

``run.py --signals`` prints them next to each program's label, so a threshold can be checked
against every buggy and correct program at once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

import deepscope
from deepscope.diagnose.detectors import activations
from deepscope.diagnose.detectors._common import (
    layer_of,
    norms_by_step,
    scalars_by_step,
    trained_weight_params,
)
from deepscope.diagnose.view import RunView

COLUMNS = ("ratio_med", "ratio_max", "g1_med", "dratio_med", "gtot_max", "upd_med", "upd_max",
           "upd_hi%", "upd_tail", "dead", "sat", "x_rms", "loss_drop", "val_drop", "val_rise")


def signals(logdir: Path, run_id: str) -> dict[str, float]:
    """Key statistics of one run (NaN where a signal is absent)."""
    with deepscope.open(logdir) as reader:
        view = RunView(reader, run_id)
        return {**_grads(view), **_updates(view), **_acts(view), **_losses(view)}


def _grads(view: RunView) -> dict[str, float]:
    params = trained_weight_params(view)
    steps, norms = norms_by_step(view, params, "grads/")
    total = view.scalar("grad_norm/total")
    out = {"ratio_med": np.nan, "ratio_max": np.nan, "g1_med": np.nan, "dratio_med": np.nan,
           "gtot_max": float(np.nanmax(total.values)) if total is not None and len(total)
           else np.nan}
    if len(params) >= 2 and len(steps) > 1:
        ratio = norms[1:, 0] / np.maximum(norms[1:, -1], 1e-30)
        out.update(ratio_med=float(np.median(ratio)), ratio_max=float(np.max(ratio)),
                   g1_med=float(np.median(norms[1:, 0])))
        dsteps, d = scalars_by_step(view, [f"activation_grads/{layer_of(params[0])}",
                                           f"activation_grads/{layer_of(params[-1])}"])
        if len(dsteps) > 1:
            out["dratio_med"] = float(np.median(d[1:, 0] / np.maximum(d[1:, 1], 1e-30)))
    return out


def _updates(view: RunView) -> dict[str, float]:
    series = [view.scalar(n) for n in view.names("scalar", "updates/")]
    per = [dict(zip(s.steps.tolist(), s.values.tolist(), strict=True)) for s in series if s]
    if not per:
        return {"upd_med": np.nan, "upd_max": np.nan, "upd_hi%": np.nan, "upd_tail": np.nan}
    steps = sorted(set.intersection(*(set(d) for d in per)))
    med = np.nanmedian(np.array([[d[s] for d in per] for s in steps]), axis=1)
    return {"upd_med": float(np.median(med)), "upd_max": float(np.max(med)),
            "upd_hi%": float(np.mean(med > 0.1) * 100),
            "upd_tail": float(np.median(med[-max(1, len(med) // 3):]))}


def _acts(view: RunView) -> dict[str, float]:
    dead, sat, std0 = np.nan, np.nan, np.nan
    for name in view.names("tensor", "activations/"):
        pts = view.summaries(name)
        d = [p.summary.extra["dead_units"] / max(p.summary.extra["units"], 1) for p in pts
             if "units" in p.summary.extra]
        s = [p.summary.extra["saturated_fraction"] for p in pts
             if "saturated_fraction" in p.summary.extra]
        if len(d) >= 3:
            dead = np.nanmax([dead, min(d[-3:])])
        if len(s) >= 3:
            sat = np.nanmax([sat, min(s[-3:])])
    found = _input_rms(view)
    if found:
        std0 = float(found[0].evidence["input_rms_estimate"])  # type: ignore[arg-type]
    return {"dead": dead, "sat": sat, "x_rms": std0}


def _losses(view: RunView) -> dict[str, float]:
    out = {"loss_drop": np.nan, "val_drop": np.nan, "val_rise": np.nan}
    s = view.scalar("train/loss")
    if s is not None and len(s) >= 10:
        v = s.values[np.isfinite(s.values)]
        if len(v) >= 10:
            k = max(1, len(v) // 10)
            out["loss_drop"] = 1 - float(np.mean(v[-k:]) / np.mean(v[:k]))
    val = view.scalar("val/loss")
    if val is not None and len(val) >= 3:
        v = val.values[np.isfinite(val.values)]
        if len(v) >= 3:
            out["val_drop"] = 1 - float(np.min(v) / v[0])
            out["val_rise"] = float(v[-1] / np.min(v) - 1)
    return out


def _input_rms(view: RunView) -> list:  # type: ignore[type-arg]
    """``act.input_scale`` with its threshold at 0, so it always reports its estimate."""
    saved = activations.INPUT_RMS_MAX
    activations.INPUT_RMS_MAX = 0.0
    try:
        return activations.input_scale(view)
    finally:
        activations.INPUT_RMS_MAX = saved
