"""``/api/v1/runs/{run_id}/texts``: logged texts (the UI renders them as text, never HTML)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from ...query.reader import Reader
from ..params import required_str, step_range
from ..routing import api_route, path_run
from ..serialize import serialize_text_point


def read_texts(request: Request, reader: Reader) -> dict[str, Any]:
    """``GET /runs/{run_id}/texts?name=&start=&end=``."""
    params = request.query_params
    start, end = step_range(params)
    points = reader.read_texts(path_run(request, reader), required_str(params, "name"),
                               start=start, end=end)
    return {"points": [serialize_text_point(p) for p in points]}


routes: list[Route] = [api_route("/runs/{run_id}/texts", read_texts)]
