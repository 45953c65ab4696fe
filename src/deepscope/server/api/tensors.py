"""``/api/v1/runs/{run_id}/tensors``: tensor summaries (histograms, distributions)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from ...query.reader import Reader
from ..params import max_points, required_str, step_range
from ..routing import api_route, path_run
from ..serialize import serialize_summary_point

DEFAULT_MAX_POINTS = 500  # summaries (each a histogram) per request


def read_tensors(request: Request, reader: Reader) -> dict[str, Any]:
    """``GET /runs/{run_id}/tensors?name=&start=&end=&max_points=``."""
    params = request.query_params
    run_id, name = path_run(request, reader), required_str(params, "name")
    start, end = step_range(params)
    points = reader.read_tensor_summaries(run_id, name, start=start, end=end,
                                          max_points=max_points(params, DEFAULT_MAX_POINTS))
    return {"run_id": run_id, "name": name,
            "points": [serialize_summary_point(p) for p in points]}


routes: list[Route] = [api_route("/runs/{run_id}/tensors", read_tensors)]
