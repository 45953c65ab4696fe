"""``/api/v1/runs/{run_id}/findings``: what detectors and capture sentinels recorded."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from ...query.reader import Reader
from ..routing import api_route, path_run
from ..serialize import serialize_finding


def list_findings(request: Request, reader: Reader) -> dict[str, Any]:
    """``GET /runs/{run_id}/findings``, ordered by first step."""
    findings = reader.list_findings(path_run(request, reader))
    return {"findings": [serialize_finding(f) for f in findings]}


routes: list[Route] = [api_route("/runs/{run_id}/findings", list_findings)]
