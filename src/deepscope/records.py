"""The record types that flow from capture to the store and back out of the query API.

Records are plain, immutable values: no IO, no framework types. Scalars do not get a record per
point (that would cost more than the point itself); the write path moves them as columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

SeriesKind = Literal["scalar", "tensor", "text", "image"]
SERIES_KINDS: tuple[SeriesKind, ...] = ("scalar", "tensor", "text", "image")

RunStatus = Literal["running", "finished", "crashed", "killed"]
RUN_STATUSES: tuple[RunStatus, ...] = ("running", "finished", "crashed", "killed")


@dataclass(frozen=True)
class TensorSummary:
    """A small, fixed-size description of a tensor: counts, moments, extremes and a histogram.

    Moments and extremes are over the *finite* elements; non-finite ones are counted apart, so a
    single NaN does not erase the rest of the picture.

    Attributes:
        count: Number of elements, finite or not.
        nan_count: Number of NaN elements.
        pos_inf_count: Number of +inf elements.
        neg_inf_count: Number of -inf elements.
        zero_count: Number of elements exactly equal to zero.
        min: Smallest finite element (NaN when there is none).
        max: Largest finite element (NaN when there is none).
        mean: Mean of the finite elements.
        std: Population standard deviation of the finite elements.
        norm: L2 norm of the finite elements.
        bin_edges: ``len(bin_counts) + 1`` increasing edges; the last bin is closed on the right.
        bin_counts: Number of finite elements per bin.
        extra: Named extra statistics a capture adapter adds (e.g. ``saturated_frac``).
    """

    count: int
    nan_count: int
    pos_inf_count: int
    neg_inf_count: int
    zero_count: int
    min: float
    max: float
    mean: float
    std: float
    norm: float
    bin_edges: tuple[float, ...] = ()
    bin_counts: tuple[int, ...] = ()
    extra: dict[str, float] = field(default_factory=dict)

    @property
    def finite_count(self) -> int:
        """Number of finite elements."""
        return self.count - self.nan_count - self.pos_inf_count - self.neg_inf_count

    @property
    def abs_max(self) -> float:
        """Largest absolute finite value (NaN when there is none)."""
        if math.isnan(self.min):
            return math.nan
        return max(abs(self.min), abs(self.max))

    @property
    def zero_fraction(self) -> float:
        """Fraction of elements that are exactly zero (0.0 for an empty tensor)."""
        return self.zero_count / self.count if self.count else 0.0

    @property
    def nonfinite_count(self) -> int:
        """Number of NaN and infinite elements."""
        return self.nan_count + self.pos_inf_count + self.neg_inf_count


@dataclass(frozen=True)
class TextRecord:
    """A piece of text logged at a step."""

    series: str
    step: int
    wall_time: float
    text: str


@dataclass(frozen=True)
class MediaRecord:
    """An encoded media item (a PNG image today) logged at a step; ``data`` is the file content."""

    series: str
    step: int
    wall_time: float
    sha256: str
    mime: str
    width: int
    height: int
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class SummaryRecord:
    """A tensor summary logged at a step."""

    series: str
    step: int
    wall_time: float
    summary: TensorSummary


@dataclass(frozen=True)
class RunMeta:
    """What is known about a run when it starts."""

    id: str
    name: str
    project: str
    config: dict[str, object]
    tags: tuple[str, ...]
    notes: str
    system: dict[str, object]
    started_at: float


Severity = Literal["info", "warning", "error"]


@dataclass(frozen=True)
class Finding:
    """Something wrong (or suspicious) about a run, with its evidence and a suggested fix.

    Attributes:
        detector: Stable dotted id of what found it, e.g. ``grad.exploding``.
        category: The family, e.g. ``nonfinite`` or ``exploding_gradients``.
        severity: ``info``, ``warning`` or ``error``.
        step_start: First step concerned (None when not tied to steps).
        step_end: Last step concerned.
        message: What is wrong, in one sentence.
        layer: The module path concerned, if any.
        evidence: Series names, steps and values that show it.
        suggestion: What to do about it.
    """

    detector: str
    category: str
    severity: Severity
    step_start: int | None
    step_end: int | None
    message: str
    layer: str | None = None
    evidence: dict[str, object] = field(default_factory=dict)
    suggestion: str = ""
