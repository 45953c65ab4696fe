"""The pure serialize_* functions: NaN/Inf handling and JSON safety."""

from __future__ import annotations

import json
import math

import numpy as np

from deepscope.query.reader import RunInfo, ScalarSeries
from deepscope.records import TensorSummary
from deepscope.server.routing import encode_json
from deepscope.server.serialize import (
    serialize_float,
    serialize_json,
    serialize_run,
    serialize_scalars,
    serialize_summary,
    serialize_values,
)


def test_statistics_become_strings_when_not_finite() -> None:
    assert serialize_float(1.5) == 1.5 and serialize_float(None) is None
    assert serialize_float(math.nan) == "NaN"
    assert serialize_float(math.inf) == "Infinity" and serialize_float(-math.inf) == "-Infinity"


def test_value_arrays_get_null_and_indices() -> None:
    values, nonfinite = serialize_values(np.array([1.0, math.nan, math.inf, 2.0, -math.inf,
                                                   math.nan]))
    assert values == [1.0, None, None, 2.0, None, None]
    assert nonfinite == {"nan": [1, 5], "inf": [2], "-inf": [4]}
    clean, none = serialize_values(np.array([0.1, 0.2]))
    assert clean == [0.1, 0.2] and none == {"nan": [], "inf": [], "-inf": []}


def test_values_round_trip_exactly_through_json() -> None:
    raw = np.random.default_rng(1).normal(size=1000)
    series = ScalarSeries("r", "x", np.arange(1000, dtype=np.int64), raw,
                          np.full(1000, 1795462186.123456), total=1000)
    body = json.loads(encode_json(serialize_scalars(series)))
    assert np.array_equal(np.array(body["values"]), raw)
    assert body["steps"] == list(range(1000)) and body["wall_times"][0] == 1795462186.123456


def test_free_form_dicts_are_walked() -> None:
    out = serialize_json({"a": [1, math.nan, {"b": math.inf}], 3: "x", "t": (1.0, 2)})
    assert out == {"a": [1, "NaN", {"b": "Infinity"}], "3": "x", "t": [1.0, 2]}
    encode_json(out)  # strict JSON: would raise on a NaN left behind


def test_a_summary_of_nothing_finite_is_valid_json() -> None:
    s = TensorSummary(count=2, nan_count=2, pos_inf_count=0, neg_inf_count=0, zero_count=0,
                      min=math.nan, max=math.nan, mean=math.nan, std=math.nan, norm=0.0,
                      bin_edges=(0.0, math.inf), bin_counts=(0,), extra={"x": -math.inf})
    body = serialize_summary(s)
    assert body["min"] == "NaN" and body["bin_edges"] == [0.0, "Infinity"]
    assert body["extra"] == {"x": "-Infinity"}
    encode_json(body)


def test_run_with_nan_in_its_config() -> None:
    run = RunInfo(id="a", name="n", project="p", status="running", created_at=1.0,
                  ended_at=None, heartbeat_at=3.0, config={"lr": math.nan}, tags=("t",),
                  notes="", system={"gpu": None})
    body = serialize_run(run, system=True)
    assert body["config"] == {"lr": "NaN"} and body["duration"] == 2.0 and body["last"] == {}
    assert body["system"] == {"gpu": None}
    encode_json(body)
