#!/usr/bin/env python
"""Side-by-side scalar benchmark: deepscope vs TensorBoard vs trackio, run by hand.

Every tool logs the same workload (by default 20 tags x 50,000 steps = 1M points of noisy,
decaying loss curves, generated with numpy before any timing starts) through its normal per-step
API, then reads it back through its own reader. Each measurement runs in its own subprocess so
imports, RSS and module-level state (trackio reads ``TRACKIO_DIR`` at import) never leak from
one tool into another.

Usage (from the repository root):

    .venv/bin/python benchmarks/bench_scalars.py                   # full run (~5 min)
    .venv/bin/python benchmarks/bench_scalars.py --quick           # 20 x 5,000 sanity run
    .venv/bin/python benchmarks/bench_scalars.py --skip-tensorboard
    .venv/bin/python benchmarks/bench_scalars.py --memory          # 10M-point RSS run
    .venv/bin/python benchmarks/bench_scalars.py --profile         # cProfile deepscope's writes

See benchmarks/README.md for what every figure means.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

# -- targets (from the issue) -------------------------------------------------------------------

TARGET_LOG_P50_US = 20.0
TARGET_LOG_P99_US = 200.0
TARGET_LOG_MAX_MS = 5.0
TARGET_INGEST_PPS = 1_000_000
TARGET_INGEST_VS_TRACKIO = 6.0
TARGET_FINISH_S = 1.0
TARGET_BYTES_PER_POINT = 16.0
TARGET_READ_MS = 100.0
TARGET_READ_VS_TRACKIO = 8.0
TARGET_READ_VS_TB = 250.0
TARGET_DOWNSAMPLE_MS = 20.0
DOWNSAMPLE_MAX_POINTS = 6000  # 2,000 buckets x (min, max, last)

PROJECT = "bench"
RUN_NAME = "x"
DOWN_TAG = "loss"
RESULT_DIR = Path(__file__).resolve().parent / "out"
PHASE_TIMEOUT_S = 1800


@dataclass(frozen=True)
class Spec:
    """Everything a phase subprocess needs to know; passed to it as JSON."""

    tags: int
    steps: int
    latency_calls: int
    latency_keys: int
    down_steps: int
    read_reps: int
    down_reps: int
    memory_tags: int
    memory_steps: int
    memory_every: int  # sample RSS every this many points
    workdir: str

    @property
    def points(self) -> int:
        """Points of the main workload."""
        return self.tags * self.steps


# -- workload ------------------------------------------------------------------------------------

def tag_names(n: int) -> list[str]:
    """The series names: tag0, tag1, ..."""
    return [f"tag{i}" for i in range(n)]


def make_values(n_tags: int, total_steps: int, first: int = 0, count: int | None = None,
                seed: int = 0) -> np.ndarray:
    """Rows ``first .. first+count`` of a (steps, tags) float64 array of noisy loss curves.

    Each tag decays exponentially from its own start value to its own floor, with multiplicative
    gaussian noise; the result is deterministic for a given seed and block, so a reader phase can
    regenerate it to check what came back bit for bit.
    """
    count = total_steps - first if count is None else count
    params = np.random.default_rng(seed)
    start = params.uniform(2.0, 8.0, n_tags)
    floor = params.uniform(0.01, 0.5, n_tags)
    rate = params.uniform(2.0, 10.0, n_tags)
    noise = params.uniform(0.005, 0.05, n_tags)
    t = (first + np.arange(count))[:, None] / max(total_steps, 1)
    curve = floor + (start - floor) * np.exp(-rate * t)
    rng = np.random.default_rng([seed, first])
    return curve * (1.0 + noise * rng.standard_normal((count, n_tags)))


def make_payloads(n_tags: int, n_steps: int) -> list[dict[str, float]]:
    """One ``{tag: python float}`` dict per step, built before any timing starts."""
    names = tag_names(n_tags)
    return [dict(zip(names, row, strict=True)) for row in make_values(n_tags, n_steps).tolist()]


# -- measuring helpers ---------------------------------------------------------------------------

def dir_bytes(path: str | Path) -> int:
    """Total apparent size (st_size) of every file under ``path``."""
    total = 0
    for root, _, files in os.walk(path):
        for f in files:
            try:
                total += os.stat(os.path.join(root, f)).st_size
            except FileNotFoundError:
                pass
    return total


def dir_listing(path: str | Path) -> dict[str, int]:
    """File name -> size under ``path`` (for the WAL / db split in the details)."""
    out = {}
    for root, _, files in os.walk(path):
        for f in files:
            p = os.path.join(root, f)
            out[os.path.relpath(p, path)] = os.stat(p).st_size
    return out


def proc_status_kb(field: str) -> int:
    """A ``/proc/self/status`` memory field (VmRSS, VmHWM) in KiB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return -1


def latency_stats(ns: np.ndarray) -> dict[str, float]:
    """p50/p99/p99.9/max (microseconds) and pause counts of per-call latencies in ns."""
    us = ns / 1e3
    return {
        "calls": int(len(ns)),
        "p50_us": float(np.percentile(us, 50)),
        "p99_us": float(np.percentile(us, 99)),
        "p999_us": float(np.percentile(us, 99.9)),
        "max_ms": float(us.max() / 1e3),
        "mean_us": float(us.mean()),
        "over_1ms": int((us > 1e3).sum()),
        "over_5ms": int((us > 5e3).sum()),
        "max_at_call": int(us.argmax()),
    }


def timer_overhead_ns() -> float:
    """Median cost of two back-to-back perf_counter_ns() calls (the floor of every latency)."""
    pc = time.perf_counter_ns
    samples = []
    for _ in range(10_000):
        t0 = pc()
        t1 = pc()
        samples.append(t1 - t0)
    return float(statistics.median(samples))


def timed_reps(fn: Callable[[], Any], reps: int) -> tuple[list[float], Any]:
    """Run ``fn`` ``reps`` times; wall seconds of each run and the last result."""
    times, result = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return times, result


def rep_summary(times: list[float]) -> dict[str, float]:
    """Median, min, first and all repetitions, in milliseconds."""
    ms = [t * 1e3 for t in times]
    return {"median_ms": statistics.median(ms), "min_ms": min(ms), "first_ms": ms[0],
            "reps_ms": ms}


# -- deepscope phases ----------------------------------------------------------------------------

def _ds_init(logdir: str) -> Any:
    import deepscope
    return deepscope.init(project=PROJECT, name=RUN_NAME, logdir=logdir, exit_hooks=False)


def phase_ds_write(spec: Spec) -> dict[str, Any]:
    """deepscope: log the tags x steps workload one ``run.log(dict)`` per step, then finish()."""
    payloads = make_payloads(spec.tags, spec.steps)
    logdir = os.path.join(spec.workdir, "deepscope")
    rss0 = proc_status_kb("VmRSS")
    run = _ds_init(logdir)
    log = run.log
    t0 = time.perf_counter()
    for step, payload in enumerate(payloads):
        log(payload, step=step)
    t1 = time.perf_counter()
    run.finish()
    t2 = time.perf_counter()
    return {"log_s": t1 - t0, "finish_s": t2 - t1, "total_s": t2 - t0,
            "points_per_s": spec.points / (t2 - t0), "bytes": dir_bytes(logdir),
            "files": dir_listing(logdir), "rss_before_kb": rss0,
            "rss_after_kb": proc_status_kb("VmRSS"), "peak_rss_kb": proc_status_kb("VmHWM")}


def phase_ds_read(spec: Spec) -> dict[str, Any]:
    """deepscope: read every series back exactly (max_points=None) and check it bit for bit."""
    import deepscope
    logdir = os.path.join(spec.workdir, "deepscope")
    at_rest = dir_bytes(logdir)  # the writer process has exited: WAL checkpointed
    names = tag_names(spec.tags)

    def read_all() -> list[Any]:
        reader = deepscope.open(logdir)
        rid = reader.list_runs()[0].id
        out = [reader.read_scalars(rid, n, max_points=None) for n in names]
        reader.close()
        return out

    times, series = timed_reps(read_all, spec.read_reps)
    expected = make_values(spec.tags, spec.steps)
    exact = all(np.array_equal(s.values, expected[:, i])
                and np.array_equal(s.steps, np.arange(spec.steps)) for i, s in enumerate(series))
    return {**rep_summary(times), "points": int(sum(len(s.steps) for s in series)),
            "exact": bool(exact), "bytes_at_rest": at_rest}


def phase_ds_latency(spec: Spec) -> dict[str, Any]:
    """deepscope: per-call latency of ``run.log(10-key dict)`` while the writer thread runs."""
    return _latency_loop(spec, *_ds_latency_target(spec))


def _ds_latency_target(spec: Spec) -> tuple[Callable[..., None], Callable[[], None]]:
    run = _ds_init(os.path.join(spec.workdir, "deepscope-latency"))
    return run.log, run.finish


def _latency_loop(spec: Spec, log: Callable[..., None],
                  finish: Callable[[], None]) -> dict[str, Any]:
    """Time each of ``spec.latency_calls`` log calls with perf_counter_ns, then finish."""
    names = tag_names(spec.latency_keys)
    values = make_values(spec.latency_keys, spec.latency_calls)
    lat = np.empty(spec.latency_calls, np.int64)
    starts = np.empty(spec.latency_calls, np.int64)
    pc = time.perf_counter_ns
    t_start = time.perf_counter()
    with GcWatch() as gcw, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(spec.latency_calls):
            payload = dict(zip(names, values[i].tolist(), strict=True))  # not timed
            t0 = pc()
            log(payload, step=i)
            t1 = pc()
            lat[i] = t1 - t0
            starts[i] = t0
    loop_s = time.perf_counter() - t_start
    t0 = time.perf_counter()
    finish()
    finish_s = time.perf_counter() - t0
    slow = np.flatnonzero(lat > TARGET_LOG_MAX_MS * 1e6)
    return {**latency_stats(lat), "loop_s": loop_s, "finish_s": finish_s,
            "timer_overhead_ns": timer_overhead_ns(),
            "switch_interval_ms": sys.getswitchinterval() * 1e3,
            "gen2_collections": len(gcw.spans),
            "gen2_max_ms": max(((b - a) / 1e6 for a, b in gcw.spans), default=0.0),
            "slow_calls_in_gen2_gc": sum(gcw.overlaps(starts[i], starts[i] + lat[i])
                                         for i in slow),
            "warnings": sorted({str(w.message)[:100] for w in caught})}


class GcWatch:
    """Record when the cyclic GC runs full (generation 2) collections, to attribute pauses."""

    def __init__(self) -> None:
        """Start with no collections seen."""
        self.spans: list[tuple[int, int]] = []
        self._start = 0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._start = time.perf_counter_ns()
        else:
            self.spans.append((self._start, time.perf_counter_ns()))

    def overlaps(self, t0: int, t1: int) -> bool:
        """Whether [t0, t1] (perf_counter_ns) overlaps a full collection."""
        return any(a <= t1 and t0 <= b for a, b in self.spans)

    def __enter__(self) -> GcWatch:
        """Install the GC callback."""
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, *exc: object) -> None:
        """Remove the GC callback."""
        gc.callbacks.remove(self._callback)


def phase_ds_downsample(spec: Spec) -> dict[str, Any]:
    """deepscope: log one tag for ``down_steps`` steps, then time exact and 2,000-bucket reads."""
    import deepscope
    logdir = os.path.join(spec.workdir, "deepscope-down")
    values = make_values(1, spec.down_steps)[:, 0].tolist()
    run = _ds_init(logdir)
    t0 = time.perf_counter()
    for step, v in enumerate(values):
        run.log({DOWN_TAG: v}, step=step)
    run.finish()
    write_s = time.perf_counter() - t0
    reader = deepscope.open(logdir)
    rid = reader.list_runs()[0].id
    down_t, down = timed_reps(
        lambda: reader.read_scalars(rid, DOWN_TAG, max_points=DOWNSAMPLE_MAX_POINTS),
        spec.down_reps)
    exact_t, exact = timed_reps(lambda: reader.read_scalars(rid, DOWN_TAG), spec.read_reps)
    return {"down": rep_summary(down_t), "exact": rep_summary(exact_t),
            "returned": len(down.steps), "downsampled": bool(down.downsampled),
            "total": int(down.total), "exact_points": len(exact.steps),
            "write_s": write_s, "write_points_per_s": spec.down_steps / write_s,
            "keeps_global_max": bool(down.values.max() == exact.values.max()),
            "keeps_global_min": bool(down.values.min() == exact.values.min())}


def phase_ds_memory(spec: Spec) -> dict[str, Any]:
    """deepscope: log memory_tags x memory_steps points, sampling VmRSS every memory_every."""
    block = max(1, spec.memory_every // spec.memory_tags)  # steps per RSS sample
    run = _ds_init(os.path.join(spec.workdir, "deepscope-memory"))
    samples = [(0, proc_status_kb("VmRSS"))]
    log_s = 0.0
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for first in range(0, spec.memory_steps, block):
            n = min(block, spec.memory_steps - first)
            log_s += _log_block(run, spec, first, n)
            samples.append(((first + n) * spec.memory_tags, proc_status_kb("VmRSS")))
    t0 = time.perf_counter()
    run.finish()
    finish_s = time.perf_counter() - t0
    points = spec.memory_tags * spec.memory_steps
    return {"samples": samples, "points": points, "log_s": log_s, "finish_s": finish_s,
            "points_per_s": points / (log_s + finish_s), "peak_rss_kb": proc_status_kb("VmHWM"),
            "bytes": dir_bytes(os.path.join(spec.workdir, "deepscope-memory")),
            "warnings": sorted({str(w.message)[:100] for w in caught})}


def _log_block(run: Any, spec: Spec, first: int, n: int) -> float:
    """Log steps ``first .. first+n`` of the memory workload; seconds spent in log() calls.

    The block's payloads are built (untimed) just before and dropped right after, so the
    benchmark's own data is the same size at every RSS sample.
    """
    names = tag_names(spec.memory_tags)
    rows = make_values(spec.memory_tags, spec.memory_steps, first, n).tolist()
    payloads = [dict(zip(names, row, strict=True)) for row in rows]
    del rows
    log = run.log
    t0 = time.perf_counter()
    for i, payload in enumerate(payloads):
        log(payload, step=first + i)
    return time.perf_counter() - t0


def phase_ds_profile(spec: Spec) -> dict[str, Any]:
    """deepscope: the ds_write workload under cProfile, in the logging AND the writer thread."""
    payloads = make_payloads(spec.tags, spec.steps)
    main_prof, writer_prof = cProfile.Profile(), cProfile.Profile()
    _profile_writer_thread(writer_prof)
    run = _ds_init(os.path.join(spec.workdir, "deepscope-profile"))
    main_prof.enable()
    t0 = time.perf_counter()
    for step, payload in enumerate(payloads):
        run.log(payload, step=step)
    t1 = time.perf_counter()
    run.finish()
    t2 = time.perf_counter()
    main_prof.disable()
    return {"log_s": t1 - t0, "finish_s": t2 - t1, "main": _top(main_prof),
            "writer": _top(writer_prof)}


def _profile_writer_thread(prof: cProfile.Profile) -> None:
    """Wrap the writer loop (in this process only, no source edit) so its thread is profiled."""
    from deepscope.store.writer import Writer
    loop = Writer._loop

    def profiled(self: Writer) -> None:
        prof.enable()
        try:
            loop(self)
        finally:
            prof.disable()
    Writer._loop = profiled  # type: ignore[method-assign]


def _top(prof: cProfile.Profile, n: int = 18) -> str:
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(n)
    return buf.getvalue()


# -- TensorBoard phases --------------------------------------------------------------------------

def phase_tb_write(spec: Spec) -> dict[str, Any]:
    """TensorBoard: ``SummaryWriter.add_scalar(tag, value, step)`` per tag per step, close()."""
    from torch.utils.tensorboard import SummaryWriter
    payloads = make_payloads(spec.tags, spec.steps)
    logdir = os.path.join(spec.workdir, "tensorboard")
    rss0 = proc_status_kb("VmRSS")
    writer = SummaryWriter(logdir)
    add = writer.add_scalar
    t0 = time.perf_counter()
    for step, payload in enumerate(payloads):
        for tag, value in payload.items():
            add(tag, value, step)
    t1 = time.perf_counter()
    writer.close()
    t2 = time.perf_counter()
    return {"log_s": t1 - t0, "finish_s": t2 - t1, "total_s": t2 - t0,
            "points_per_s": spec.points / (t2 - t0), "bytes": dir_bytes(logdir),
            "rss_before_kb": rss0, "peak_rss_kb": proc_status_kb("VmHWM")}


def _tb_load(logdir: str, size_guidance: dict[str, int] | None,
             names: list[str]) -> list[list[Any]]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    acc = EventAccumulator(logdir, size_guidance=size_guidance) if size_guidance is not None \
        else EventAccumulator(logdir)
    acc.Reload()
    return [acc.Scalars(n) for n in names]


def phase_tb_read(spec: Spec) -> dict[str, Any]:
    """TensorBoard: EventAccumulator with every scalar kept, then with its default reservoir."""
    logdir = os.path.join(spec.workdir, "tensorboard")
    names = tag_names(spec.tags)
    t0 = time.perf_counter()
    full = _tb_load(logdir, {"scalars": 0}, names)
    full_s = time.perf_counter() - t0
    expected = make_values(spec.tags, spec.steps)
    got = np.array([[e.value for e in events] for events in full]).T
    t0 = time.perf_counter()
    reservoir = _tb_load(logdir, None, names)
    reservoir_s = time.perf_counter() - t0
    return {"full_ms": full_s * 1e3, "points": int(sum(len(e) for e in full)),
            "max_abs_err": float(np.abs(got - expected).max()) if got.shape == expected.shape
            else None,
            "reservoir_ms": reservoir_s * 1e3,
            "reservoir_points": int(sum(len(e) for e in reservoir))}


def phase_tb_downsample(spec: Spec) -> dict[str, Any]:
    """TensorBoard: one tag for ``down_steps`` steps, then its default reservoir load."""
    from torch.utils.tensorboard import SummaryWriter
    logdir = os.path.join(spec.workdir, "tensorboard-down")
    values = make_values(1, spec.down_steps)[:, 0].tolist()
    writer = SummaryWriter(logdir)
    t0 = time.perf_counter()
    for step, v in enumerate(values):
        writer.add_scalar(DOWN_TAG, v, step)
    writer.close()
    write_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    (events,) = _tb_load(logdir, None, [DOWN_TAG])
    load_s = time.perf_counter() - t0
    ev = np.array([e.value for e in events])
    return {"reservoir_ms": load_s * 1e3, "returned": len(events), "write_s": write_s,
            "keeps_global_max": bool(np.isclose(ev.max(), max(values), rtol=1e-6)),
            "keeps_global_min": bool(np.isclose(ev.min(), min(values), rtol=1e-6))}


# -- trackio phases (TRACKIO_DIR is set in the subprocess environment) --------------------------

def _tk_init(name: str) -> Any:
    import trackio
    # System monitors off: deepscope samples nothing either, and it is trackio's fastest setup.
    trackio.init(project=PROJECT, name=name, auto_log_cpu=False, auto_log_gpu=False)
    return trackio


def phase_tk_write(spec: Spec) -> dict[str, Any]:
    """trackio: ``trackio.log(dict, step=step)`` per step, then ``trackio.finish()``."""
    payloads = make_payloads(spec.tags, spec.steps)
    rss0 = proc_status_kb("VmRSS")
    trackio = _tk_init(RUN_NAME)
    log = trackio.log
    t0 = time.perf_counter()
    for step, payload in enumerate(payloads):
        log(payload, step=step)
    t1 = time.perf_counter()
    trackio.finish()
    t2 = time.perf_counter()
    tdir = os.environ["TRACKIO_DIR"]
    return {"log_s": t1 - t0, "finish_s": t2 - t1, "total_s": t2 - t0,
            "points_per_s": spec.points / (t2 - t0), "bytes": dir_bytes(tdir),
            "files": dir_listing(tdir), "rss_before_kb": rss0,
            "peak_rss_kb": proc_status_kb("VmHWM")}


def phase_tk_read(spec: Spec) -> dict[str, Any]:
    """trackio: ``SQLiteStorage.get_logs(project, run)`` (every row, every metric)."""
    import trackio  # noqa: F401  (reads TRACKIO_DIR)
    from trackio.sqlite_storage import SQLiteStorage
    names = tag_names(spec.tags)
    times, logs = timed_reps(lambda: SQLiteStorage.get_logs(PROJECT, RUN_NAME),
                             spec.read_reps)
    expected = make_values(spec.tags, spec.steps)
    got = np.array([[row[n] for n in names] for row in logs])
    return {**rep_summary(times), "rows": len(logs),
            "points": int(sum(sum(1 for n in names if n in row) for row in logs)),
            "exact": bool(got.shape == expected.shape and np.array_equal(got, expected))}


def phase_tk_latency(spec: Spec) -> dict[str, Any]:
    """trackio: per-call latency of ``trackio.log(10-key dict)``."""
    trackio = _tk_init("latency")
    return _latency_loop(spec, trackio.log, trackio.finish)


PHASES: dict[str, Callable[[Spec], dict[str, Any]]] = {
    "ds_write": phase_ds_write, "ds_read": phase_ds_read, "ds_latency": phase_ds_latency,
    "ds_downsample": phase_ds_downsample, "ds_memory": phase_ds_memory,
    "ds_profile": phase_ds_profile,
    "tb_write": phase_tb_write, "tb_read": phase_tb_read, "tb_downsample": phase_tb_downsample,
    "tk_write": phase_tk_write, "tk_read": phase_tk_read, "tk_latency": phase_tk_latency,
}


# -- report: the rich tables ---------------------------------------------------------------------

@dataclass
class Row:
    """One line of the comparison table."""

    figure: str
    ours: str
    target: str = ""
    ok: bool | None = None
    tb: str = "-"
    tk: str = "-"
    peers: str = ""


def pick(results: dict[str, Any], phase: str, *keys: str) -> Any:
    """``results[phase][k1][k2]...``, or None when the phase was skipped or failed."""
    cur: Any = results.get(phase)
    for k in keys:
        if not isinstance(cur, dict):
            return None
        cur = cur.get(k)
    return cur


def fmt(x: float | None, spec: str = ",.0f", unit: str = "") -> str:
    """Format a number, or a dash when it was not measured."""
    return "-" if x is None else f"{x:{spec}}{unit}"


def ratio(a: float | None, b: float | None) -> float | None:
    """a / b, or None when either side is missing."""
    return None if a is None or b is None or b == 0 else a / b


def fmt_ratio(r: float | None, peer: str) -> str:
    """'12.3x trackio' style text for the peers column."""
    return "" if r is None else f"{r:,.1f}x {peer}"


def at_most(x: float | None, limit: float) -> bool | None:
    """Pass mark for an upper bound."""
    return None if x is None else x <= limit


def at_least(x: float | None, limit: float) -> bool | None:
    """Pass mark for a lower bound."""
    return None if x is None else x >= limit


def latency_rows(r: dict[str, Any]) -> list[Row]:
    """log() of 10 scalars: p50, p99, max pause; trackio's for the same dict."""
    p50, tp50 = pick(r, "ds_latency", "p50_us"), pick(r, "tk_latency", "p50_us")
    p99, tp99 = pick(r, "ds_latency", "p99_us"), pick(r, "tk_latency", "p99_us")
    mx, tmx = pick(r, "ds_latency", "max_ms"), pick(r, "tk_latency", "max_ms")
    n5, tn5 = pick(r, "ds_latency", "over_5ms"), pick(r, "tk_latency", "over_5ms")
    return [
        Row("log() 10 scalars, p50", fmt(p50, ".1f", " us"), f"<= {TARGET_LOG_P50_US:.0f} us",
            at_most(p50, TARGET_LOG_P50_US), tk=fmt(tp50, ".1f", " us"),
            peers=fmt_ratio(ratio(tp50, p50), "faster than trackio")),
        Row("log() 10 scalars, p99", fmt(p99, ".1f", " us"), f"<= {TARGET_LOG_P99_US:.0f} us",
            at_most(p99, TARGET_LOG_P99_US), tk=fmt(tp99, ".1f", " us"),
            peers=fmt_ratio(ratio(tp99, p99), "faster than trackio")),
        Row("log() 10 scalars, max pause", fmt(mx, ".2f", " ms"),
            f"never > {TARGET_LOG_MAX_MS:.0f} ms", at_most(mx, TARGET_LOG_MAX_MS),
            tk=fmt(tmx, ".2f", " ms"),
            peers="" if n5 is None else f"calls > 5 ms: deepscope {n5}"
                                        + ("" if tn5 is None else f", trackio {tn5}")),
    ]


def ingest_rows(r: dict[str, Any]) -> list[Row]:
    """Sustained points/s including finish(), its ratios, and finish() itself."""
    pps, tb, tk = (pick(r, p, "points_per_s") for p in ("ds_write", "tb_write", "tk_write"))
    vs_tk, vs_tb = ratio(pps, tk), ratio(pps, tb)
    fin = pick(r, "ds_write", "finish_s")
    n = r["spec"]["tags"] * r["spec"]["steps"]
    return [
        Row(f"ingest {n:,} points (per-step log, incl. finish())", fmt(pps, ",.0f", " pts/s"),
            f">= {TARGET_INGEST_PPS:,} pts/s", at_least(pps, TARGET_INGEST_PPS),
            fmt(tb, ",.0f", " pts/s"), fmt(tk, ",.0f", " pts/s"),
            "; ".join(x for x in (fmt_ratio(vs_tk, "trackio"), fmt_ratio(vs_tb, "TB")) if x)),
        Row("ingest vs trackio", fmt(vs_tk, ".1f", "x"), f">= {TARGET_INGEST_VS_TRACKIO:.0f}x",
            at_least(vs_tk, TARGET_INGEST_VS_TRACKIO)),
        Row("finish() / close()", fmt(fin, ".3f", " s"), f"< {TARGET_FINISH_S:.0f} s",
            None if fin is None else fin < TARGET_FINISH_S,
            fmt(pick(r, "tb_write", "finish_s"), ".3f", " s"),
            fmt(pick(r, "tk_write", "finish_s"), ".3f", " s")),
    ]


def storage_rows(r: dict[str, Any]) -> list[Row]:
    """Bytes per point on disk right after finish()."""
    n = r["spec"]["tags"] * r["spec"]["steps"]
    ours, tb, tk = (ratio(pick(r, p, "bytes"), n) for p in ("ds_write", "tb_write", "tk_write"))
    return [Row("bytes per point on disk", fmt(ours, ".2f", " B"),
                f"<= {TARGET_BYTES_PER_POINT:.0f} B", at_most(ours, TARGET_BYTES_PER_POINT),
                fmt(tb, ".2f", " B"), fmt(tk, ".2f", " B"),
                "; ".join(x for x in (fmt_ratio(ratio(tk, ours), "smaller than trackio"),
                                      fmt_ratio(ratio(tb, ours), "smaller than TB")) if x))]


def read_rows(r: dict[str, Any]) -> list[Row]:
    """Exact read of every point, and its ratios to the peers."""
    ours = pick(r, "ds_read", "median_ms")
    tb, tk = pick(r, "tb_read", "full_ms"), pick(r, "tk_read", "median_ms")
    vs_tk, vs_tb = ratio(tk, ours), ratio(tb, ours)
    n = r["spec"]["tags"] * r["spec"]["steps"]
    return [
        Row(f"read all {n:,} points exactly", fmt(ours, ".1f", " ms"),
            f"<= {TARGET_READ_MS:.0f} ms", at_most(ours, TARGET_READ_MS),
            fmt(tb, ",.0f", " ms"), fmt(tk, ",.0f", " ms")),
        Row("read vs trackio", fmt(vs_tk, ",.1f", "x"), f">= {TARGET_READ_VS_TRACKIO:.0f}x",
            at_least(vs_tk, TARGET_READ_VS_TRACKIO)),
        Row("read vs TensorBoard", fmt(vs_tb, ",.0f", "x"), f">= {TARGET_READ_VS_TB:.0f}x",
            at_least(vs_tb, TARGET_READ_VS_TB)),
    ]


def downsample_rows(r: dict[str, Any]) -> list[Row]:
    """2,000-bucket view of a 1M-point series vs TensorBoard's default reservoir load."""
    ours = pick(r, "ds_downsample", "down", "median_ms")
    tb = pick(r, "tb_downsample", "reservoir_ms")
    n = r["spec"]["down_steps"]
    return [Row(f"downsampled view (2,000 buckets) of a {n:,}-point series",
                fmt(ours, ".2f", " ms"), f"< {TARGET_DOWNSAMPLE_MS:.0f} ms",
                None if ours is None else ours < TARGET_DOWNSAMPLE_MS,
                tb=fmt(tb, ",.0f", " ms") + ("" if tb is None else " (reservoir)"),
                peers=fmt_ratio(ratio(tb, ours), "TB reservoir load"))]


def comparison_table(r: dict[str, Any]) -> Any:
    """The main table: value, target, pass/fail and peers for every figure."""
    from rich.table import Table
    table = Table(title="deepscope vs peers (same workload, same run)", show_lines=True)
    for col, kw in (("Figure", {}), ("deepscope", {"justify": "right"}), ("Target", {}),
                    ("", {}), ("TensorBoard", {"justify": "right"}),
                    ("trackio", {"justify": "right"}), ("Ratios", {})):
        table.add_column(col, **kw)
    mark = {True: "[green]PASS[/]", False: "[red]FAIL[/]", None: ""}
    for row in (latency_rows(r) + ingest_rows(r) + storage_rows(r) + read_rows(r)
                + downsample_rows(r)):
        table.add_row(row.figure, row.ours, row.target, mark[row.ok], row.tb, row.tk, row.peers)
    return table


def gc_line(lat: dict[str, Any]) -> str:
    """How much of a latency run's tail the cyclic GC explains, and any warnings."""
    text = (f"{lat['gen2_collections']} full GC collections (longest {lat['gen2_max_ms']:.1f} "
            f"ms) overlapped {lat['slow_calls_in_gen2_gc']} of the {lat['over_5ms']} calls > 5 ms")
    for w in lat["warnings"]:
        text += f"; warned: {w!r}"
    return text


def detail_lines(r: dict[str, Any]) -> list[str]:
    """Supporting facts: correctness checks, reservoir sizes, RSS, timer floor, files."""
    kb = 1 / 1024
    lines = []
    if r.get("ds_read"):
        d = r["ds_read"]
        lines.append(f"deepscope exact read: {d['points']:,} points, bit-exact={d['exact']}; "
                     f"median {d['median_ms']:.1f} ms, min {d['min_ms']:.1f}, first (cold "
                     f"process) {d['first_ms']:.1f}; logdir at rest (WAL checkpointed) "
                     f"{d['bytes_at_rest'] / r['spec']['tags'] / r['spec']['steps']:.2f} B/pt")
    if r.get("ds_write"):
        w = r["ds_write"]
        lines.append(f"deepscope write: log loop {w['log_s']:.3f} s + finish {w['finish_s']:.3f}"
                     f" s; files {w['files']}; RSS {w['rss_before_kb'] * kb:.0f} -> "
                     f"{w['rss_after_kb'] * kb:.0f} MiB, peak {w['peak_rss_kb'] * kb:.0f} MiB "
                     f"(payloads pre-built in memory for every tool)")
    if r.get("ds_latency"):
        lat = r["ds_latency"]
        lines.append(f"deepscope log() latency: {lat['calls']:,} calls, p99.9 "
                     f"{lat['p999_us']:.1f} us, mean {lat['mean_us']:.1f} us, calls > 1 ms: "
                     f"{lat['over_1ms']}, max at call #{lat['max_at_call']:,}; finish "
                     f"{lat['finish_s']:.3f} s; timer floor {lat['timer_overhead_ns']:.0f} ns; "
                     f"GIL switch interval {lat['switch_interval_ms']:.0f} ms; "
                     + gc_line(lat))
    if r.get("tk_latency"):
        lat = r["tk_latency"]
        lines.append(f"trackio log() latency: p99.9 {lat['p999_us']:.1f} us, mean "
                     f"{lat['mean_us']:.1f} us, calls > 1 ms: {lat['over_1ms']}, finish "
                     f"{lat['finish_s']:.3f} s; " + gc_line(lat))
    if r.get("ds_downsample"):
        d = r["ds_downsample"]
        lines.append(f"deepscope downsample: {d['returned']:,} points returned of {d['total']:,}"
                     f" (downsampled={d['downsampled']}, keeps global min/max="
                     f"{d['keeps_global_min']}/{d['keeps_global_max']}); median "
                     f"{d['down']['median_ms']:.2f} ms, min {d['down']['min_ms']:.2f}, first "
                     f"{d['down']['first_ms']:.2f}; exact read of the same series median "
                     f"{d['exact']['median_ms']:.1f} ms; single-tag ingest "
                     f"{d['write_points_per_s']:,.0f} pts/s")
    if r.get("tb_read"):
        t = r["tb_read"]
        lines.append(f"TensorBoard read: size_guidance scalars=0 -> {t['points']:,} points "
                     f"(float32: max abs error {t['max_abs_err']:.2g}); default reservoir -> "
                     f"{t['reservoir_points']:,} points in {t['reservoir_ms']:,.0f} ms")
    if r.get("tb_downsample"):
        t = r["tb_downsample"]
        lines.append(f"TensorBoard 1-tag series: default reservoir kept {t['returned']:,} "
                     f"points (keeps global min/max={t['keeps_global_min']}/"
                     f"{t['keeps_global_max']})")
    if r.get("tk_read"):
        t = r["tk_read"]
        lines.append(f"trackio read: get_logs -> {t['rows']:,} rows, {t['points']:,} points, "
                     f"exact={t['exact']}; median {t['median_ms']:,.0f} ms, min "
                     f"{t['min_ms']:,.0f}")
    if r.get("tk_write"):
        lines.append(f"trackio write: files {r['tk_write']['files']}")
    return lines


def print_comparison(results: dict[str, Any], console: Any) -> None:
    """Print the environment line, the comparison table and the supporting details."""
    e = results["env"]
    console.print(f"python {e['python']}, numpy {e['numpy']}, SQLite {e['sqlite']}, deepscope "
                  f"{e['deepscope']}, tensorboard {e['tensorboard']} (torch {e['torch']}), "
                  f"trackio {e['trackio']}; {e['cpus']} CPUs; load average at start "
                  f"{e['loadavg_start'][0]:.2f}, at end {e['loadavg_end'][0]:.2f}")
    console.print(comparison_table(results))
    for line in detail_lines(results):
        console.print(f"  - {line}", highlight=False)
    console.print("[dim]Timings are single-run wall clock on a shared machine; expect +-10-20% "
                  "between runs (the writer thread and the producer share 2 cores and the GIL)."
                  "[/]")


def print_memory(results: dict[str, Any], console: Any) -> None:
    """Print the RSS series of the --memory run and its growth from the 2M-point mark."""
    from rich.table import Table
    m = results.get("ds_memory")
    if m is None:
        return
    table = Table(title="deepscope writer RSS (VmRSS) while logging")
    table.add_column("points logged", justify="right")
    table.add_column("RSS MiB", justify="right")
    for points, rss in m["samples"]:
        table.add_row(f"{points:,}", f"{rss / 1024:.1f}")
    console.print(table)
    marks = dict(m["samples"])
    lo = 2 * results["spec"]["memory_every"]
    hi = m["points"]
    if lo in marks and hi in marks:
        growth = (marks[hi] - marks[lo]) / 1024
        console.print(f"RSS growth from {lo:,} to {hi:,} points: {growth:+.1f} MiB "
                      f"(should be ~flat); peak {m['peak_rss_kb'] / 1024:.0f} MiB")
    console.print(f"ingest {m['points_per_s']:,.0f} pts/s (log {m['log_s']:.2f} s + finish "
                  f"{m['finish_s']:.3f} s); {m['bytes'] / m['points']:.2f} B/point on disk")
    for w in m["warnings"]:
        console.print(f"warned: {w!r}", highlight=False)


# -- orchestration -------------------------------------------------------------------------------

def run_phase(name: str, spec: Spec, console: Any) -> dict[str, Any] | None:
    """Run one phase in a fresh interpreter; its result dict, or None if it failed."""
    out = Path(spec.workdir) / f"{name}.json"
    env = dict(os.environ, TRACKIO_DIR=os.path.join(spec.workdir, "trackio"),
               PYTHONUNBUFFERED="1")
    cmd = [sys.executable, __file__, "--phase", name, "--spec", json.dumps(asdict(spec)),
           "--out", str(out)]
    t0 = time.perf_counter()
    with console.status(f"[bold]{name}[/] ..."):
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True,
                              timeout=PHASE_TIMEOUT_S)
    wall = time.perf_counter() - t0
    if proc.returncode != 0 or not out.exists():
        console.print(f"[red]phase {name} failed (exit {proc.returncode})[/]\n"
                      f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
        return None
    console.print(f"  {name:<14} done in {wall:6.1f} s")
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def child_main(args: argparse.Namespace) -> None:
    """Entry point of a phase subprocess: run it, write its result as JSON."""
    spec = Spec(**json.loads(args.spec))
    result = PHASES[args.phase](spec)
    Path(args.out).write_text(json.dumps(result))


def make_spec(args: argparse.Namespace, workdir: str) -> Spec:
    """The phase parameters for a full or --quick run (explicit flags win)."""
    quick = args.quick
    mem_steps = 50_000 if quick else 500_000
    return Spec(
        tags=args.tags, steps=args.steps or (5_000 if quick else 50_000),
        latency_calls=args.latency_calls or (20_000 if quick else 200_000), latency_keys=10,
        down_steps=args.down_steps or (100_000 if quick else 1_000_000),
        read_reps=3 if quick else 5, down_reps=10 if quick else 21,
        memory_tags=20, memory_steps=mem_steps,
        memory_every=(100_000 if quick else 1_000_000), workdir=workdir)


def benchmark_phases(args: argparse.Namespace) -> list[str]:
    """Which phases a comparison run executes, in order."""
    phases = ["ds_write", "ds_read", "ds_latency", "ds_downsample"]
    if not args.skip_trackio:
        phases += ["tk_write", "tk_read", "tk_latency"]
    if not args.skip_tensorboard:
        phases += ["tb_write", "tb_read"]
        if not args.skip_tb_downsample:
            phases += ["tb_downsample"]
    return phases


def environment_info() -> dict[str, Any]:
    """Versions and machine facts printed above the table."""
    import importlib.metadata as md

    def version(pkg: str) -> str:
        try:
            return md.version(pkg)
        except md.PackageNotFoundError:
            return "-"
    return {"python": platform.python_version(), "numpy": np.__version__,
            "sqlite": sqlite3.sqlite_version, "deepscope": version("deepscope"),
            "tensorboard": version("tensorboard"), "torch": version("torch"),
            "trackio": version("trackio"), "cpus": os.cpu_count(),
            "loadavg_start": os.getloadavg(), "platform": platform.platform()}


def save_results(results: dict[str, Any], label: str) -> Path:
    """Write everything measured to benchmarks/out/<label>-<time>.json (git-ignored)."""
    RESULT_DIR.mkdir(exist_ok=True)
    path = RESULT_DIR / f"{label}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    return path


def main() -> None:
    """Parse arguments; run a phase (child) or the whole comparison (parent)."""
    args = parse_args()
    if args.phase:
        return child_main(args)
    from rich.console import Console
    console = Console(width=None if sys.stdout.isatty() else args.width)
    workdir = tempfile.mkdtemp(prefix="deepscope-bench-", dir=args.tmpdir)
    spec = make_spec(args, workdir)
    env = environment_info()
    try:
        if args.memory:
            run_memory_mode(spec, env, console)
        elif args.profile:
            run_profile_mode(spec, console)
        else:
            run_comparison(args, spec, env, console)
    finally:
        if args.keep:
            console.print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def run_comparison(args: argparse.Namespace, spec: Spec, env: dict[str, Any],
                   console: Any) -> None:
    """Run every phase, then print the comparison table and the details."""
    console.print(f"[bold]Scalar benchmark[/]: {spec.tags} tags x {spec.steps:,} steps = "
                  f"{spec.points:,} points; {spec.latency_calls:,} latency calls; "
                  f"{spec.down_steps:,}-point series for downsampling; workdir {spec.workdir}")
    results: dict[str, Any] = {"spec": asdict(spec), "env": env}
    for name in benchmark_phases(args):
        results[name] = run_phase(name, spec, console)
    results["env"]["loadavg_end"] = os.getloadavg()
    print_comparison(results, console)
    console.print(f"results saved to {save_results(results, 'scalars')}")


def run_memory_mode(spec: Spec, env: dict[str, Any], console: Any) -> None:
    """The --memory run: 10M points (1M with --quick), RSS every 1M points."""
    console.print(f"[bold]Writer memory[/]: {spec.memory_tags} tags x {spec.memory_steps:,} "
                  f"steps = {spec.memory_tags * spec.memory_steps:,} points")
    results = {"spec": asdict(spec), "env": env, "ds_memory": run_phase("ds_memory", spec,
                                                                        console)}
    print_memory(results, console)
    console.print(f"results saved to {save_results(results, 'memory')}")


def run_profile_mode(spec: Spec, console: Any) -> None:
    """The --profile run: cProfile of deepscope's ingest, both threads."""
    result = run_phase("ds_profile", spec, console)
    if result is None:
        return
    console.print(f"log loop {result['log_s']:.3f} s, finish {result['finish_s']:.3f} s "
                  f"(under the profiler: slower than unprofiled)")
    console.print("[bold]logging thread[/]\n" + result["main"])
    console.print("[bold]writer thread[/]\n" + result["writer"])


def parse_args() -> argparse.Namespace:
    """Command-line options (the --phase/--spec/--out trio is internal)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="20 x 5,000 sanity run (seconds)")
    p.add_argument("--skip-tensorboard", action="store_true", help="TensorBoard takes minutes")
    p.add_argument("--skip-tb-downsample", action="store_true",
                   help="skip TensorBoard's 1M-point reservoir load (~1.5 min)")
    p.add_argument("--skip-trackio", action="store_true")
    p.add_argument("--memory", action="store_true",
                   help="only the writer-memory run: 20 x 500,000 points, RSS every 1M")
    p.add_argument("--profile", action="store_true",
                   help="only cProfile deepscope's ingest (logging and writer threads)")
    p.add_argument("--tags", type=int, default=20)
    p.add_argument("--steps", type=int, help="steps of the main workload (default 50,000)")
    p.add_argument("--latency-calls", type=int, help="log() calls timed (default 200,000)")
    p.add_argument("--down-steps", type=int, help="length of the downsampled series (1M)")
    p.add_argument("--tmpdir", help="where the temporary logdirs go (default: $TMPDIR)")
    p.add_argument("--keep", action="store_true", help="keep the logdirs after the run")
    p.add_argument("--width", type=int, default=160,
                   help="table width when stdout is not a terminal (default 160)")
    p.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    p.add_argument("--spec", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    return p.parse_args()


if __name__ == "__main__":
    main()
