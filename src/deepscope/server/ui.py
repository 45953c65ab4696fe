"""The built web UI: ``index.html`` at ``/``, hashed assets under ``/assets/``, SPA fallback.

Any non-API path that is not a file at the top of ``static/`` gets ``index.html`` (the UI routes
on the client). Top-level files are served only if they are listed in the directory, so no
request path is ever joined onto the file system; ``/assets/`` goes through Starlette's
``StaticFiles``, which resolves and checks containment and does not follow symlinks.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).resolve().parent / "static"
INDEX = "index.html"
ASSET_CACHE = "public, max-age=31536000, immutable"  # file names carry a content hash
INDEX_CACHE = "no-cache"  # always revalidate: a rebuilt UI must show up on reload
NOT_BUILT_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>deepscope</title></head>
<body><h1>deepscope: the web UI is not built</h1>
<p>This copy of deepscope has no built dashboard in <code>src/deepscope/server/static/</code>.
Build it with <code>make web</code> (needs Node.js 18+), then reload this page.</p>
<p>The JSON API works meanwhile: <a href="/api/v1/runs">/api/v1/runs</a>
(docs/api.md describes it).</p></body></html>
"""


class AssetFiles(StaticFiles):
    """``StaticFiles`` whose responses are cached forever (hashed file names).

    A missing directory (the UI is not built) is a 404, not a server error.
    """

    async def check_config(self) -> None:
        """404 while the assets directory does not exist."""
        if self.directory is None or not os.path.isdir(self.directory):
            raise HTTPException(404)
        await super().check_config()

    def file_response(self, full_path: str | os.PathLike[str], stat_result: os.stat_result,
                      scope: Scope, status_code: int = 200) -> Response:
        """The file, with immutable caching."""
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = ASSET_CACHE
        return response


def index_response(static_dir: Path) -> Response:
    """``index.html``, or a page explaining how to build the UI when it is missing."""
    index = static_dir / INDEX
    if index.is_file():
        return FileResponse(index, media_type="text/html",
                            headers={"Cache-Control": INDEX_CACHE})
    return HTMLResponse(NOT_BUILT_PAGE, headers={"Cache-Control": INDEX_CACHE})


def root_file(static_dir: Path, name: str) -> Path | None:
    """A regular file directly in ``static_dir`` named ``name`` (by listing, not by joining)."""
    if not name or name == INDEX or name.startswith(".") or "/" in name or "\\" in name:
        return None
    try:
        if name not in os.listdir(static_dir):
            return None
    except OSError:
        return None
    path = static_dir / name
    return path if path.is_file() and not path.is_symlink() else None


def ui_routes(static_dir: Path = STATIC_DIR) -> list[BaseRoute]:
    """Routes for the UI; put them after the API routes (the last one matches every path)."""
    async def index(request: Request) -> Response:
        return index_response(static_dir)

    async def fallback(request: Request) -> Response:
        found = root_file(static_dir, str(request.path_params["path"]))
        if found is None:
            return index_response(static_dir)
        return FileResponse(found, headers={"Cache-Control": INDEX_CACHE})

    assets = AssetFiles(directory=static_dir / "assets", check_dir=False)
    return [Route("/", index, name="index"), Mount("/assets", app=assets, name="assets"),
            Route("/{path:path}", fallback, name="ui")]
