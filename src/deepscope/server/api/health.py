"""``/api/v1/health``: is the server up, and which version (no token needed)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from ..._version import __version__
from ...query.reader import Reader
from ..routing import api_route


def health(request: Request, reader: Reader) -> dict[str, Any]:
    """``GET /health`` -> ``{"status": "ok", "version": ...}``."""
    return {"status": "ok", "version": __version__}


routes: list[Route] = [api_route("/health", health)]
