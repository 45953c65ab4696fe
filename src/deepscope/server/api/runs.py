"""``/api/v1/runs``: the run list (with filters) and one run."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from ...query.filters import parse_filter
from ...query.reader import Filter, Reader
from ...records import RUN_STATUSES
from ..errors import BadParameterError
from ..params import choice, optional_int, optional_str, str_list
from ..routing import api_route
from ..serialize import serialize_run


def _filters(values: list[str]) -> list[Filter]:
    try:
        return [parse_filter(v) for v in values]
    except ValueError as exc:
        raise BadParameterError(f"filter: {exc}") from None


def list_runs(request: Request, reader: Reader) -> dict[str, Any]:
    """``GET /runs?project=&q=&tag=&status=&filter=&limit=``: runs, newest first."""
    params = request.query_params
    runs = reader.list_runs(
        project=optional_str(params, "project"), name=optional_str(params, "q"),
        tags=str_list(params, "tag"),
        status=choice(params, "status", RUN_STATUSES),  # type: ignore[arg-type]
        where=_filters(str_list(params, "filter")),
        limit=optional_int(params, "limit", minimum=0))
    ids = [r.id for r in runs]
    last = reader.read_last_scalars(ids)
    counts = reader.count_findings(ids)
    return {"runs": [serialize_run(r, last.get(r.id), findings=counts.get(r.id))
                     for r in runs]}


def get_run(request: Request, reader: Reader) -> dict[str, Any]:
    """``GET /runs/{run_id}``: one run with its system info (id, exact name or id prefix)."""
    run = reader.get_run(str(request.path_params["run_id"]))
    last = reader.read_last_scalars([run.id])
    counts = reader.count_findings([run.id])
    return serialize_run(run, last.get(run.id), system=True, findings=counts.get(run.id))


routes: list[Route] = [
    api_route("/runs", list_runs),
    api_route("/runs/{run_id}", get_run),
]
