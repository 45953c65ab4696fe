"""``/api/v1/.../media``: media items of a run, and their bytes addressed by SHA-256 only.

The bytes route takes no path: the id must be 64 hex characters (the reader refuses anything
else), so traversal strings never reach the file system. The content type comes from the file's
magic bytes, from a short allow-list of raster image formats; anything else (HTML, SVG...) is sent
as an ``application/octet-stream`` attachment so a browser never renders it in our origin.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...query.reader import Reader
from ..params import required_str, step_range
from ..routing import api_route, path_run
from ..serialize import serialize_media_item

IMMUTABLE = "public, max-age=31536000, immutable"  # content-addressed: the bytes never change
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
          (b"GIF87a", "image/gif"), (b"GIF89a", "image/gif"))


def media_type(data: bytes) -> str | None:
    """The image MIME type of ``data`` from its magic bytes, or None if not an allowed image."""
    for magic, mime in _MAGIC:
        if data.startswith(magic):
            return mime
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def list_media(request: Request, reader: Reader) -> dict[str, Any]:
    """``GET /runs/{run_id}/media?name=&start=&end=``."""
    params = request.query_params
    start, end = step_range(params)
    items = reader.read_media(path_run(request, reader), required_str(params, "name"),
                              start=start, end=end)
    return {"items": [serialize_media_item(i) for i in items]}


def read_media_bytes(request: Request, reader: Reader) -> Response:
    """``GET /media/{sha256}``: the bytes, with immutable caching."""
    sha256 = str(request.path_params["sha256"])
    data = reader.read_media_bytes(sha256)
    headers = {"Cache-Control": IMMUTABLE, "ETag": f'"{sha256}"'}
    mime = media_type(data)
    if mime is None:
        mime = "application/octet-stream"
        headers["Content-Disposition"] = f'attachment; filename="{sha256}"'
    return Response(data, media_type=mime, headers=headers)


routes: list[Route] = [
    api_route("/runs/{run_id}/media", list_media),
    api_route("/media/{sha256}", read_media_bytes),
]
