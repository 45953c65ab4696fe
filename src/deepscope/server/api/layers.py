"""``/api/v1/runs/{run_id}/layers``: the per-layer table of a watched model at a step."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from ...query.layers import read_layer_table, split_prefix
from ...query.reader import Reader
from ..errors import BadParameterError
from ..params import optional_int, optional_str
from ..routing import api_route, path_run
from ..serialize import serialize_layer_table


def read_layers(request: Request, reader: Reader) -> dict[str, Any]:
    """``GET /runs/{run_id}/layers?step=&prefix=`` (default: the latest watched step)."""
    params = request.query_params
    step = optional_int(params, "step")
    prefix = optional_str(params, "prefix") or ""
    if prefix and split_prefix(prefix)[1]:
        raise BadParameterError(f"prefix must look like 'rank0/' (see \"prefixes\" in the "
                                f"response), not {prefix[:40]!r}.")
    table = read_layer_table(reader, path_run(request, reader), step, prefix=prefix)
    return serialize_layer_table(table)


routes: list[Route] = [api_route("/runs/{run_id}/layers", read_layers)]
