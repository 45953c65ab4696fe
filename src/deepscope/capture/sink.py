"""What a capture adapter hands its records to (implemented by :class:`deepscope.Run`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from ..records import Finding, TensorSummary


class WatchSink(Protocol):
    """Receives everything a watch captures. Calls come from the training thread."""

    def watch_summaries(self, step: int, items: Sequence[tuple[str, TensorSummary]]) -> None:
        """Tensor summaries captured at ``step``."""
        ...

    def watch_scalars(self, step: int, values: Mapping[str, float]) -> None:
        """Scalars captured at ``step`` (norms, update ratios)."""
        ...

    def watch_finding(self, finding: Finding) -> None:
        """A finding raised by a capture sentinel."""
        ...

    def watch_model(self, tree: Mapping[str, object]) -> None:
        """The watched model's structure, once."""
        ...
