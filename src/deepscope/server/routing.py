"""How an API route is built: parse in a worker thread, call the query layer, send JSON.

A handler is a plain function ``(request, reader) -> dict | Response``. :func:`api_route` runs
it in a worker thread with that thread's reader, encodes the dict as JSON (strictly: a NaN that
slipped through is a bug, not invalid JSON on the wire) and maps every exception through
:func:`~deepscope.server.errors.handling_errors`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..query.reader import Reader
from .errors import handling_errors
from .readers import ReaderPool

Handler = Callable[[Request, Reader], "dict[str, Any] | Response"]
API_PREFIX = "/api/v1"
JSON_HEADERS = {"Cache-Control": "no-store"}  # live data: never serve a stale copy


def encode_json(obj: object) -> bytes:
    """Compact, strict JSON (non-finite floats raise ValueError instead of emitting NaN)."""
    return json.dumps(obj, allow_nan=False, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def json_response(obj: object, status: int = 200) -> Response:
    """A JSON response with the API's caching headers."""
    return Response(encode_json(obj), status_code=status, media_type="application/json",
                    headers=JSON_HEADERS)


def readers_of(request: Request) -> ReaderPool:
    """The app's reader pool."""
    pool: ReaderPool = request.app.state.readers
    return pool


def api_route(path: str, handler: Handler) -> Route:
    """A GET route at ``/api/v1`` + ``path`` over ``handler``."""
    def call(request: Request) -> Response:
        result = handler(request, readers_of(request).get())
        return result if isinstance(result, Response) else json_response(result)

    async def endpoint(request: Request) -> Response:
        return await run_in_threadpool(call, request)

    endpoint.__name__ = handler.__name__
    return Route(API_PREFIX + path, handling_errors(endpoint), methods=["GET"],
                 name=handler.__name__)


def path_run(request: Request, reader: Reader) -> str:
    """The id of the run named by the ``{run_id}`` path parameter (id, exact name or prefix).

    Raises:
        NotFoundError: no run matches, or a prefix matches several.
    """
    return reader.get_run(str(request.path_params["run_id"])).id
