"""The Reader contract (docstring of ``deepscope.query.reader``) against the SQLite reader.

Everything is written through the public API (``deepscope.init`` / ``run.log`` / ``finish``) into
a real logdir and read back with ``deepscope.open``.
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import deepscope
from deepscope.errors import NotFoundError
from deepscope.query import downsample
from deepscope.query.filters import parse_filter
from deepscope.query.reader import ScalarSeries
from deepscope.query.sqlite import SqliteReader
from deepscope.store.writer import WriterSettings
from deepscope.summarize.numpy import summarize_array

A, B, C, D = "aaaa1111", "aaaa2222", "bbbb3333", "cccc4444"
N_LOSS = 1000
N_BIG = 200_000
SPIKE_UP, SPIKE_DOWN, BIG_NAN, BIG_INF = 123_457, 45_678, (150_000, 150_001), 170_000

SPECIAL = {  # step -> float64 bit pattern logged in A's "loss"
    10: 0x7FF8000000000000,  # NaN
    11: 0x7FF0000000000000,  # +inf
    12: -0x0010000000000000,  # -inf
    13: -0x8000000000000000,  # -0.0
    14: 0x0000000000000001,  # smallest subnormal
    15: 0x7FEFFFFFFFFFFFFF,  # largest finite
    16: 0x7FF8000000000123,  # NaN with a payload
    17: -0x0008000000000000,  # negative NaN
    18: -0x7FF0000000000001 + 0x7FF0000000000000,  # -5e-324
}


def _f(bits: int) -> float:
    return float(np.array([bits], np.int64).view(np.float64)[0])


def bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.float64).view(np.int64)


@dataclass
class World:
    logdir: Path
    loss: np.ndarray  # A's "loss", by step
    big: np.ndarray  # D's "big", by step
    t0: float
    t1: float
    hist_arrays: dict[int, np.ndarray]
    images: dict[int, np.ndarray]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    logdir = tmp_path_factory.mktemp("contract") / "logs"
    rng = np.random.default_rng(7)
    t0 = time.time()

    loss = rng.standard_normal(N_LOSS)
    for step, b in SPECIAL.items():
        loss[step] = _f(b)
    run = deepscope.init("vision", "alpha-resnet", logdir=logdir, id=A, exit_hooks=False,
                         config={"lr": 0.01, "opt": {"name": "adam", "beta": 0.9},
                                 "arch": "resnet50", "layers": 50, "flag": True,
                                 "pct": "50%_done"},
                         tags=["baseline", "gpu"], notes="first <run>")
    for i in range(N_LOSS):
        if i < 100:
            run.log({"loss": float(loss[i]), "acc": i / 100}, step=i)
        else:
            run.log({"loss": float(loss[i])}, step=i)
    for i, s in enumerate([5, 3, 3, 9, 1, 3, 5]):
        run.log({"nm": float(i)}, step=s)
    for s in range(3):
        run.log({"allnan": math.nan}, step=s)
    for s, v in enumerate([math.nan, math.inf, math.nan, math.inf]):  # extremes beside NaNs
        run.log({"naninf": v}, step=s)
    hist_arrays = {}
    for s in range(0, 500, 10):
        hist_arrays[s] = rng.standard_normal(64) * (1 + s)
        run.log_histogram("w", hist_arrays[s], step=s)
    run.log_histogram("w_bad", np.array([np.nan, np.inf, -np.inf, 1.0, 2.0, 0.0]), step=3)
    run.log_text("notes", "<b>two</b>", step=2)
    run.log_text("notes", "один", step=1)
    run.log_text("notes", "one-b", step=1)
    images = {0: rng.integers(0, 256, (6, 8, 3), dtype=np.uint8),
              5: rng.random((4, 5)), 7: None}
    images[7] = images[0]
    for s, img in images.items():
        run.log_image("img", img, step=s)
    run.finish()
    time.sleep(0.01)

    run = deepscope.init("vision", "beta-vit", logdir=logdir, id=B, exit_hooks=False,
                         config={"lr": 0.001, "opt": {"name": "sgd"}, "arch": "vit",
                                 "layers": 12, "flag": False}, tags=["gpu"])
    run.log({"loss": 1.0}, step=0)
    run.log({"loss": 0.5}, step=1)
    run.finish()
    time.sleep(0.01)

    running = deepscope.init("nlp", "gamma-bert", logdir=logdir, id=C, exit_hooks=False,
                             config={"lr": 0.1, "opt": {"name": "adamw"}, "arch": "bert_base",
                                     "layers": 24})
    running.log({"loss": 3.0}, step=0)
    running.flush()
    time.sleep(0.01)

    big = np.cumsum(rng.standard_normal(N_BIG)) * 0.01
    big[SPIKE_UP] = 1e6
    big[SPIKE_DOWN] = -1e6
    big[list(BIG_NAN)] = np.nan
    big[BIG_INF] = np.inf
    run = deepscope.init("nlp", "delta-big", logdir=logdir, id=D, exit_hooks=False,
                         config={"lr": 0.01, "batch": 256})
    smooth = np.sin(np.arange(N_BIG) / 1000.0)
    for i in range(N_BIG):
        run.log({"big": float(big[i]), "smooth": float(smooth[i])}, step=i)
    run.finish()
    t1 = time.time()
    yield World(logdir, loss, big, t0, t1, hist_arrays, images)
    running.finish()


@pytest.fixture(scope="module")
def reader(world: World) -> Iterator[SqliteReader]:
    r = deepscope.open(world.logdir)
    yield r
    r.close()


# -- runs ---------------------------------------------------------------------------------------

def test_runs_are_listed_newest_first(reader: SqliteReader) -> None:
    runs = reader.list_runs()
    assert [r.id for r in runs] == [D, C, B, A]
    created = [r.created_at for r in runs]
    assert created == sorted(created, reverse=True)


def test_run_info_fields(world: World, reader: SqliteReader) -> None:
    a = reader.get_run(A)
    assert a.name == "alpha-resnet" and a.project == "vision"
    assert a.status == "finished" and not a.stale and not a.is_live
    assert a.config == {"lr": 0.01, "opt": {"name": "adam", "beta": 0.9}, "arch": "resnet50",
                        "layers": 50, "flag": True, "pct": "50%_done"}
    assert a.tags == ("baseline", "gpu")
    assert a.notes == "first <run>"
    assert a.system.get("host")
    assert world.t0 <= a.created_at <= a.ended_at <= world.t1
    assert a.duration >= 0
    assert a.last_step == N_LOSS - 1
    assert reader.get_run(D).last_step == N_BIG - 1


def test_running_run_and_stale_heartbeat(world: World, reader: SqliteReader) -> None:
    c = reader.get_run(C)
    assert c.status == "running" and c.is_live and not c.stale and c.ended_at is None
    later = SqliteReader(world.logdir, clock=lambda: time.time() + 3600)
    try:
        c = later.get_run(C)
        assert c.status == "crashed" and c.stale and not c.is_live
        assert [r.id for r in later.list_runs(status="crashed")] == [C]
        assert later.list_runs(status="running") == []
        for rid in (A, B, D):  # finished runs are never stale
            r = later.get_run(rid)
            assert r.status == "finished" and not r.stale
    finally:
        later.close()


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, [D, C, B, A]),
    ({"project": "vision"}, [B, A]),
    ({"project": "nlp"}, [D, C]),
    ({"project": "nope"}, []),
    ({"name": "bert"}, [C]),
    ({"name": "-"}, [D, C, B, A]),
    ({"name": "zzz"}, []),
    ({"tags": ["gpu"]}, [B, A]),
    ({"tags": ["gpu", "baseline"]}, [A]),
    ({"tags": ["nope"]}, []),
    ({"status": "finished"}, [D, B, A]),
    ({"status": "running"}, [C]),
    ({"status": "killed"}, []),
    ({"limit": 2}, [D, C]),
    ({"limit": 0}, []),
    ({"where": [("lr", "<", 0.05)]}, [D, B, A]),
    ({"where": [("lr", "=", 0.01)]}, [D, A]),
    ({"where": [("lr", "!=", 0.01)]}, [C, B]),
    ({"where": [("lr", ">", 0.01)]}, [C]),
    ({"where": [("lr", ">=", 0.01)]}, [D, C, A]),
    ({"where": [("lr", "<=", 0.001)]}, [B]),
    ({"where": [("opt.name", "=", "adam")]}, [A]),
    ({"where": [("opt.name", "~", "adam")]}, [C, A]),
    ({"where": [("opt.name", "!=", "adam")]}, [C, B]),
    ({"where": [("opt.beta", ">", 0.5)]}, [A]),
    ({"where": [("layers", ">=", 24)]}, [C, A]),
    ({"where": [("layers", "=", 12)]}, [B]),
    ({"where": [("flag", "=", 1.0)]}, [A]),
    ({"where": [("flag", "=", 0)]}, [B]),
    ({"where": [("flag", "=", "true")]}, [A]),
    ({"where": [("arch", "~", "_")]}, [C]),  # LIKE wildcards are literal
    ({"where": [("arch", "~", "%")]}, []),
    ({"where": [("pct", "~", "%_")]}, [A]),
    ({"where": [("batch", "=", 256)]}, [D]),
    ({"where": [("missing", "=", 1)]}, []),
    ({"where": [("lr", "<", 0.05), ("opt.name", "~", "a")]}, [A]),
    ({"where": [("x' OR '1'='1", "=", "a")]}, []),  # keys are data, never SQL
    ({"project": "vision", "tags": ["gpu"], "where": [("layers", "<", 20)]}, [B]),
    ({"where": [parse_filter("opt.name = adam")]}, [A]),
    ({"where": [parse_filter("config.lr < 0.05"), parse_filter("layers > 20")]}, [A]),
    ({"where": [parse_filter("arch ~ 50")]}, [A]),  # a number-looking substring
    ({"where": [parse_filter("arch ~ bert")]}, [C]),
    ({"where": [parse_filter("arch = 'vit'")]}, [B]),
])
def test_list_runs_filters(reader: SqliteReader, kwargs: dict, expected: list[str]) -> None:
    assert [r.id for r in reader.list_runs(**kwargs)] == expected


def test_unknown_filter_operator_is_a_value_error(reader: SqliteReader) -> None:
    with pytest.raises(ValueError, match="operator"):
        reader.list_runs(where=[("lr", "<>", 1.0)])


@pytest.mark.parametrize(("text", "parsed"), [
    ("lr < 0.01", ("lr", "<", 0.01)),
    ("config.lr<=1e-3", ("lr", "<=", 0.001)),
    ("opt.name = adam", ("opt.name", "=", "adam")),
    ("opt.name == 'adam'", ("opt.name", "=", "adam")),
    ('arch = "50"', ("arch", "=", "50")),
    ("arch ~ resnet", ("arch", "~", "resnet")),
    ("layers != 12", ("layers", "!=", 12.0)),
    ("  batch >= 256  ", ("batch", ">=", 256.0)),
    ("lr > -1", ("lr", ">", -1.0)),
])
def test_parse_filter(text: str, parsed: tuple) -> None:
    assert parse_filter(text) == parsed


@pytest.mark.parametrize("text", ["", "lr", "lr <", "< 3", "lr 0.1", "= 3"])
def test_parse_filter_rejects_malformed(text: str) -> None:
    with pytest.raises(ValueError, match="key op value"):
        parse_filter(text)


def test_get_run_by_id_name_and_prefix(reader: SqliteReader) -> None:
    assert reader.get_run(A).id == A
    assert reader.get_run("beta-vit").id == B
    assert reader.get_run("bbbb").id == C  # unique prefix
    assert reader.get_run("aaaa1").id == A
    assert reader.get_run("c").id == D


def test_get_run_ambiguous_prefix(reader: SqliteReader) -> None:
    with pytest.raises(NotFoundError) as info:
        reader.get_run("aaaa")
    msg = str(info.value)
    assert "aaaa" in msg and A in msg and B in msg and "2 runs" in msg


def test_get_run_missing(world: World, reader: SqliteReader) -> None:
    with pytest.raises(NotFoundError) as info:
        reader.get_run("no-such-run")
    assert "no-such-run" in str(info.value)
    assert str(world.logdir) in str(info.value)


# -- series -------------------------------------------------------------------------------------

def test_list_series_order_and_aggregates(world: World, reader: SqliteReader) -> None:
    series = reader.list_series(A)
    assert [(s.kind, s.name) for s in series] == [
        ("scalar", "acc"), ("scalar", "allnan"), ("scalar", "loss"), ("scalar", "naninf"),
        ("scalar", "nm"),
        ("tensor", "w"), ("tensor", "w_bad"), ("text", "notes"), ("image", "img")]
    by = {(s.kind, s.name): s for s in series}
    loss = by["scalar", "loss"]
    assert (loss.count, loss.first_step, loss.last_step) == (N_LOSS, 0, N_LOSS - 1)
    assert loss.min == -math.inf and loss.max == math.inf
    assert loss.last == world.loss[-1]
    acc = by["scalar", "acc"]
    assert (acc.count, acc.first_step, acc.last_step, acc.min, acc.max, acc.last) == (
        100, 0, 99, 0.0, 0.99, 0.99)
    allnan = by["scalar", "allnan"]
    assert allnan.count == 3 and allnan.min is None and allnan.max is None
    assert allnan.last is not None and math.isnan(allnan.last)
    naninf = by["scalar", "naninf"]
    assert (naninf.count, naninf.min, naninf.max, naninf.last) == (4, math.inf, math.inf,
                                                                    math.inf)
    nm = by["scalar", "nm"]
    assert (nm.count, nm.first_step, nm.last_step, nm.min, nm.max, nm.last) == (
        7, 1, 9, 0.0, 6.0, 3.0)
    w = by["tensor", "w"]
    assert (w.count, w.first_step, w.last_step) == (50, 0, 490)
    notes = by["text", "notes"]
    assert (notes.count, notes.first_step, notes.last_step) == (3, 1, 2)
    img = by["image", "img"]
    assert (img.count, img.first_step, img.last_step) == (3, 0, 7)
    for s in series:
        assert s.run_id == A
    assert [s.name for s in reader.list_series(A, kind="tensor")] == ["w", "w_bad"]
    assert reader.list_series(A, kind="image") == [by["image", "img"]]
    assert reader.list_series("no-such-run") == []


def test_read_last_scalars(world: World, reader: SqliteReader) -> None:
    last = reader.read_last_scalars([A, B, "no-such-run"])
    assert set(last) == {A, B, "no-such-run"}
    assert last["no-such-run"] == {}
    assert (last[B]["loss"].step, last[B]["loss"].value) == (1, 0.5)
    a = last[A]
    assert set(a) == {"acc", "allnan", "loss", "naninf", "nm"}
    assert (a["loss"].step, a["loss"].value) == (N_LOSS - 1, world.loss[-1])
    assert (a["nm"].step, a["nm"].value) == (9, 3.0)
    assert a["allnan"].step == 2 and math.isnan(a["allnan"].value)
    assert reader.read_last_scalars([]) == {}


# -- scalars: exact reads -----------------------------------------------------------------------

def test_exact_read_is_bit_identical(world: World, reader: SqliteReader) -> None:
    s = reader.read_scalars(A, "loss")
    assert isinstance(s, ScalarSeries) and s.run_id == A and s.name == "loss"
    assert not s.downsampled and s.total == len(s) == N_LOSS
    assert s.steps.dtype == np.int64 and s.values.dtype == np.float64
    np.testing.assert_array_equal(s.steps, np.arange(N_LOSS))
    np.testing.assert_array_equal(bits(s.values), bits(world.loss))
    for step, b in SPECIAL.items():
        assert bits(s.values[step:step + 1])[0] == b
    # Wall times: seconds since the epoch, at microsecond resolution, non-decreasing.
    assert s.wall_times.dtype == np.float64
    assert np.all(s.wall_times >= world.t0 - 1e-6) and np.all(s.wall_times <= world.t1 + 1e-6)
    assert np.all(np.diff(s.wall_times) >= 0)
    np.testing.assert_array_equal(np.rint(s.wall_times * 1e6) * 1e-6, s.wall_times)  # whole µs


def test_exact_read_when_budget_covers_everything(world: World, reader: SqliteReader) -> None:
    for max_points in (N_LOSS, N_LOSS + 1, 10**9):
        s = reader.read_scalars(A, "loss", max_points=max_points)
        assert not s.downsampled and len(s) == N_LOSS
        np.testing.assert_array_equal(bits(s.values), bits(world.loss))


def test_non_monotonic_steps_are_sorted_stably(reader: SqliteReader) -> None:
    s = reader.read_scalars(A, "nm")
    # logged: (5,0) (3,1) (3,2) (9,3) (1,4) (3,5) (5,6)
    assert s.steps.tolist() == [1, 3, 3, 3, 5, 5, 9]
    assert s.values.tolist() == [4.0, 1.0, 2.0, 5.0, 0.0, 6.0, 3.0]
    assert np.all(np.diff(s.wall_times[[1, 2, 3]]) >= 0)


def test_non_monotonic_steps_across_chunks_keep_write_order(logdir: Path) -> None:
    run = deepscope.init(logdir=logdir, exit_hooks=False,
                         writer_settings=WriterSettings(chunk_points=4))
    logged = [(100, 0.0), (5, 1.0), (6, 2.0), (7, 3.0),  # chunk 1
              (0, 4.0), (100, 5.0), (1, 6.0), (2, 7.0),  # chunk 2 starts below chunk 1
              (100, 8.0), (3, 9.0)]  # chunk 3
    for step, v in logged:
        run.log({"x": v}, step=step)
    run.finish()
    with deepscope.open(logdir) as r:
        s = r.read_scalars(run.id, "x")
        order = sorted(range(len(logged)), key=lambda i: logged[i][0])  # stable: write order
        assert s.steps.tolist() == [logged[i][0] for i in order]
        assert s.values.tolist() == [logged[i][1] for i in order]
        assert r.read_last_scalars([run.id])[run.id]["x"].value == 8.0
        assert r.list_series(run.id)[0].last == 8.0


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.one_of(st.none(), st.integers(-50, N_LOSS + 50)),
       end=st.one_of(st.none(), st.integers(-50, N_LOSS + 50)))
def test_ranges_are_inclusive(world: World, reader: SqliteReader, start: int | None,
                              end: int | None) -> None:
    s = reader.read_scalars(A, "loss", start=start, end=end)
    lo = -(2**63) if start is None else start
    hi = 2**63 - 1 if end is None else end
    expect = np.arange(N_LOSS)[(np.arange(N_LOSS) >= lo) & (np.arange(N_LOSS) <= hi)]
    np.testing.assert_array_equal(s.steps, expect)
    np.testing.assert_array_equal(bits(s.values), bits(world.loss[expect]))
    assert s.total == len(expect) and not s.downsampled


def test_range_bounds_at_int64_extremes(reader: SqliteReader) -> None:
    s = reader.read_scalars(A, "nm", start=-(2**63), end=2**63 - 1)
    assert len(s) == 7
    assert len(reader.read_scalars(A, "nm", start=2**63 - 1)) == 0
    assert len(reader.read_scalars(A, "nm", end=-(2**63))) == 0
    assert reader.read_scalars(A, "nm", start=3, end=3).values.tolist() == [1.0, 2.0, 5.0]
    assert len(reader.read_scalars(A, "nm", start=6, end=4)) == 0


def test_max_points_must_be_positive(reader: SqliteReader) -> None:
    for bad in (0, -1):
        with pytest.raises(ValueError, match="max_points"):
            reader.read_scalars(A, "loss", max_points=bad)


# -- scalars: downsampled reads -----------------------------------------------------------------

def _check_downsampled(exact: ScalarSeries, ds: ScalarSeries, first: int, last: int,
                       max_points: int) -> None:
    """Compare a downsampled read with a brute-force computation over the exact read."""
    n = len(exact)
    if n <= max_points:
        assert not ds.downsampled
        np.testing.assert_array_equal(ds.steps, exact.steps)
        np.testing.assert_array_equal(bits(ds.values), bits(exact.values))
        return
    assert ds.downsampled and ds.total == n
    assert np.all(np.diff(ds.steps) >= 0)
    ebits, dbits = bits(exact.values), bits(ds.values)
    # Every returned point is a real point, wall time included.
    lo = np.searchsorted(exact.steps, ds.steps, side="left")
    hi = np.searchsorted(exact.steps, ds.steps, side="right")
    for i in range(len(ds)):
        same = (ebits[lo[i]:hi[i]] == dbits[i]) & (exact.wall_times[lo[i]:hi[i]]
                                                  == ds.wall_times[i])
        assert same.any(), f"point {ds.steps[i]} is not a logged point"
    buckets = downsample.bucket_count(max_points)
    be = downsample.bucket_of(exact.steps, first, last, buckets)
    bd = downsample.bucket_of(ds.steps, first, last, buckets)
    eb = np.searchsorted(be, np.arange(buckets + 1))
    db = np.searchsorted(bd, np.arange(buckets + 1))
    nan_buckets = 0
    for k in range(buckets):
        ev, es = exact.values[eb[k]:eb[k + 1]], exact.steps[eb[k]:eb[k + 1]]
        dv, dsteps = ds.values[db[k]:db[k + 1]], ds.steps[db[k]:db[k + 1]]
        if len(ev) == 0:
            assert len(dv) == 0
            continue
        assert len(dv) >= 1
        nan = np.isnan(ev)
        if (~nan).any():
            assert np.nanmin(dv) == np.nanmin(ev), f"bucket {k}: min differs"
            assert np.nanmax(dv) == np.nanmax(ev), f"bucket {k}: max differs"
        assert dsteps[-1] == es[-1] and bits(dv[-1:])[0] == bits(ev[-1:])[0], \
            f"bucket {k}: last point differs"
        if nan.any():
            nan_buckets += 1
            first_nan_step = es[np.argmax(nan)]
            assert np.any(np.isnan(dv) & (dsteps == first_nan_step)), f"bucket {k}: NaN lost"
        assert len(dv) <= 3 + int(nan.any())
    assert len(ds) <= 3 * buckets + nan_buckets
    assert len(ds) <= max_points + nan_buckets


@pytest.mark.parametrize("name", ["big", "smooth"])
@pytest.mark.parametrize("max_points", [3, 12, 30, 61, 300, 3000])
@pytest.mark.parametrize(("start", "end"), [(None, None), (1234, 150_500), (99_999, 123_457),
                                            (-5, 10**9), (190_001, None)])
def test_downsampled_read_matches_brute_force(reader: SqliteReader, name: str, max_points: int,
                                              start: int | None, end: int | None) -> None:
    exact = reader.read_scalars(D, name, start=start, end=end)
    ds = reader.read_scalars(D, name, start=start, end=end, max_points=max_points)
    first = int(exact.steps[0]) if start is None else start
    last = int(exact.steps[-1]) if end is None else end
    _check_downsampled(exact, ds, first, last, max_points)


def test_chunk_aggregate_fast_path_is_exercised(world: World, reader: SqliteReader) -> None:
    # 200k points in 10 buckets: each bucket holds several whole 4096-point chunks, which the
    # reader answers from their aggregates. The result must still hold the spikes.
    ds = reader.read_scalars(D, "big", max_points=30)
    assert N_BIG > 4096 * 10
    with sqlite3.connect(world.logdir / "deepscope.db") as conn:
        spans = conn.execute(
            "SELECT c.first_step, c.last_step FROM scalar_chunks c JOIN series s ON"
            " s.id = c.series_id WHERE s.run_id = ? AND s.name = 'big' AND c.nan_count = 0",
            (D,)).fetchall()
    b = downsample.bucket_of(np.array(spans, np.int64).ravel(), 0, N_BIG - 1, 10).reshape(-1, 2)
    assert np.sum(b[:, 0] == b[:, 1]) >= 10  # whole chunks inside one bucket exist
    assert ds.downsampled and ds.total == N_BIG and len(ds) <= 30 + 10
    got = dict(zip(ds.steps.tolist(), ds.values.tolist(), strict=True))
    assert got[SPIKE_UP] == 1e6 and got[SPIKE_DOWN] == -1e6
    assert got[BIG_INF] == math.inf
    assert math.isnan(got[BIG_NAN[0]]) and BIG_NAN[1] not in got
    assert N_BIG - 1 in got


def test_spike_visible_at_every_zoom(reader: SqliteReader) -> None:
    # (In one bucket over the whole run the +inf at BIG_INF would be the max, not the spike.)
    for max_points in (3, 30, 300, 2000):
        for start, end in ((None, None), (SPIKE_UP - 5000, SPIKE_UP + 5000),
                           (SPIKE_UP, SPIKE_UP), (100_000, 140_000)):
            if max_points == 3 and start is None:
                continue
            ds = reader.read_scalars(D, "big", start=start, end=end, max_points=max_points)
            assert SPIKE_UP in ds.steps.tolist(), (max_points, start, end)
            assert ds.values[ds.steps == SPIKE_UP][0] == 1e6


def test_range_within_budget_is_exact_even_inside_big_chunks(world: World,
                                                             reader: SqliteReader) -> None:
    # The range holds exactly max_points points, though its chunks hold many more.
    s = reader.read_scalars(D, "smooth", start=1000, end=1029, max_points=30)
    assert not s.downsampled and len(s) == 30 and s.total == 30
    np.testing.assert_array_equal(s.steps, np.arange(1000, 1030))
    exact = reader.read_scalars(D, "smooth", start=1000, end=1029)
    np.testing.assert_array_equal(bits(s.values), bits(exact.values))


# -- tensor summaries, texts, media -------------------------------------------------------------

def test_tensor_summaries_round_trip(world: World, reader: SqliteReader) -> None:
    pts = reader.read_tensor_summaries(A, "w")
    assert [p.step for p in pts] == list(range(0, 500, 10))
    for p in pts:
        assert p.summary == summarize_array(world.hist_arrays[p.step])
        assert world.t0 <= p.wall_time <= world.t1
    bad = reader.read_tensor_summaries(A, "w_bad")
    assert len(bad) == 1
    expect = summarize_array(np.array([np.nan, np.inf, -np.inf, 1.0, 2.0, 0.0]))
    assert repr(bad[0].summary) == repr(expect)
    s = bad[0].summary
    assert (s.count, s.nan_count, s.pos_inf_count, s.neg_inf_count, s.zero_count) == (
        6, 1, 1, 1, 1)


def test_tensor_summaries_budget_and_range(reader: SqliteReader) -> None:
    all_steps = list(range(0, 500, 10))
    for max_points in (1, 2, 7, 49, 50, 1000):
        pts = reader.read_tensor_summaries(A, "w", max_points=max_points)
        steps = [p.step for p in pts]
        assert len(steps) <= max_points
        assert steps[-1] == 490
        assert steps == sorted(set(steps)) and set(steps) <= set(all_steps)
        if max_points >= 50:
            assert steps == all_steps
    pts = reader.read_tensor_summaries(A, "w", max_points=7)
    gaps = np.diff([p.step for p in pts])
    assert gaps.max() <= 2 * gaps.min() + 10  # evenly spaced
    assert [p.step for p in reader.read_tensor_summaries(A, "w", start=100, end=200)] == list(
        range(100, 210, 10))
    assert reader.read_tensor_summaries(A, "w", start=491) == []


def test_texts_round_trip(reader: SqliteReader) -> None:
    texts = reader.read_texts(A, "notes")
    assert [(t.step, t.text) for t in texts] == [(1, "один"), (1, "one-b"), (2, "<b>two</b>")]
    assert [t.text for t in reader.read_texts(A, "notes", start=2, end=2)] == ["<b>two</b>"]


def test_media_round_trip(world: World, reader: SqliteReader) -> None:
    items = reader.read_media(A, "img")
    assert [m.step for m in items] == [0, 5, 7]
    assert items[0].sha256 == items[2].sha256 != items[1].sha256
    assert (items[0].width, items[0].height) == (8, 6)
    assert (items[1].width, items[1].height) == (5, 4)
    for m in items:
        data = reader.read_media_bytes(m.sha256)
        assert hashlib.sha256(data).hexdigest() == m.sha256
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        assert m.mime == "image/png" and m.size == len(data)
    assert [m.step for m in reader.read_media(A, "img", start=1, end=6)] == [5]


@pytest.mark.parametrize("bad", [
    "", "abc", "../" * 10 + "etc/passwd", "/etc/passwd", "..", "a" * 63, "a" * 65, "A" * 64,
    "g" * 64, "a" * 62 + "/.", "../" + "a" * 61, "a" * 64 + "\n", "a" * 64 + "/../x",
    "0" * 64, None, 123, b"a" * 64,
])
def test_read_media_bytes_rejects_bad_ids(reader: SqliteReader, bad: object) -> None:
    with pytest.raises(NotFoundError):
        reader.read_media_bytes(bad)  # type: ignore[arg-type]


def test_read_media_bytes_rejects_uppercase_of_a_real_id(reader: SqliteReader) -> None:
    sha = reader.read_media(A, "img")[0].sha256
    with pytest.raises(NotFoundError):
        reader.read_media_bytes(sha.upper())


# -- errors -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("call", "needle"), [
    (lambda r: r.read_scalars(A, "no/such/series"), "no/such/series"),
    (lambda r: r.read_scalars("no-such-run", "loss"), "no-such-run"),
    (lambda r: r.read_scalars(A, "notes"), "scalar"),  # a text series is not a scalar series
    (lambda r: r.read_tensor_summaries(A, "loss"), "tensor"),
    (lambda r: r.read_texts(A, "w"), "text"),
    (lambda r: r.read_media(A, "notes"), "image"),
])
def test_not_found_errors_name_what_is_missing(reader: SqliteReader, call, needle: str) -> None:
    with pytest.raises(NotFoundError) as info:
        call(reader)
    assert needle in str(info.value)
    assert info.value.http_code == 404


def test_close_is_idempotent(world: World) -> None:
    r = deepscope.open(world.logdir)
    assert r.list_runs(limit=1)
    r.close()
    r.close()


# -- model structure and findings ---------------------------------------------------------------

def test_read_model_returns_the_latest_tree(logdir: Path) -> None:
    run = deepscope.init(logdir=logdir, exit_hooks=False)
    with deepscope.open(logdir) as r:
        assert r.read_model(run.id) is None
    run.log_model({"name": "net", "children": [{"name": "fc1"}]})
    time.sleep(0.01)
    run.log_model({"name": "other"}, name="m2")
    with deepscope.open(logdir) as r:
        assert r.read_model(run.id) == {"name": "other"}
    time.sleep(0.01)
    run.log_model({"name": "net", "children": []})  # replaces "model", now the latest
    run.finish()
    with deepscope.open(logdir) as r:
        assert r.read_model(run.id) == {"name": "net", "children": []}
        assert r.read_model("no-such-run") is None


def test_list_findings_ordered_by_first_step(logdir: Path) -> None:
    from deepscope.records import Finding

    run = deepscope.init(logdir=logdir, exit_hooks=False)
    logged = [
        Finding("grad.exploding", "exploding_gradients", "error", 50, 60, "grads blew up",
                layer="fc1", evidence={"steps": [50, 60], "max": 1e9}, suggestion="clip"),
        Finding("setup.lr", "config", "info", None, None, "lr looks high"),
        Finding("nonfinite.loss", "nonfinite", "error", 10, 10, "loss is NaN"),
        Finding("grad.vanishing", "vanishing_gradients", "warning", 50, 55, "grads vanish"),
    ]
    for f in logged:
        run.log_finding(f)
    run.finish()
    with deepscope.open(logdir) as r:
        got = r.list_findings(run.id)
        assert [f.detector for f in got] == ["setup.lr", "nonfinite.loss", "grad.exploding",
                                             "grad.vanishing"]
        assert got[2] == logged[0]  # every field round-trips, evidence included
        assert r.list_findings("no-such-run") == []


def test_count_findings_per_run_and_severity(logdir: Path) -> None:
    from deepscope.records import Finding

    noisy = deepscope.init(logdir=logdir, exit_hooks=False, live_diagnosis=None)
    for severity, n in (("error", 2), ("warning", 1), ("info", 3)):
        for i in range(n):
            noisy.log_finding(Finding(f"d.{severity}{i}", "cat", severity, i, i, "msg"))
    noisy.finish()
    quiet = deepscope.init(logdir=logdir, exit_hooks=False, live_diagnosis=None)
    quiet.finish()
    with deepscope.open(logdir) as r:
        assert r.count_findings([noisy.id, quiet.id, "no-such-run"]) == {
            noisy.id: {"error": 2, "warning": 1, "info": 3},
            quiet.id: {"error": 0, "warning": 0, "info": 0},
            "no-such-run": {"error": 0, "warning": 0, "info": 0},
        }
        assert r.count_findings([]) == {}
        # One grouped query, however many runs.
        statements: list[str] = []
        r._conn().set_trace_callback(statements.append)
        try:
            r.count_findings([noisy.id, quiet.id])
        finally:
            r._conn().set_trace_callback(None)
        assert len([s for s in statements if "findings" in s]) == 1
