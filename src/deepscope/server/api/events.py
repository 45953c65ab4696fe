"""``/api/v1/events``: the live-update stream (Server-Sent Events, see ``server/live.py``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from ..errors import handling_errors
from ..live import run_events
from ..routing import API_PREFIX, readers_of

SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


async def events(request: Request) -> Response:
    """``GET /events``: ``update`` events when runs change, ``ping`` every 15 s."""
    stream = run_events(readers_of(request), timing=request.app.state.live_timing)
    return StreamingResponse(stream, media_type="text/event-stream", headers=SSE_HEADERS)


routes: list[Route] = [Route(API_PREFIX + "/events", handling_errors(events), methods=["GET"],
                             name="events")]
