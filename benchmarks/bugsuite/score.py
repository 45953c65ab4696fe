"""Scoring: recall, top-1 category accuracy and false alarms, for deepscope and a baseline.

An *alarm* is a finding of severity warning or error (info findings explain, they do not
alarm). A bug is *detected* when an alarm carries its category; *top-1* when the first alarm
(diagnosis order: errors first, then root causes before symptoms) does. A correct program
raises a *false alarm* when it has any alarm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from deepscope import Finding

from .registry import CORRECT

ALARM_SEVERITIES = ("warning", "error")
BASELINE_FLAT = 0.02  # baseline: the loss fell by less than this fraction (first vs last 10%)


@dataclass(frozen=True)
class Verdict:
    """What one tool said about one program: its alarm categories, in order."""

    label: str
    categories: tuple[str, ...]

    @property
    def detected(self) -> bool:
        """The label is among the alarms (bugs only)."""
        return self.label in self.categories

    @property
    def top1(self) -> bool:
        """The first alarm is the label (bugs only)."""
        return bool(self.categories) and self.categories[0] == self.label

    @property
    def alarmed(self) -> bool:
        """Any alarm at all."""
        return bool(self.categories)


def alarms(findings: Sequence[Finding]) -> tuple[str, ...]:
    """Alarm categories in diagnosis order, first occurrence of each."""
    cats = [f.category for f in findings if f.severity in ALARM_SEVERITIES]
    return tuple(dict.fromkeys(cats))


def baseline(loss: np.ndarray) -> tuple[str, ...]:
    """The trivial baseline: a NaN/Inf loss is ``nonfinite``, a flat loss is ``plateau``."""
    if len(loss) and not np.isfinite(loss).all():
        return ("nonfinite",)
    if len(loss) < 10:
        return ()
    k = max(1, len(loss) // 10)
    head, tail = float(np.mean(loss[:k])), float(np.mean(loss[-k:]))
    return ("plateau",) if tail > (1 - BASELINE_FLAT) * head else ()


@dataclass(frozen=True)
class Scores:
    """Aggregate scores of one tool over the suite."""

    per_category: dict[str, tuple[int, int]]  # category -> (detected, programs)
    recall: float
    top1: float
    false_alarm_rate: float
    bugs: int
    correct: int


def score(verdicts: Sequence[Verdict]) -> Scores:
    """Recall and top-1 over the buggy programs, false-alarm rate over the correct ones."""
    bugs = [v for v in verdicts if v.label != CORRECT]
    ok = [v for v in verdicts if v.label == CORRECT]
    per: dict[str, tuple[int, int]] = {}
    for v in bugs:
        hit, n = per.get(v.label, (0, 0))
        per[v.label] = (hit + v.detected, n + 1)
    return Scores(per, _rate(v.detected for v in bugs), _rate(v.top1 for v in bugs),
                  _rate(v.alarmed for v in ok), len(bugs), len(ok))


def _rate(flags: object) -> float:
    values = list(flags)  # type: ignore[call-overload]
    return float(np.mean(values)) if values else float("nan")
