"""``/api/v1/.../scalars``: one scalar series, or several runs x names for an overlay chart."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from ...errors import NotFoundError
from ...query.reader import Reader
from ..errors import BadParameterError
from ..params import max_points, required_str, step_range, str_list
from ..routing import api_route, path_run
from ..serialize import serialize_scalars

DEFAULT_MAX_POINTS = 2000  # points per series per chart
MAX_PAIRS = 1000  # (run, name) pairs one overlay request may ask for


def read_scalars(request: Request, reader: Reader) -> dict[str, Any]:
    """``GET /runs/{run_id}/scalars?name=&start=&end=&max_points=``."""
    params = request.query_params
    start, end = step_range(params)
    series = reader.read_scalars(path_run(request, reader), required_str(params, "name"),
                                 start=start, end=end,
                                 max_points=max_points(params, DEFAULT_MAX_POINTS))
    return serialize_scalars(series)


def read_many_scalars(request: Request, reader: Reader) -> dict[str, Any]:
    """``GET /scalars?run=&run=&name=&name=...``: every (run, name) pair that exists."""
    params = request.query_params
    runs, names = str_list(params, "run"), str_list(params, "name")
    if not runs or not names:
        raise BadParameterError("Give at least one run and one name: "
                                "/api/v1/scalars?run=ID&name=train/loss (both repeatable).")
    if len(runs) * len(names) > MAX_PAIRS:
        raise BadParameterError(f"{len(runs)} runs x {len(names)} names is more than "
                                f"{MAX_PAIRS} series; ask for fewer in one request.")
    start, end = step_range(params)
    budget = max_points(params, DEFAULT_MAX_POINTS)
    out = []
    for run in runs:
        try:
            run_id = reader.get_run(run).id
        except NotFoundError:
            continue
        for name in names:
            try:
                series = reader.read_scalars(run_id, name, start=start, end=end,
                                             max_points=budget)
            except NotFoundError:
                continue
            out.append(serialize_scalars(series))
    return {"series": out}


routes: list[Route] = [
    api_route("/runs/{run_id}/scalars", read_scalars),
    api_route("/scalars", read_many_scalars),
]
