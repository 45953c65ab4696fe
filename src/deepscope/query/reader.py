"""The read contract: every consumer (Python users, the CLI, the server, diagnosis) reads here.

Semantics every implementation must honour (``tests/contract/test_reader.py`` checks them):

- **Runs** are listed newest first (by creation time). A run's ``status`` is one of
  ``running``, ``finished``, ``crashed``, ``killed``; a run still marked ``running`` whose
  heartbeat is older than ``STALE_AFTER_S`` is reported ``crashed`` (its process died without
  saying so), with ``stale=True``.
- Runs are addressed by id; :meth:`Reader.get_run` also accepts an exact name or a unique id
  prefix.
- **Series** are identified by ``(run id, name, kind)``; kinds are ``scalar``, ``tensor``,
  ``text``, ``image``. :meth:`Reader.list_series` is ordered by kind, then name.
- **Scalars** come back ordered by step; points logged at the same step keep their write order.
  ``start`` and ``end`` are inclusive step bounds (None: unbounded). With ``max_points=None``, or
  when the range holds at most ``max_points`` points, every point comes back exactly (values
  bit-identical, NaN and +-Inf included). Otherwise the range is split into
  ``max_points // 3`` equal-width step buckets and each bucket contributes its minimum, its
  maximum and its last point (plus its first NaN, if it has one), so a one-step spike is visible
  at every zoom. Wall times are seconds since the epoch at microsecond resolution.
- **Tensor summaries, texts and media** come back ordered by step. A ``max_points`` budget on
  summaries keeps evenly spaced steps and always the last one.
- **Findings** are counted per run and severity by :meth:`Reader.count_findings` in one pass:
  every requested run id is a key (unknown ids too), each mapping ``info``, ``warning`` and
  ``error`` to a count (0 when none).
- Media content is read by its SHA-256 (the id); no method takes a filesystem path.
- Nothing here writes, except that opening an older logdir migrates its schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from ..records import Finding, RunStatus, SeriesKind, Severity, TensorSummary

STALE_AFTER_S = 30.0  # a "running" run silent this long is reported crashed
Filter = tuple[str, str, "float | str | None"]  # (config key, operator, value)


@dataclass(frozen=True)
class RunInfo:
    """A run as the read side sees it."""

    id: str
    name: str
    project: str
    status: RunStatus
    created_at: float
    ended_at: float | None
    heartbeat_at: float
    config: dict[str, object]
    tags: tuple[str, ...]
    notes: str
    system: dict[str, object]
    exit_reason: str | None = None
    last_step: int | None = None
    stale: bool = False

    @property
    def duration(self) -> float:
        """Seconds from creation to the end (or to the last heartbeat while running)."""
        return (self.ended_at or self.heartbeat_at) - self.created_at

    @property
    def is_live(self) -> bool:
        """True while the run's process is writing."""
        return self.status == "running"


@dataclass(frozen=True)
class SeriesInfo:
    """One series of a run, with its extent; scalar series also carry min/max/last."""

    run_id: str
    name: str
    kind: SeriesKind
    count: int
    first_step: int | None
    last_step: int | None
    min: float | None = None
    max: float | None = None
    last: float | None = None


@dataclass(frozen=True)
class ScalarSeries:
    """Points of one scalar series, ordered by step."""

    run_id: str
    name: str
    steps: npt.NDArray[np.int64]
    values: npt.NDArray[np.float64]
    wall_times: npt.NDArray[np.float64]
    downsampled: bool = False
    total: int = 0  # points in the requested range before downsampling

    def __len__(self) -> int:
        """Number of points returned."""
        return len(self.steps)


@dataclass(frozen=True)
class SummaryPoint:
    """A tensor summary at a step."""

    step: int
    wall_time: float
    summary: TensorSummary


@dataclass(frozen=True)
class TextPoint:
    """A text at a step."""

    step: int
    wall_time: float
    text: str


@dataclass(frozen=True)
class MediaItem:
    """A media item at a step; fetch its bytes with :meth:`Reader.read_media_bytes`."""

    step: int
    wall_time: float
    sha256: str
    mime: str
    width: int
    height: int
    size: int


@dataclass(frozen=True)
class LastValue:
    """The value at a series' largest step."""

    step: int
    value: float
    extra: dict[str, float] = field(default_factory=dict)


class Reader(Protocol):
    """Read access to a logdir. See the module docstring for the semantics."""

    def list_runs(self, *, project: str | None = None, name: str | None = None,
                  tags: Sequence[str] = (), status: RunStatus | None = None,
                  where: Sequence[Filter] = (), limit: int | None = None) -> list[RunInfo]:
        """Runs, newest first, matching every given filter.

        ``name`` matches a substring; ``tags`` must all be present; ``where`` holds
        ``(config key, op, value)`` with op in ``= != < <= > >= ~`` (``~``: substring).
        """
        ...

    def get_run(self, run: str) -> RunInfo:
        """One run by id, exact name, or unique id prefix (NotFoundError otherwise)."""
        ...

    def list_series(self, run_id: str, *, kind: SeriesKind | None = None) -> list[SeriesInfo]:
        """The series of a run, ordered by kind then name."""
        ...

    def read_scalars(self, run_id: str, name: str, *, start: int | None = None,
                     end: int | None = None, max_points: int | None = None) -> ScalarSeries:
        """Points of a scalar series in ``[start, end]``; downsampled beyond ``max_points``."""
        ...

    def read_last_scalars(self, run_ids: Sequence[str]) -> dict[str, dict[str, LastValue]]:
        """For each run, each scalar series' value at its largest step."""
        ...

    def read_tensor_summaries(self, run_id: str, name: str, *, start: int | None = None,
                              end: int | None = None,
                              max_points: int | None = None) -> list[SummaryPoint]:
        """Tensor summaries of a series, ordered by step."""
        ...

    def read_texts(self, run_id: str, name: str, *, start: int | None = None,
                   end: int | None = None) -> list[TextPoint]:
        """Texts of a series, ordered by step."""
        ...

    def read_media(self, run_id: str, name: str, *, start: int | None = None,
                   end: int | None = None) -> list[MediaItem]:
        """Media items of a series, ordered by step."""
        ...

    def read_media_bytes(self, sha256: str) -> bytes:
        """The content of a media item by its hash (NotFoundError if absent or malformed)."""
        ...

    def read_model(self, run_id: str) -> dict[str, object] | None:
        """The module tree recorded by ``run.watch`` (the latest one), or None."""
        ...

    def list_findings(self, run_id: str) -> list[Finding]:
        """The run's findings, ordered by first step (findings without a step first)."""
        ...

    def count_findings(self, run_ids: Sequence[str]) -> dict[str, dict[Severity, int]]:
        """For each run id, its number of findings per severity (``info``/``warning``/``error``)."""
        ...

    def close(self) -> None:
        """Release the connection (safe to call twice)."""
        ...
