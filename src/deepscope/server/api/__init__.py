"""The JSON API, one module per resource; :data:`routes` is the whole ``/api/v1`` table."""

from __future__ import annotations

from starlette.routing import Route

from . import events, findings, health, layers, media, model, runs, scalars, series, tensors, texts

routes: list[Route] = [
    *health.routes, *runs.routes, *series.routes, *scalars.routes, *tensors.routes,
    *layers.routes, *model.routes, *texts.routes, *media.routes, *findings.routes,
    *events.routes,
]
