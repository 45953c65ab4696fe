"""The on-device torch summarizer agrees with the numpy reference on every statistic."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from deepscope.summarize.numpy import summarize_array
from deepscope.summarize.torch import finalize, finalize_with_scalars, start_summary

CASES = {
    "normal": torch.randn(300, 70, generator=torch.Generator().manual_seed(0)),
    "constant": torch.full((50,), -2.5),
    "zeros": torch.zeros(10, 10),
    "nonfinite": torch.tensor([1.0, math.nan, math.inf, -math.inf, 0.0, -3.0, math.nan]),
    "all_nan": torch.full((4,), math.nan),
    "fp16": torch.randn(257).half(),
    "bf16": torch.randn(3, 5, 7).bfloat16(),
    "int": torch.arange(-5, 20),
    "single": torch.tensor([4.0]),
    "big_offset": torch.randn(1000, dtype=torch.float64) * 1e-3 + 1e3,
}


def _check(ours, ref) -> None:  # type: ignore[no-untyped-def]
    for field in ("count", "nan_count", "pos_inf_count", "neg_inf_count", "zero_count"):
        assert getattr(ours, field) == getattr(ref, field), field
    for field in ("min", "max", "mean", "std", "norm"):
        a, b = getattr(ours, field), getattr(ref, field)
        assert (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b, rel=1e-5, abs=1e-6), (
            field, a, b)
    assert sum(ours.bin_counts) == sum(ref.bin_counts) == ref.finite_count
    if ref.bin_edges:
        np.testing.assert_allclose(ours.bin_edges, ref.bin_edges, rtol=1e-6, atol=1e-9)
        # float rounding may move a value at a bin edge by one bin, never more
        moved = np.abs(np.cumsum(ours.bin_counts) - np.cumsum(ref.bin_counts)).max()
        assert moved <= max(2, 0.001 * ref.count)


@pytest.mark.parametrize("keep_source", [True, False], ids=["fast", "masked"])
@pytest.mark.parametrize("name", list(CASES))
def test_matches_numpy_reference(name: str, keep_source: bool) -> None:
    t = CASES[name]
    ours = finalize([start_summary(t, keep_source=keep_source)])[0]
    ref_input = t.numpy() if t.dtype == torch.float64 else t.float().numpy()
    _check(ours, summarize_array(ref_input))


def test_many_tensors_come_home_in_one_batch_with_scalars_and_extras() -> None:
    ts = list(CASES.values())
    pending = [start_summary(t, bins=16, extra={"k": t.float().nan_to_num().sum()}) for t in ts]
    summaries, scalars = finalize_with_scalars(pending, {"a": torch.tensor(2.5),
                                                         "b": torch.tensor(-1.0)})
    assert scalars == {"a": 2.5, "b": -1.0}
    for t, s in zip(ts, summaries):
        assert len(s.bin_counts) == (16 if s.finite_count else 0)
        assert s.extra["k"] == pytest.approx(float(t.float().nan_to_num().sum()), rel=1e-5)


def test_empty_tensor() -> None:
    s = finalize([start_summary(torch.empty(0))])[0]
    assert s.count == 0 and math.isnan(s.mean) and s.bin_counts == ()
