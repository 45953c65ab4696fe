"""The per-layer table of a watched run, assembled from the series ``run.watch`` writes.

Series read (``<param>`` is a dotted parameter name, ``<module>`` a module path):

==============================  ======  ================================================
``weights/<param>``             tensor  the parameter's values
``grads/<param>``               tensor  its gradient
``updates/<param>``             scalar  update-to-weight ratio ``||dW|| / ||W||``
``activations/<module>``        tensor  the module's output; ``extra`` may hold
                                        ``saturated_fraction``, ``dead_units``, ``units``
``activation_grads/<module>``   scalar  norm of the gradient of the module's output
==============================  ======  ================================================

Under ``run.watch(..., per_rank=True)`` every name starts with ``rank<r>/``; such a *prefix*
selects one rank's table (:func:`list_watch_prefixes` lists the prefixes present).

A parameter belongs to the module named by its name minus the last dotted component
(``encoder.2.weight`` -> ``encoder.2``; a top-level ``weight`` -> the root module ``""``).
A module's norms are those of all its watched parameters taken as one vector
(``sqrt(sum ||p||^2)``), and its update ratio is ``||dW|| / ||W||`` over that vector, recovered
from the per-parameter ratios and weight norms (or the largest ratio when a weight norm is
missing). Every value is the one at the latest step at or before the requested step.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from ..records import TensorSummary
from .reader import Reader, SeriesInfo

# Kinds of watched series (the first component of their name):
PARAM_TENSORS = ("weights", "grads")  # tensor series keyed by parameter name
PARAM_SCALARS = ("updates",)  # scalar series keyed by parameter name
MODULE_TENSORS = ("activations",)  # tensor series keyed by module path
MODULE_SCALARS = ("activation_grads",)  # scalar series keyed by module path
_WATCHED = {**{p: "tensor" for p in PARAM_TENSORS + MODULE_TENSORS},
            **{p: "scalar" for p in PARAM_SCALARS + MODULE_SCALARS}}
_LAST_ONLY = 3  # a max_points budget of one bucket: its min, max and last point
_RANK_PREFIX = re.compile(r"^rank\d+/")


@dataclass(frozen=True)
class LayerRow:
    """One module of the watched model at one step; None where nothing was recorded."""

    name: str
    type: str | None
    params: tuple[str, ...]
    weight_norm: float | None = None
    grad_norm: float | None = None
    update_ratio: float | None = None
    activation_mean: float | None = None
    activation_std: float | None = None
    dead_fraction: float | None = None
    saturated_fraction: float | None = None
    activation_grad_norm: float | None = None
    nonfinite: int = 0


@dataclass(frozen=True)
class LayerTable:
    """The per-layer table at ``step``; ``steps`` lists the steps that have watched data."""

    step: int | None
    steps: tuple[int, ...] = ()
    layers: tuple[LayerRow, ...] = ()
    prefix: str = ""
    prefixes: tuple[str, ...] = ()


@dataclass
class _Module:
    params: set[str] = field(default_factory=set)
    series: dict[str, list[str]] = field(default_factory=dict)  # kind -> series names


def module_of(param: str) -> str:
    """The module path a parameter belongs to: its name minus the last dotted component."""
    return param.rpartition(".")[0]


def split_prefix(name: str) -> tuple[str, str]:
    """``rank1/weights/fc.weight`` -> ``("rank1/", "weights/fc.weight")``; no prefix -> ``""``."""
    m = _RANK_PREFIX.match(name)
    return (m.group(0), name[m.end():]) if m else ("", name)


def read_layer_table(reader: Reader, run_id: str, step: int | None = None, *,
                     prefix: str = "") -> LayerTable:
    """Assemble the per-layer table of a run at ``step`` (default: the latest watched step).

    Args:
        reader: Where to read from.
        run_id: The run's id (exact).
        step: The step to show; values come from the latest step at or before it.
        prefix: ``""``, or ``"rank<r>/"`` for one rank of a ``per_rank`` watch.

    Raises:
        NotFoundError: the run does not exist.
    """
    series = reader.list_series(run_id)
    prefixes = tuple(sorted({split_prefix(s.name)[0] for s in series if _is_watched(s)},
                            key=_natural))
    watched = [s for s in series if _is_watched(s) and split_prefix(s.name)[0] == prefix]
    if not watched:
        return LayerTable(step=None, prefix=prefix, prefixes=prefixes)
    steps = _watched_steps(reader, run_id, watched)
    if step is None:
        step = max(s.last_step for s in watched if s.last_step is not None)
    modules = _group_by_module(watched, prefix)
    types, order = _tree_index(reader.read_model(run_id))
    rows = [_row(reader, run_id, step, name, modules[name], types.get(name))
            for name in _ordered(modules, order)]
    return LayerTable(step=step, steps=steps, layers=tuple(rows), prefix=prefix,
                      prefixes=prefixes)


def _is_watched(series: SeriesInfo) -> bool:
    kind, sep, rest = split_prefix(series.name)[1].partition("/")
    return bool(sep and rest) and _WATCHED.get(kind) == series.kind


def _watched_steps(reader: Reader, run_id: str, watched: list[SeriesInfo]) -> tuple[int, ...]:
    """Steps of the watched series with the most points (watch logs every kind together)."""
    richest = max(watched, key=lambda s: (s.count, s.kind == "tensor"))
    if richest.kind == "tensor":
        points = reader.read_tensor_summaries(run_id, richest.name)
        return tuple(sorted({p.step for p in points}))
    scalars = reader.read_scalars(run_id, richest.name)
    return tuple(sorted(set(scalars.steps.tolist())))


def _group_by_module(watched: list[SeriesInfo], rank: str) -> dict[str, _Module]:
    modules: dict[str, _Module] = {}
    for s in watched:
        kind, _, key = s.name.removeprefix(rank).partition("/")
        is_param = kind in PARAM_TENSORS or kind in PARAM_SCALARS
        module = modules.setdefault(module_of(key) if is_param else key, _Module())
        if is_param:
            module.params.add(key)
        module.series.setdefault(kind, []).append(s.name)
    return modules


def _tree_index(tree: dict[str, object] | None) -> tuple[dict[str, str], dict[str, int]]:
    """Module types by path, and each path's position in a pre-order walk of the tree."""
    types: dict[str, str] = {}
    order: dict[str, int] = {}
    for node in _walk(tree):
        path = node.get("path")
        if isinstance(path, str):
            order.setdefault(path, len(order))
            if isinstance(node.get("type"), str):
                types[path] = str(node["type"])
    return types, order


def _walk(node: object) -> Iterator[dict[str, object]]:
    if not isinstance(node, dict):
        return
    yield node
    children = node.get("children")
    if isinstance(children, list):
        for child in children:
            yield from _walk(child)


def _natural(name: str) -> list[tuple[int, int | str]]:
    return [(0, int(t)) if t.isdigit() else (1, t) for t in re.split(r"(\d+)", name) if t]


def _ordered(modules: dict[str, _Module], order: dict[str, int]) -> list[str]:
    """Modules in the model tree's order; those the tree does not know, after, by name."""
    return sorted(modules, key=lambda m: (0, order[m], []) if m in order
                  else (1, 0, _natural(m)))


def _summary_at(reader: Reader, run_id: str, name: str, step: int) -> TensorSummary | None:
    points = reader.read_tensor_summaries(run_id, name, end=step, max_points=1)
    return points[-1].summary if points else None


def _scalar_at(reader: Reader, run_id: str, name: str, step: int) -> float | None:
    series = reader.read_scalars(run_id, name, end=step, max_points=_LAST_ONLY)
    return float(series.values[-1]) if len(series) else None


def _row(reader: Reader, run_id: str, step: int, name: str, module: _Module,
         type_: str | None) -> LayerRow:
    def summaries(kind: str) -> dict[str, TensorSummary]:
        out = {}
        for series in module.series.get(kind, []):
            found = _summary_at(reader, run_id, series, step)
            if found is not None:
                out[split_prefix(series)[1].partition("/")[2]] = found
        return out

    def scalars(kind: str) -> dict[str, float]:
        out = {}
        for series in module.series.get(kind, []):
            found = _scalar_at(reader, run_id, series, step)
            if found is not None:
                out[split_prefix(series)[1].partition("/")[2]] = found
        return out

    weights, grads = summaries("weights"), summaries("grads")
    activations = summaries("activations")
    act = activations.get(name)
    act_grads = scalars("activation_grads")
    return LayerRow(
        name=name, type=type_, params=tuple(sorted(module.params, key=_natural)),
        weight_norm=_joint_norm(weights), grad_norm=_joint_norm(grads),
        update_ratio=_update_ratio(scalars("updates"), weights),
        activation_mean=None if act is None else act.mean,
        activation_std=None if act is None else act.std,
        dead_fraction=None if act is None else _dead_fraction(act),
        saturated_fraction=None if act is None else act.extra.get("saturated_fraction"),
        activation_grad_norm=act_grads.get(name),
        nonfinite=sum(s.nonfinite_count for group in (weights, grads, activations)
                      for s in group.values()))


def _joint_norm(summaries: dict[str, TensorSummary]) -> float | None:
    if not summaries:
        return None
    return math.sqrt(sum(s.norm ** 2 for s in summaries.values()))


def _update_ratio(ratios: dict[str, float], weights: dict[str, TensorSummary]) -> float | None:
    """``||dW|| / ||W||`` over all the module's parameters, from per-parameter ratios."""
    if not ratios:
        return None
    if len(ratios) == 1:
        return next(iter(ratios.values()))
    if all(p in weights for p in ratios):
        w2 = sum(weights[p].norm ** 2 for p in ratios)
        if w2 > 0 and math.isfinite(w2):
            dw2 = sum((r * weights[p].norm) ** 2 for p, r in ratios.items())
            return math.sqrt(dw2 / w2)
    return max(ratios.values())


def _dead_fraction(act: TensorSummary) -> float | None:
    if "dead_fraction" in act.extra:
        return act.extra["dead_fraction"]
    dead, units = act.extra.get("dead_units"), act.extra.get("units")
    if dead is None or not units:
        return None
    return dead / units
