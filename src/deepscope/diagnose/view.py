"""What a detector reads: one run's series, cached, through the read API.

Detectors never touch SQL or files: they get a :class:`RunView`. Offline it wraps a
:class:`~deepscope.query.reader.Reader`; live diagnosis builds the same view over the logdir the
run is writing, so one detector serves both.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from ..query.reader import Reader, ScalarSeries, SummaryPoint

MAX_POINTS = 50_000  # scalar points a detector reads per series (downsampled beyond)
MAX_SUMMARIES = 512  # tensor summaries read per series: evenly spaced, always the last


class RunView:
    """Cached access to one run's series.

    With ``horizon`` set, series end just before that step: detectors then judge the run as it
    was before it broke (after a NaN everything else is a consequence, not a cause).
    """

    def __init__(self, reader: Reader, run_id: str, *, horizon: int | None = None) -> None:
        """Read ``run_id`` through ``reader``."""
        self.reader = reader
        self.run_id = run_id
        self.horizon = horizon
        self._scalars: dict[str, ScalarSeries | None] = {}
        self._summaries: dict[str, list[SummaryPoint]] = {}

    def before_nonfinite(self) -> RunView:
        """A view ending before the first non-finite loss or sentinel finding (or this one)."""
        first = [f.step_start for f in self.reader.list_findings(self.run_id)
                 if f.category == "nonfinite" and f.step_start is not None]
        for name in self.loss_series():
            s = self.scalar(name)
            if s is not None and len(s):
                bad = np.flatnonzero(~np.isfinite(s.values))
                if len(bad):
                    first.append(int(s.steps[bad[0]]))
        return RunView(self.reader, self.run_id, horizon=min(first)) if first else self

    @cached_property
    def _series(self) -> dict[tuple[str, str], Any]:
        return {(s.kind, s.name): s for s in self.reader.list_series(self.run_id)}

    def names(self, kind: str, prefix: str = "") -> list[str]:
        """Series names of a kind, optionally under a prefix (sorted)."""
        return sorted(n for k, n in self._series if k == kind and n.startswith(prefix))

    def scalar(self, name: str) -> ScalarSeries | None:
        """A scalar series (None if absent); long series come downsampled."""
        if name not in self._scalars:
            info = self._series.get(("scalar", name))
            end = None if self.horizon is None else self.horizon - 1
            self._scalars[name] = None if info is None else self.reader.read_scalars(
                self.run_id, name, end=end,
                max_points=MAX_POINTS if info.count > MAX_POINTS else None)
        return self._scalars[name]

    def summaries(self, name: str) -> list[SummaryPoint]:
        """Tensor summaries of a series, ordered by step (empty if absent)."""
        if name not in self._summaries:
            present = ("tensor", name) in self._series
            end = None if self.horizon is None else self.horizon - 1
            self._summaries[name] = (self.reader.read_tensor_summaries(
                self.run_id, name, end=end, max_points=MAX_SUMMARIES) if present else [])
        return self._summaries[name]

    @cached_property
    def model(self) -> dict[str, Any] | None:
        """The module tree recorded by ``run.watch``, if any."""
        return self.reader.read_model(self.run_id)

    @cached_property
    def param_order(self) -> list[str]:
        """Watched parameter names in model order (input side first)."""
        order: list[str] = []
        if self.model is not None:
            _walk_params(self.model, order)
        watched = {n.removeprefix("weights/") for n in self.names("tensor", "weights/")}
        ordered = [p for p in order if p in watched]
        return ordered + sorted(watched - set(ordered))

    def loss_series(self) -> list[str]:
        """Scalar series that hold a loss (``.../loss``, ``loss``, ``val_loss``)."""
        return [n for n in self.names("scalar")
                if n.rsplit("/", 1)[-1] in ("loss", "val_loss") or n.endswith("_loss")]


def _walk_params(node: dict[str, Any], out: list[str]) -> None:
    for p in node.get("params", []):
        if "shared_with" not in p:
            out.append(p["name"])
    for child in node.get("children", []):
        _walk_params(child, out)
