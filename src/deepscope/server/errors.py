"""The one place where exceptions become HTTP responses.

A :class:`~deepscope.errors.DeepscopeError` carries its ``http_code`` and a message written for
people; it is sent as ``{"error": {"type": ..., "message": ...}}``. Anything else is a bug: it
is logged with its traceback and the client gets an opaque 500, so no internal detail (paths,
SQL) leaks into a response.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Awaitable, Callable

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ..errors import DeepscopeError

logger = logging.getLogger("deepscope.server")
Endpoint = Callable[[Request], Awaitable[Response]]
INTERNAL_MESSAGE = "Internal error; the server log has the details."


class BadParameterError(DeepscopeError):
    """A query parameter is missing or malformed; the message names it and what is accepted."""

    http_code = 400


def error_response(status: int, kind: str, message: str,
                   headers: dict[str, str] | None = None) -> Response:
    """The JSON error body of docs/api.md with ``status``."""
    body = json.dumps({"error": {"type": kind, "message": message}}, ensure_ascii=False)
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def response_for(exc: BaseException) -> Response:
    """Map an exception to its response: its ``http_code`` if it is ours, else an opaque 500."""
    if isinstance(exc, DeepscopeError):
        return error_response(exc.http_code, type(exc).__name__, str(exc))
    logger.error("unhandled error in a request", exc_info=exc)
    return error_response(500, "InternalError", INTERNAL_MESSAGE)


def handling_errors(endpoint: Endpoint) -> Endpoint:
    """Wrap an endpoint so that every exception it raises becomes a JSON error response."""
    @functools.wraps(endpoint)
    async def wrapper(request: Request) -> Response:
        try:
            return await endpoint(request)
        except Exception as exc:  # noqa: BLE001 - this is the one catch-all, by design
            return response_for(exc)
    return wrapper


async def http_exception(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 as JSON errors (registered for ``HTTPException``)."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    kind = {404: "NotFoundError", 405: "MethodNotAllowedError"}.get(status, "HTTPError")
    path = request.url.path
    missing = (f"No route {path!r}; docs/api.md lists the routes." if path.startswith("/api/")
               else f"No file {path!r}.")
    message = {404: missing,
               405: f"{request.method} is not allowed here; the API is read-only (GET)."
               }.get(status, "HTTP error.")
    headers = getattr(exc, "headers", None)
    return error_response(status, kind, message, headers=dict(headers) if headers else None)
