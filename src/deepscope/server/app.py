"""``create_app``: the dashboard's ASGI app over one logdir.

Layers, outermost first: security headers, Host/Origin check, token check, gzip, then the
routes: the JSON API (``/api/v1``, see docs/api.md), a JSON 404 for any other ``/api/`` path,
and the web UI with its single-page-app fallback.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Collection
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import api
from .errors import http_exception
from .live import DEFAULT_TIMING, LiveTiming
from .readers import ReaderPool
from .security import LOCAL_HOSTS, HostCheckMiddleware, SecurityHeadersMiddleware, TokenMiddleware
from .ui import STATIC_DIR, ui_routes

GZIP_MIN_BYTES = 1000  # smaller responses are not worth compressing
GZIP_LEVEL = 5  # level 9 costs several times the CPU for a few percent on JSON arrays


async def _api_not_found(request: Request) -> Response:
    raise HTTPException(404)


def create_app(logdir: str | os.PathLike[str], *, token: str | None = None,
               allowed_hosts: Collection[str] = LOCAL_HOSTS, static_dir: Path = STATIC_DIR,
               live_timing: LiveTiming = DEFAULT_TIMING) -> Starlette:
    """Build the dashboard app for ``logdir``.

    Args:
        logdir: The logdir to serve (read only).
        token: When set, every ``/api/`` request (but the health check) must carry it.
        allowed_hosts: Host names accepted in the ``Host`` header (any port); ``"*"`` accepts
            any, which is only safe with a token.
        static_dir: Where the built UI lives (injected by tests).
        live_timing: Poll, event and ping intervals of the live stream (injected by tests).

    Raises:
        LogdirError: ``logdir`` is not a deepscope logdir.

    Examples:
        >>> import uvicorn
        >>> uvicorn.run(create_app("deepscope-logs"), host="127.0.0.1", port=6007)
    """
    readers = ReaderPool(Path(logdir))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        readers.close()

    app = Starlette(
        routes=[*api.routes, Route("/api/{rest:path}", _api_not_found, methods=["GET"]),
                *ui_routes(static_dir)],
        middleware=[Middleware(SecurityHeadersMiddleware),
                    Middleware(HostCheckMiddleware, allowed_hosts=allowed_hosts),
                    Middleware(TokenMiddleware, token=token),
                    Middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES,
                               compresslevel=GZIP_LEVEL)],
        exception_handlers={HTTPException: http_exception},
        lifespan=lifespan)
    app.state.readers = readers
    app.state.live_timing = live_timing
    return app
