"""What ``run.log()`` accepts as values, names and steps, checked through the real API and store."""

from __future__ import annotations

import math
import struct
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import deepscope
from deepscope import _api
from deepscope._values import MAX_NAME_LENGTH, check_name, check_step, to_scalar


@pytest.fixture(autouse=True)
def _no_current_run():
    token = _api._current.set(None)
    yield
    _api._current.reset(token)


@pytest.fixture
def run(logdir: Path):
    r = deepscope.init(project="p", name="n", logdir=logdir, exit_hooks=False)
    yield r
    r.finish()


def read(run: deepscope.Run, name: str) -> deepscope.ScalarSeries:
    assert run.flush(timeout=10)
    with deepscope.open(run.logdir) as reader:
        return reader.read_scalars(run.id, name)


def series_names(run: deepscope.Run, kind: str | None = None) -> set[str]:
    assert run.flush(timeout=10)
    with deepscope.open(run.logdir) as reader:
        return {s.name for s in reader.list_series(run.id, kind=kind)}


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


# -- scalar values -----------------------------------------------------------------------------

def _leaf() -> torch.Tensor:
    return torch.tensor(7.25, dtype=torch.float64, requires_grad=True)


SCALARS = {
    "float": (0.1, 0.1),
    "neg_zero": (-0.0, -0.0),
    "tiny": (5e-324, 5e-324),
    "max_float": (1.7976931348623157e308, 1.7976931348623157e308),
    "int": (3, 3.0),
    "neg_int": (-42, -42.0),
    "int64_max": (2**63 - 1, float(2**63 - 1)),
    "big_int_fits_float": (10**300, 1e300),
    "true": (True, 1.0),
    "false": (False, 0.0),
    "np_float64": (np.float64(0.3), 0.3),
    "np_float32": (np.float32(0.1), float(np.float32(0.1))),
    "np_float16": (np.float16(0.5), 0.5),
    "np_int64": (np.int64(-7), -7.0),
    "np_uint8": (np.uint8(255), 255.0),
    "np_bool": (np.bool_(True), 1.0),
    "np_0d": (np.array(2.5), 2.5),
    "np_0d_int": (np.array(9, dtype=np.int32), 9.0),
    "np_1elem": (np.array([4.5]), 4.5),
    "np_1x1": (np.array([[5.5]], dtype=np.float32), 5.5),
    "torch_0d": (torch.tensor(1.5), 1.5),
    "torch_0d_f32": (torch.tensor(0.1), float(np.float32(0.1))),
    "torch_0d_f64": (torch.tensor(0.1, dtype=torch.float64), 0.1),
    "torch_int": (torch.tensor(5), 5.0),
    "torch_bool": (torch.tensor(True), 1.0),
    "torch_1elem": (torch.tensor([2.5]), 2.5),
    "torch_1x1": (torch.tensor([[3.5]]), 3.5),
    "torch_f16": (torch.tensor(0.25, dtype=torch.float16), 0.25),
    "torch_bf16": (torch.tensor(1.5, dtype=torch.bfloat16), 1.5),
    "torch_leaf_grad": (_leaf(), 7.25),
    "torch_nonleaf_grad": (_leaf() * 2, 14.5),
    "torch_1elem_grad": (torch.ones(1, requires_grad=True) * 3, 3.0),
}


@pytest.mark.parametrize("case", sorted(SCALARS))
def test_each_scalar_kind_is_stored_exactly(run: deepscope.Run, case: str) -> None:
    value, expected = SCALARS[case]
    run.log({case: value}, step=0)
    got = read(run, case)
    assert got.steps.tolist() == [0]
    assert bits(float(got.values[0])) == bits(expected)


def test_mixed_types_in_one_call_are_stored_exactly(run: deepscope.Run) -> None:
    run.log({k: v for k, (v, _) in SCALARS.items()}, step=3)
    for key, (_, expected) in SCALARS.items():
        got = read(run, key)
        assert got.steps.tolist() == [3], key
        assert bits(float(got.values[0])) == bits(expected), key


def test_nan_and_infinities_are_stored_faithfully(run: deepscope.Run) -> None:
    values = [1.0, math.nan, math.inf, -math.inf, 2.0, np.float32("nan"), torch.tensor(math.inf),
              np.array(-np.inf)]
    for v in values:
        run.log({"loss": v})
    got = read(run, "loss")
    assert got.steps.tolist() == list(range(len(values)))
    out = got.values.tolist()
    assert out[0] == 1.0 and math.isnan(out[1]) and out[2] == math.inf and out[3] == -math.inf
    assert out[4] == 2.0 and math.isnan(out[5]) and out[6] == math.inf and out[7] == -math.inf


def test_only_nan_series_reads_back(run: deepscope.Run) -> None:
    run.log({"x": math.nan}, step=0)
    run.log({"x": math.nan}, step=1)
    got = read(run, "x")
    assert got.steps.tolist() == [0, 1]
    assert np.isnan(got.values).all()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), min_size=1,
                max_size=50))
def test_any_float64_round_trips_bit_exactly(values: list[float]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        run = deepscope.init(logdir=tmp, exit_hooks=False)
        for v in values:
            run.log({"v": v})
        run.finish()
        with deepscope.open(tmp) as reader:
            got = reader.read_scalars(run.id, "v")
    assert got.steps.tolist() == list(range(len(values)))
    for want, have in zip(values, got.values.tolist(), strict=True):
        if math.isnan(want):
            assert math.isnan(have)
        else:
            assert bits(have) == bits(want)


@pytest.mark.parametrize("value", [10**400, -(10**400), 10**5000, 2**1024],
                         ids=["1e400", "-1e400", "1e5000", "2^1024"])
def test_huge_int_raises_value_error_naming_the_key(run: deepscope.Run, value: int) -> None:
    with pytest.raises(ValueError, match="'weights/huge'"):
        run.log({"weights/huge": value})
    with pytest.raises(ValueError, match="'weights/huge'"):
        run.log({"ok": 1.0, "weights/huge": value})
    assert series_names(run) == set()  # the call is all or nothing


@pytest.mark.parametrize("value, type_name, hint", [
    ("0.5", "str", "log_text"),
    (b"0.5", "bytes", "log_text"),
    (None, "NoneType", None),
    ([1.0, 2.0], "list", "log_histogram"),
    ((1.0, 2.0), "tuple", "log_histogram"),
    ({"a": 1}, "dict", None),
    (complex(1, 2), "complex", None),
    (object(), "object", None),
    (np.array([1.0, 2.0]), "ndarray", "log_histogram"),
    (np.zeros((2, 3)), "ndarray", "log_histogram"),
    (np.array([]), "ndarray", "log_histogram"),
    (torch.ones(3), "Tensor", "log_histogram"),
    (torch.ones(2, 2, requires_grad=True), "Tensor", "log_histogram"),
])
def test_non_scalar_raises_type_error_naming_key_and_type(run: deepscope.Run, value: object,
                                                          type_name: str,
                                                          hint: str | None) -> None:
    with pytest.raises(TypeError) as info:
        run.log({"train/acc": value})
    msg = str(info.value)
    assert "'train/acc'" in msg and type_name in msg
    if hint:
        assert hint in msg
    with pytest.raises(TypeError, match="'train/acc'"):
        run.log({"fine": 1.0, "train/acc": value})
    assert series_names(run) == set()
    assert run.step == -1  # a rejected call does not advance the step


def test_array_error_message_shows_shape(run: deepscope.Run) -> None:
    with pytest.raises(TypeError, match=r"\(2, 3\)"):
        run.log({"w": np.zeros((2, 3))})


# -- names -------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["", " ", "\t\n", "   \u3000"])
def test_blank_names_raise_value_error(run: deepscope.Run, name: str) -> None:
    with pytest.raises(ValueError, match="empty or blank"):
        run.log({name: 1.0})
    with pytest.raises(ValueError, match="empty or blank"):
        run.log_histogram(name, [1.0, 2.0])
    with pytest.raises(ValueError, match="empty or blank"):
        run.log_text(name, "x")
    with pytest.raises(ValueError, match="empty or blank"):
        run.log_image(name, np.zeros((2, 2)))
    assert series_names(run) == set()


@pytest.mark.parametrize("name", [1, 1.5, None, b"loss", ("a",), True])
def test_non_str_names_raise_type_error(run: deepscope.Run, name: object) -> None:
    with pytest.raises(TypeError, match=f"must be a str, got {type(name).__name__}"):
        run.log({name: 1.0})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="must be a str"):
        run.log_text(name, "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be a str"):
        run.log_image(name, np.zeros((2, 2)))  # type: ignore[arg-type]
    assert series_names(run) == set()


def test_names_with_nul_or_too_long_are_rejected(run: deepscope.Run) -> None:
    with pytest.raises(ValueError, match="NUL"):
        run.log({"a\x00b": 1.0})
    with pytest.raises(ValueError, match=str(MAX_NAME_LENGTH)):
        run.log({"x" * (MAX_NAME_LENGTH + 1): 1.0})
    run.log({"x" * MAX_NAME_LENGTH: 1.0})
    assert series_names(run) == {"x" * MAX_NAME_LENGTH}


WEIRD_NAMES = [
    "train/loss", "ünïcödé/损失/🚀", "<script>alert('x')</script>", "a&b<c>\"d'",
    "../../etc/passwd",
    "..", ".", "/", "/abs/path", "a//b", "a/../b", "C:\\Windows\\system32", "~/x", "$HOME",
    "name with spaces", "%s%n%d", "'; DROP TABLE runs; --", "\u202eevil", "tab\tname",
    "new\nline", "deepscope.db", "media",
]


def test_weird_names_are_stored_verbatim_and_nothing_escapes_the_logdir(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    logdir = tmp_path / "a" / "b" / "logs"
    run = deepscope.init(logdir=logdir, exit_hooks=False)
    for i, name in enumerate(WEIRD_NAMES):
        run.log({name: float(i)}, step=i)
        run.log_histogram(name, np.arange(5.0) + i, step=i)
        run.log_text(name, name, step=i)
        run.log_image(name, np.full((2, 3), i, dtype=np.uint8), step=i)
    run.finish()

    with deepscope.open(logdir) as reader:
        for kind in ("scalar", "tensor", "text", "image"):
            assert {s.name for s in reader.list_series(run.id, kind=kind)} == set(WEIRD_NAMES)
        for i, name in enumerate(WEIRD_NAMES):
            got = reader.read_scalars(run.id, name)
            assert got.steps.tolist() == [i] and got.values.tolist() == [float(i)]
            assert [t.text for t in reader.read_texts(run.id, name)] == [name]
            assert reader.read_tensor_summaries(run.id, name)[0].summary.min == float(i)
            assert [m.step for m in reader.read_media(run.id, name)] == [i]

    # Nothing outside the logdir; in it only the database and content-addressed media.
    assert list(cwd.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "cwd"]
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["b"]
    assert [p.name for p in (tmp_path / "a" / "b").iterdir()] == ["logs"]
    top = {p.name for p in logdir.iterdir()}
    assert top <= {"deepscope.db", "deepscope.db-wal", "deepscope.db-shm", "media"}
    assert "deepscope.db" in top and "media" in top
    for path in (logdir / "media").rglob("*"):
        rel = path.relative_to(logdir / "media")
        if path.is_dir():
            assert len(rel.parts) == 1 and len(rel.name) == 2
        else:
            assert len(rel.parts) == 2 and len(rel.name) == 64 and rel.name.startswith(rel.parts[0])
    assert not Path("/etc/passwd").is_dir()


# -- steps -------------------------------------------------------------------------------------

def test_steps_auto_increment_from_zero(run: deepscope.Run) -> None:
    for i in range(5):
        run.log({"x": float(i)})
    assert read(run, "x").steps.tolist() == [0, 1, 2, 3, 4]
    assert run.step == 4


def test_explicit_steps_and_auto_continues_after_last(run: deepscope.Run) -> None:
    run.log({"x": 1.0}, step=0)
    run.log({"x": 2.0}, step=10)
    run.log({"x": 3.0}, step=20)
    run.log({"x": 4.0})
    got = read(run, "x")
    assert got.steps.tolist() == [0, 10, 20, 21]
    assert got.values.tolist() == [1.0, 2.0, 3.0, 4.0]


def test_same_step_keeps_write_order(run: deepscope.Run) -> None:
    run.log({"x": 1.0}, step=5)
    run.log({"x": 2.0}, step=5)
    run.log({"y": 3.0}, step=5)
    got = read(run, "x")
    assert got.steps.tolist() == [5, 5] and got.values.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("step, expected", [
    (np.int64(7), 7), (np.int32(8), 8), (np.uint8(9), 9), (np.array(11), 11),
    (torch.tensor(12), 12), (2**62, 2**62),
])
def test_integer_like_steps_accepted(run: deepscope.Run, step: object, expected: int) -> None:
    run.log({"x": 1.0}, step=step)  # type: ignore[arg-type]
    run.log_text("t", "hi", step=step)  # type: ignore[arg-type]
    assert read(run, "x").steps.tolist() == [expected]
    with deepscope.open(run.logdir) as reader:
        assert [t.step for t in reader.read_texts(run.id, "t")] == [expected]
    assert run.step == expected


@pytest.mark.parametrize("step", [1.0, 1.5, np.float64(2.0), True, False, np.bool_(True), "3",
                                  [1], torch.tensor(1.0)])
def test_non_integer_steps_raise_type_error(run: deepscope.Run, step: object) -> None:
    with pytest.raises(TypeError, match="step must be an int"):
        run.log({"x": 1.0}, step=step)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="step must be an int"):
        run.log_histogram("h", [1.0], step=step)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="step must be an int"):
        run.log_text("t", "x", step=step)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="step must be an int"):
        run.log_image("i", np.zeros((2, 2)), step=step)  # type: ignore[arg-type]
    assert series_names(run) == set()
    assert run.step == -1


@pytest.mark.parametrize("step", [2**63, -(2**63) - 1])
def test_steps_outside_int64_raise_value_error(run: deepscope.Run, step: int) -> None:
    with pytest.raises(ValueError, match="int64"):
        run.log({"x": 1.0}, step=step)
    assert series_names(run) == set()


def test_other_kinds_without_step_use_the_current_step(run: deepscope.Run) -> None:
    # Before anything is logged the current step is 0.
    run.log_text("early", "first")
    run.log({"x": 1.0}, step=5)
    run.log_histogram("h", np.arange(10.0))
    run.log_text("t", "hello")
    run.log_image("img", np.zeros((4, 4), dtype=np.uint8))
    run.log_histogram("h", np.arange(10.0), step=9)
    run.log({"x": 2.0})  # continues after the histogram's explicit step
    assert read(run, "x").steps.tolist() == [5, 10]
    with deepscope.open(run.logdir) as reader:
        assert [t.step for t in reader.read_texts(run.id, "early")] == [0]
        assert [p.step for p in reader.read_tensor_summaries(run.id, "h")] == [5, 9]
        assert [t.step for t in reader.read_texts(run.id, "t")] == [5]
        assert [m.step for m in reader.read_media(run.id, "img")] == [5]


def test_wall_times_are_recorded_and_increasing(run: deepscope.Run) -> None:
    t0 = time.time()
    for i in range(50):
        run.log({"x": float(i)})
    time.sleep(0.01)
    run.log({"x": 50.0})
    run.log_text("t", "a")
    t1 = time.time()
    got = read(run, "x")
    walls = got.wall_times
    assert len(walls) == 51
    assert np.all(np.diff(walls) >= 0)
    assert walls[-1] - walls[-2] >= 0.009  # the sleep shows up
    assert t0 - 1e-6 <= walls[0] and walls[-1] <= t1 + 1e-6
    with deepscope.open(run.logdir) as reader:
        text_wall = reader.read_texts(run.id, "t")[0].wall_time
    assert walls[-1] <= text_wall <= t1


# -- the helpers directly ------------------------------------------------------------------------

def test_check_name_and_check_step_helpers() -> None:
    assert check_name("a/b") == "a/b"
    assert check_step(np.int16(3)) == 3 and type(check_step(np.int16(3))) is int
    with pytest.raises(ValueError, match="tag"):
        check_name(" ", what="tag")
    assert to_scalar("k", np.array([[[2.0]]])) == 2.0
    with pytest.raises(TypeError, match="'k'"):
        to_scalar("k", np.array(["a"]))
