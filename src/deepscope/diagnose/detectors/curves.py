"""Rules on loss curves: non-finite loss, divergence, plateau, oscillation, overfitting, and
training that does not generalize at all.

All curve rules work on smoothed series (a trailing mean over ``SMOOTH_FRACTION`` of the
points) and need ``MIN_POINTS`` points, so minibatch noise is never a finding.

- oscillation: in the second half, the smoothed loss reverses ``OSCILLATION_MIN_SWINGS`` times,
  each move larger than ``OSCILLATION_SWING`` of the level it left, than
  ``OSCILLATION_PROGRESS_SWING`` of the progress the run made (start level minus minimum; the
  noise of a loss converging near 0, 0.01 -> 0.02, is +100 % but no oscillation), and than
  ``OSCILLATION_NOISE_Z`` standard errors of the smoothed curve (the std of the raw loss around
  it over sqrt(window): small batches make the smoothed curve wander by chance);
- overfitting: the (lightly smoothed) validation loss rose ``OVERFIT_RISE`` above its minimum
  while the training loss kept falling ``OVERFIT_TRAIN_DROP``, after the model had generalized
  something: the validation loss first improved by ``OVERFIT_MIN_VAL_DROP``, or a validation
  accuracy rose ``ACC_GAIN`` above its first value (an overconfident model's loss can rise from
  the first evaluation while its accuracy still improves); when a validation accuracy is logged
  and never rose ``ACC_GAIN``, nothing generalized and it is not overfitting;
- no generalization (``label_problem``): the validation loss never got ``NOGEN_VAL_DROP`` below
  its first value (or, with a validation accuracy, ended above it: a dip from learning the class
  prior is no generalization), and no validation accuracy rose ``ACC_GAIN`` above its first
  value, while the
  training loss fell ``NOGEN_TRAIN_DROP`` (``NOGEN_TRAIN_DROP_WITH_ACC`` when a flat validation
  accuracy confirms it): what is learned from the training labels does not carry over, as when
  labels do not belong to their inputs. Only when the first validation came before the
  training loss had fallen that much (else the model may have peaked before it).
"""

from __future__ import annotations

import numpy as np

from ...records import Finding
from .._signal import finite, window_smooth
from ..view import RunView
from ._common import is_val

MIN_POINTS = 50  # points a loss curve needs before curve rules apply
MIN_VAL_POINTS = 6  # validation points needed for the overfitting rule
SMOOTH_FRACTION = 0.05  # smoothing window, as a fraction of the curve's points
PLATEAU_IMPROVEMENT = 0.02  # the smoothed loss fell by less than this fraction overall
DIVERGE_FACTOR = 3.0  # the smoothed loss ended this many times above its minimum ...
DIVERGE_MIN_RISE = 0.5  # ... and above its starting value by this fraction
OSCILLATION_SWING = 0.3  # relative swing between turning points of the smoothed loss ...
OSCILLATION_PROGRESS_SWING = 0.1  # ... and this fraction of (start level - minimum)
OSCILLATION_NOISE_Z = 3.0  # ... and this many standard errors of the smoothed curve
OSCILLATION_MIN_SWINGS = 3  # ... this many times in the second half
HEAD_FRACTION = 0.05  # a curve's start level: the mean of its first 5 % of points
OVERFIT_MIN_VAL_DROP = 0.05  # validation loss first fell this fraction below its first value,
OVERFIT_RISE = 0.1  # then rose this fraction above its minimum ...
OVERFIT_TRAIN_DROP = 0.05  # ... while the training loss kept falling this fraction
NOGEN_TRAIN_DROP = 0.1  # training loss fell this fraction (start vs end level) ...
NOGEN_TRAIN_DROP_WITH_ACC = 0.03  # ... or this much when a validation accuracy stayed flat,
NOGEN_VAL_DROP = 0.02  # ... while validation never got this fraction below its first value
ACC_GAIN = 0.05  # a validation accuracy rising this much (absolute) shows generalization


def _train_losses(view: RunView) -> list[str]:
    return [n for n in view.loss_series() if not is_val(n)]


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


def _raw(view: RunView, name: str) -> tuple[np.ndarray, np.ndarray]:
    s = view.scalar(name)
    assert s is not None
    return s.steps, s.values


def _val_accuracy_gain(view: RunView) -> float | None:
    """How far the first validation accuracy series rose above its first value (None if no
    such series is logged)."""
    for name in view.names("scalar"):
        last = name.rsplit("/", 1)[-1].lower()
        if is_val(name) and (last in ("acc", "accuracy") or last.endswith(("_acc",
                                                                             "_accuracy"))):
            s = view.scalar(name)
            if s is not None:
                v = s.values[np.isfinite(s.values)]
                if len(v) >= 2:
                    return float(v.max() - v[0])
    return None


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
        head = float(np.mean(v[:max(1, int(len(v) * HEAD_FRACTION))]))
        raw = finite(*_raw(view, name))[1]
        window = max(1, int(len(raw) * SMOOTH_FRACTION))
        noise = float(np.std(raw[len(raw) // 2:] - v[len(v) // 2:])) / np.sqrt(window)
        floor = max(OSCILLATION_PROGRESS_SWING * max(head - float(v.min()), 0.0),
                    OSCILLATION_NOISE_Z * noise)
        swings = _swings(half, floor)
        if swings >= OSCILLATION_MIN_SWINGS:
            return [Finding(
                "loss.oscillating", "oscillating_loss", "warning",
                int(steps[len(v) // 2]), int(steps[-1]),
                f"{name} oscillates: the smoothed curve reversed {swings} times in the second "
                f"half of training, each move over {OSCILLATION_SWING:.0%} of its level, "
                f"{OSCILLATION_PROGRESS_SWING:.0%} of the progress made and "
                f"{OSCILLATION_NOISE_Z:g} standard errors (at least {floor:.3g}).",
                evidence={"series": [name]},
                suggestion="Lower the learning rate, increase the batch size, or use a "
                           "learning-rate decay; check that the data is shuffled.")]
    return []


def _swings(v: np.ndarray, floor: float = 0.0) -> int:
    """Count reversals between turning points that differ by more than the swing threshold
    (relative to the level left) and by more than ``floor`` in absolute terms."""
    count, anchor, direction = 0, float(v[0]) if len(v) else 0.0, 0
    for x in v[1:]:
        x = float(x)
        rel = (x - anchor) / max(abs(anchor), 1e-12)
        big = abs(x - anchor) > floor
        if big and (direction >= 0 and rel < -OSCILLATION_SWING or direction <= 0 and rel >
                    OSCILLATION_SWING):
            new_dir = 1 if rel > 0 else -1
            if direction != 0 and new_dir != direction:
                count += 1
            direction, anchor = new_dir, x
        elif direction > 0 and x > anchor or direction < 0 and x < anchor:
            anchor = x
    return count


def overfitting(view: RunView) -> list[Finding]:
    """``fit.overfitting``: validation loss rises while training loss keeps falling."""
    val = [n for n in view.loss_series() if is_val(n)]
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
    gain = _val_accuracy_gain(view)
    improved = (vsm[i] < (1 - OVERFIT_MIN_VAL_DROP) * vsm[0] and (gain is None or gain >=
                                                                  ACC_GAIN)) or (
        gain is not None and gain >= ACC_GAIN)
    if after < 2 or rise < OVERFIT_RISE or not improved or not len(at_min) or not len(tvals):
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


def no_generalization(view: RunView) -> list[Finding]:
    """``fit.no_generalization``: the training loss falls, the validation loss never does."""
    val = [n for n in view.loss_series() if is_val(n)]
    train = _train_losses(view)
    if not val or not train:
        return []
    vs, ts = view.scalar(val[0]), view.scalar(train[0])
    if vs is None or ts is None:
        return []
    vsteps, vvals = finite(vs.steps, vs.values)
    tsteps, tvals = finite(ts.steps, ts.values)
    if len(vvals) < MIN_VAL_POINTS or len(tvals) < MIN_POINTS or vvals[0] <= 0:
        return []
    k = max(1, int(len(tvals) * HEAD_FRACTION))
    t_start, t_end = float(np.mean(tvals[:k])), float(np.mean(tvals[-k:]))
    best = float(vvals.min())
    gain = _val_accuracy_gain(view)
    drop = NOGEN_TRAIN_DROP if gain is None else NOGEN_TRAIN_DROP_WITH_ACC
    # the training loss when validation first ran (its start level if that was early on)
    t_at_first_val = (float(np.mean(tvals[tsteps <= vsteps[0]][-k:]))
                      if vsteps[0] > tsteps[k - 1] else t_start)
    if gain is not None and gain >= ACC_GAIN:
        return []
    # With a flat accuracy, a validation loss that dipped (learning the class prior) but ended
    # above where it started counts as never improving.
    never = best > (1 - NOGEN_VAL_DROP) * float(vvals[0]) or (
        gain is not None and float(vvals[-1]) > float(vvals[0]))
    if not (t_start > 0 and t_end < (1 - drop) * t_start
            and t_at_first_val > (1 - drop) * t_start and never):
        return []
    return [Finding(
        "fit.no_generalization", "label_problem", "warning", int(vsteps[0]), int(vsteps[-1]),
        f"{train[0]} fell {1 - t_end / t_start:.0%} ({t_start:.4g} -> {t_end:.4g}) but "
        f"{val[0]} never went below its first value {float(vvals[0]):.4g} (best {best:.4g}, "
        f"{len(vvals)} evaluations)"
        f"{'' if gain is None else f' and validation accuracy gained {gain:.2f} at most'}: "
        f"the model memorizes training targets that do not follow from the inputs.",
        evidence={"series": [val[0], train[0]], "steps": [int(vsteps[0]), int(vsteps[-1])]},
        suggestion="Check that labels still belong to their inputs (x and y shuffled, sorted "
                   "or filtered together; the right target column), that train and validation "
                   "are labelled and preprocessed the same way, and look at a few training "
                   "samples with their labels.")]


DETECTORS = {"loss.nonfinite": nonfinite_loss, "loss.diverging": diverging,
             "loss.plateau": plateau, "loss.oscillating": oscillating,
             "fit.overfitting": overfitting, "fit.no_generalization": no_generalization}

