"""``/api/v1/runs/{run_id}/model``: the module tree recorded by ``run.watch``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from ...query.reader import Reader
from ..routing import api_route, path_run
from ..serialize import serialize_json


def read_model(request: Request, reader: Reader) -> dict[str, Any]:
    """``GET /runs/{run_id}/model`` -> ``{"model": tree | null}``."""
    return {"model": serialize_json(reader.read_model(path_run(request, reader)))}


routes: list[Route] = [api_route("/runs/{run_id}/model", read_model)]
