"""``/api/v1/runs/{run_id}/series``: what a run logged, by kind and name."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from ...query.reader import Reader
from ...records import SERIES_KINDS
from ..params import choice
from ..routing import api_route, path_run
from ..serialize import serialize_series_info


def list_series(request: Request, reader: Reader) -> dict[str, Any]:
    """``GET /runs/{run_id}/series?kind=``: the run's series, ordered by kind then name."""
    kind = choice(request.query_params, "kind", SERIES_KINDS)
    series = reader.list_series(path_run(request, reader), kind=kind)  # type: ignore[arg-type]
    return {"series": [serialize_series_info(s) for s in series]}


routes: list[Route] = [api_route("/runs/{run_id}/series", list_series)]
