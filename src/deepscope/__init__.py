"""deepscope: see inside neural networks and debug their training.

Write side: :func:`init` returns a :class:`Run`; ``run.log(...)``, ``run.finish()``.
Read side: :func:`open` returns a :class:`~deepscope.query.reader.Reader`.
Dashboard: :func:`serve` shows a logdir in the browser.
"""

from ._api import (
                   current_run,
                   diagnose,
                   finish,
                   init,
                   log,
                   log_histogram,
                   log_image,
                   log_text,
                   summary,
)
from ._check import check
from ._open import open
from ._serve import DashboardServer, serve
from ._version import __version__
from .errors import (
                   CorruptLogdirError,
                   DeepscopeError,
                   LogdirError,
                   NotFoundError,
                   RunStateError,
                   SchemaVersionError,
                   ServeError,
)
from .query.reader import (
                   MediaItem,
                   Reader,
                   RunInfo,
                   ScalarSeries,
                   SeriesInfo,
                   SummaryPoint,
                   TextPoint,
)
from .records import Finding, TensorSummary
from .run import Run

__all__ = [
    "CorruptLogdirError", "DashboardServer", "DeepscopeError", "LogdirError", "MediaItem",
    "NotFoundError", "Reader", "Run", "RunInfo", "RunStateError", "ScalarSeries",
    "SchemaVersionError", "SeriesInfo", "ServeError", "SummaryPoint", "TensorSummary", "TextPoint",
    "__version__", "current_run", "finish", "init", "log", "log_histogram", "log_image",
    "log_text", "open", "serve", "summary", "diagnose", "Finding", "check",
]
