"""Rules on loss curves: non-finite loss, divergence, plateau, oscillation, overfitting.

All curve rules work on smoothed series (a trailing mean over ``SMOOTH_FRACTION`` of the
points) and need ``MIN_POINTS`` points, so minibatch noise is never a finding.
"""

from __future__ import annotations


import numpy as np

from ...records import Finding
from .._signal import finite, window_smooth
from ..view import RunView

MIN_POINTS = 50  # points a loss curve needs before curve rules apply
MIN_VAL_POINTS = 6  # validation points needed for the overfitting rule
SMOOTH_FRACTION = 0.05  # smoothing window, as a fraction of the curve's points
PLATEAU_IMPROVEMENT = 0.02  # the smoothed loss fell by less than this fraction overall
DIVERGE_FACTOR = 3.0  # the smoothed loss ended this many times above its minimum ...
DIVERGE_MIN_RISE = 0.5  # ... and above its starting value by this fraction
OSCILLATION_SWING = 0.3  # relative swing between turning points of the smoothed loss
OSCILLATION_MIN_SWINGS = 4  # ... this many times in the second half
OVERFIT_RISE = 0.1  # validation loss rose this fraction above its minimum ...
OVERFIT_TRAIN_DROP = 0.05  # ... while the training loss kept falling this fraction


def _train_losses(view: RunView) -> list[str]:
    return [n for n in view.loss_series() if not _is_val(n)]


def _is_val(name: str) -> bool:
    low = name.lower()
    return low.startswith(("val", "valid", "eval", "test")) or "val_" in low or "/val" in low


def nonfinite_loss(view: RunView) -> list[Finding]:
    """``loss.nonfinite``: a loss series holds NaN or Inf."""
    out = []
    for name in view.loss_series():
        s = view.scalar(name)
        if s is None:
            continue
        bad = np.flatnonzero(~np.isfinite(s.values))
        if len(bad):
            step = int(s.steps[bad[0]])
            out.append(Finding(
                "loss.nonfinite", "nonfinite", "error", step, int(s.steps[bad[-1]]),
                f"{name} became {s.values[bad[0]]} at step {step} ({len(bad)} non-finite "
                f"points).", evidence={"series": [name], "steps": [step]},
                suggestion="Run with run.watch(model) to see which layer produced it first "
                           "(nonfinite.first); lower the learning rate, clip gradients, and "
                           "guard log/sqrt/division in the loss."))
    return out


def _smoothed(view: RunView, name: str) -> tuple[np.ndarray, np.ndarray] | None:
    s = view.scalar(name)
    if s is None:
        return None
    steps, values = finite(s.steps, s.values)
    if len(values) < MIN_POINTS:
        return None
    return steps, window_smooth(values, max(1, int(len(values) * SMOOTH_FRACTION)))


def diverging(view: RunView) -> list[Finding]:
    """``loss.diverging``: the loss went down, then ended far above its best."""
    for name in _train_losses(view):
        sm = _smoothed(view, name)
        if sm is None:
            continue
        steps, v = sm
        lo, end, start = float(v.min()), float(v[-1]), float(v[0])
        if lo > 0 and end > DIVERGE_FACTOR * lo and end > (1 + DIVERGE_MIN_RISE) * start:
            i = int(np.argmin(v))
            return [Finding(
                "loss.diverging", "lr_too_high", "error", int(steps[i]), int(steps[-1]),
                f"{name} diverged: it fell to {lo:.3g} at step {int(steps[i])}, then rose to "
                f"{end:.3g}, above where it started ({start:.3g}).",
                evidence={"series": [name], "steps": [int(steps[i]), int(steps[-1])]},
                suggestion="Lower the learning rate (or add warm-up / a decay schedule) and "
                           "clip gradients.")]
    return []


def plateau(view: RunView) -> list[Finding]:
    """``loss.plateau``: the training loss never really decreased."""
    for name in _train_losses(view):
        sm = _smoothed(view, name)
        if sm is None:
            continue
        steps, v = sm
        k = max(1, len(v) // 10)
        head, tail = float(np.mean(v[:k])), float(np.mean(v[-k:]))
        if head > 0 and tail > (1 - PLATEAU_IMPROVEMENT) * head and tail <= 1.5 * head:
            return [Finding(
                "loss.plateau", "plateau", "warning", int(steps[0]), int(steps[-1]),
                f"{name} did not improve: {head:.4g} at the start, {tail:.4g} at the end "
                f"(less than {PLATEAU_IMPROVEMENT:.0%} lower) over {len(v)} points.",
                evidence={"series": [name], "steps": [int(steps[0]), int(steps[-1])]},
                suggestion="Check that the model can overfit one batch (deepscope.check), that "
                           "labels match inputs, that the optimizer sees the parameters, and "
                           "try a 10x higher learning rate.")]
    return []


def oscillating(view: RunView) -> list[Finding]:
    """``loss.oscillating``: the smoothed loss swings up and down by large amounts."""
    for name in _train_losses(view):
        sm = _smoothed(view, name)
        if sm is None:
            continue
        steps, v = sm
        half = v[len(v) // 2:]
        swings = _swings(half)
        if swings >= OSCILLATION_MIN_SWINGS:
            return [Finding(
                "loss.oscillating", "oscillating_loss", "warning",
                int(steps[len(v) // 2]), int(steps[-1]),
                f"{name} oscillates: the smoothed curve reversed {swings} times by more than "
                f"{OSCILLATION_SWING:.0%} in the second half of training.",
                evidence={"series": [name]},
                suggestion="Lower the learning rate, increase the batch size, or use a "
                           "learning-rate decay; check that the data is shuffled.")]
    return []


def _swings(v: np.ndarray) -> int:
    """Count reversals between turning points that differ by more than the swing threshold."""
    count, anchor, direction = 0, float(v[0]) if len(v) else 0.0, 0
    for x in v[1:]:
        x = float(x)
        rel = (x - anchor) / max(abs(anchor), 1e-12)
        if direction >= 0 and rel < -OSCILLATION_SWING or direction <= 0 and rel > \
                OSCILLATION_SWING:
            new_dir = 1 if rel > 0 else -1
            if direction != 0 and new_dir != direction:
                count += 1
            direction, anchor = new_dir, x
        elif direction > 0 and x > anchor or direction < 0 and x < anchor:
            anchor = x
    return count


def overfitting(view: RunView) -> list[Finding]:
    """``fit.overfitting``: validation loss rises while training loss keeps falling."""
    val = [n for n in view.loss_series() if _is_val(n)]
    train = _train_losses(view)
    if not val or not train:
        return []
    vs, ts = view.scalar(val[0]), view.scalar(train[0])
    if vs is None or ts is None:
        return []
    vsteps, vvals = finite(vs.steps, vs.values)
    if len(vvals) < MIN_VAL_POINTS:
        return []
    vsm = window_smooth(vvals, 2)
    i = int(np.argmin(vsm))
    after = len(vsm) - 1 - i
    rise = float(vsm[-1] / vsm[i] - 1) if vsm[i] > 0 else 0.0
    tsteps, tvals = finite(ts.steps, ts.values)
    at_min = tvals[tsteps <= vsteps[i]]
    if after < 2 or rise < OVERFIT_RISE or not len(at_min) or not len(tvals):
        return []
    k = max(1, len(tvals) // 20)
    train_then, train_end = float(np.mean(at_min[-k:])), float(np.mean(tvals[-k:]))
    if not train_end < (1 - OVERFIT_TRAIN_DROP) * train_then:
        return []
    return [Finding(
        "fit.overfitting", "overfitting", "warning", int(vsteps[i]), int(vsteps[-1]),
        f"{val[0]} rose {rise:.0%} from its minimum {vsm[i]:.4g} at step {int(vsteps[i])} "
        f"while {train[0]} kept falling ({train_then:.4g} -> {train_end:.4g}).",
        evidence={"series": [val[0], train[0]], "steps": [int(vsteps[i]), int(vsteps[-1])]},
        suggestion="Stop early at the validation minimum (keep that checkpoint), add "
                   "regularization (weight decay, dropout, augmentation), or get more data.")]


DETECTORS = {"loss.nonfinite": nonfinite_loss, "loss.diverging": diverging,
             "loss.plateau": plateau, "loss.oscillating": oscillating,
             "fit.overfitting": overfitting}

