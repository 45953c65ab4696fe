#!/usr/bin/env python
"""Training-step overhead of watching a PyTorch model: deepscope vs TensorBoard vs wandb.

Every configuration trains its own identical copy of the model (same initial weights, same
batches) in one process. The configurations are interleaved: each round runs every
configuration for N steps (the order rotates between rounds), so a disturbance from other
processes on the machine hits all of them alike. Per round and configuration the script takes
the *amortized* step time (below), then the median (and min) over rounds; ratios are to the
un-instrumented baseline's median (min).

Usage (from the repository root):

    .venv/bin/python benchmarks/bench_watch.py --quick                 # ~1-2 min sanity run
    .venv/bin/python benchmarks/bench_watch.py --model cnn             # CNN only (~4 min)
    .venv/bin/python benchmarks/bench_watch.py --model transformer     # ~20M-param encoder
    .venv/bin/python benchmarks/bench_watch.py --profile cprofile --profile-config deepscope-10

See benchmarks/README.md ("bench_watch.py") for what every figure means.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

TARGET_EVERY_10 = 1.05
TARGET_EVERY_100 = 1.01
PEER_ANCHORS_CNN = {"TensorBoard": 1.63, "wandb.watch(log='all')": 1.25, "Aim": 1.21,
                    "trackio": 1.10}
RESULT_DIR = Path(__file__).resolve().parent / "out"
ALL_CONFIGS = ("baseline", "deepscope-10", "deepscope-100", "deepscope-10-nosentinel",
               "tensorboard-10", "wandb-10")
# run only when named in --configs
EXTRA_CONFIGS = ("deepscope-sentinel-only", "deepscope-10-nolive")


# -- models and data ---------------------------------------------------------------------------

@dataclass
class Workload:
    """A model family, its batches, loss and optimizer, and the benchmark's defaults."""

    name: str
    make_model: Callable[[], nn.Module]
    make_opt: Callable[[nn.Module], torch.optim.Optimizer]
    batches: list[tuple[torch.Tensor, torch.Tensor]]
    loss_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    describe: str
    steps: int
    rounds: int
    warmup: int  # steps when a configuration is set up (excluded)
    pre: int  # steps at the start of each segment (excluded: caches, branch predictors)


def cnn_workload(quick: bool) -> Workload:
    """(a) conv(1->16,3)-relu-conv(16->32,3)-relu-maxpool-flatten-linear-relu-linear(10)."""
    def make_model() -> nn.Module:
        return nn.Sequential(
            nn.Conv2d(1, 16, 3), nn.ReLU(), nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 12 * 12, 128), nn.ReLU(), nn.Linear(128, 10))

    g = torch.Generator().manual_seed(1)
    batches = [(torch.randn(64, 1, 28, 28, generator=g), torch.randint(0, 10, (64,), generator=g))
               for _ in range(8)]
    return Workload(
        "cnn", make_model,
        lambda m: torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9),
        batches, nn.functional.cross_entropy,
        "small CNN, 28x28x1 inputs, batch 64, SGD(momentum)",
        steps=100 if quick else 300, rounds=2 if quick else 5,
        warmup=20 if quick else 50, pre=5 if quick else 10)


class _Encoder(nn.Module):
    """Token embedding + nn.TransformerEncoder + a linear head (per-token classification)."""

    def __init__(self, vocab: int, d: int, heads: int, layers: int, ff: int) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        layer = nn.TransformerEncoderLayer(d, heads, ff, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(d, vocab)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.encoder(self.emb(x)))


def transformer_workload(quick: bool, layers: int = 6) -> Workload:
    """(b) d_model 512, 8 heads, ff 2048, seq 64, batch 8, vocab 2000 (~21M parameters)."""
    vocab, seq, batch = 2000, 64, 8

    def make_model() -> nn.Module:
        return _Encoder(vocab, 512, 8, layers, 2048)

    def loss_fn(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return nn.functional.cross_entropy(out.reshape(-1, vocab), y.reshape(-1))

    g = torch.Generator().manual_seed(2)
    batches = [(torch.randint(0, vocab, (batch, seq), generator=g),
                torch.randint(0, vocab, (batch, seq), generator=g)) for _ in range(4)]
    return Workload(
        "transformer", make_model,
        lambda m: torch.optim.AdamW(m.parameters(), lr=1e-4),
        batches, loss_fn,
        f"TransformerEncoder d512 h8 ff2048 x{layers} + emb/head (vocab {vocab}), "
        f"seq {seq}, batch {batch}, AdamW",
        steps=10 if quick else 20, rounds=2 if quick else 3, warmup=2, pre=1)


# -- configurations ------------------------------------------------------------------------------

class Config:
    """One way of training: set up on its own model copy, then called around every step."""

    name = "baseline"
    period = 1  # a capture every this many steps (1: no periodic capture)
    records = "nothing (loss.item() only)"

    def setup(self, model: nn.Module, opt: torch.optim.Optimizer, tmp: Path) -> None:
        """Instrument ``model`` (its own copy) and ``opt``."""
        self.model, self.opt, self.i = model, opt, 0

    def is_capture(self) -> bool:
        """Will the next step be a capture step? (asked before the step, outside the timing)"""
        return False

    def after(self, loss: float) -> None:
        """Called inside the timed region after ``optimizer.step()`` with the loss value."""
        self.i += 1

    def finish(self) -> dict[str, Any]:
        """Tear down; counts of what was recorded."""
        return {}


class DeepscopeConfig(Config):
    """``run.watch(model, optimizer=opt, every=N)`` with defaults + ``run.log`` of the loss."""

    def __init__(self, name: str, every: int, on_nonfinite: str | None = "record",
                 what: tuple[str, ...] | None = None, live: bool = True) -> None:
        self.name, self.period, self.every = name, every, every
        self.on_nonfinite, self.what, self.live = on_nonfinite, what, live
        sentinel = "NaN/Inf sentinel every step" if on_nonfinite else "no sentinel"
        self.records = (f"weights+grads+activations histograms, updates, activation-grad "
                        f"norms, grad norm, loss; {sentinel}" if what is None
                        else f"loss; {sentinel}")
        if what is not None:
            self.period = 1
        if not live:
            self.records += "; live diagnosis off"

    def setup(self, model: nn.Module, opt: torch.optim.Optimizer, tmp: Path) -> None:
        import deepscope

        super().setup(model, opt, tmp)
        self.logdir = tmp / self.name
        extra: dict[str, Any] = {} if self.live else {"live_diagnosis": None}
        self.run = deepscope.init(project="bench", name=self.name, logdir=self.logdir,
                                  exit_hooks=False, **extra)
        kwargs: dict[str, Any] = {"optimizer": opt, "every": self.every,
                                  "on_nonfinite": self.on_nonfinite}
        if self.what is not None:
            kwargs["what"] = self.what
        self.handle = self.run.watch(model, **kwargs)

    def is_capture(self) -> bool:
        return self.what is None and self.handle.step % self.every == 0

    def after(self, loss: float) -> None:
        self.run.log({"loss": loss}, step=self.i)
        self.i += 1

    def finish(self) -> dict[str, Any]:
        import deepscope

        self.run.finish()
        reader = deepscope.open(self.logdir)
        try:
            series = reader.list_series(self.run.id)
            findings = reader.list_findings(self.run.id)
        finally:
            reader.close()
        kinds: dict[str, int] = {}
        for s in series:
            kinds[s.kind] = kinds.get(s.kind, 0) + 1
        groups: dict[str, int] = {}
        for s in series:
            group = s.name.split("/", 1)[0] if "/" in s.name else s.name
            groups[group] = groups.get(group, 0) + 1
        return {"hist_series": kinds.get("tensor", 0), "scalar_series": kinds.get("scalar", 0),
                "points": sum(s.count for s in series), "groups": groups,
                "findings": len(findings)}


class TensorBoardConfig(Config):
    """SummaryWriter: loss every step, a histogram of every parameter and gradient every 10."""

    name, period = "tensorboard-10", 10
    records = "weights+grads histograms, loss"

    def setup(self, model: nn.Module, opt: torch.optim.Optimizer, tmp: Path) -> None:
        from torch.utils.tensorboard import SummaryWriter

        super().setup(model, opt, tmp)
        self.writer = SummaryWriter(str(tmp / self.name))
        self.params = list(model.named_parameters())
        self.hist_tags: set[str] = set()

    def is_capture(self) -> bool:
        return self.i % self.period == 0

    def after(self, loss: float) -> None:
        self.writer.add_scalar("loss", loss, self.i)
        if self.i % self.period == 0:
            for name, p in self.params:
                self.writer.add_histogram(f"weights/{name}", p, self.i)
                self.hist_tags.add(f"weights/{name}")
                if p.grad is not None:
                    self.writer.add_histogram(f"grads/{name}", p.grad, self.i)
                    self.hist_tags.add(f"grads/{name}")
        self.i += 1

    def finish(self) -> dict[str, Any]:
        self.writer.close()
        return {"hist_series": len(self.hist_tags), "scalar_series": 1}


class WandbConfig(Config):
    """wandb offline: ``wandb.watch(model, log="all", log_freq=10)`` + ``wandb.log`` of the
    loss every step."""

    name, period = "wandb-10", 10
    records = "weights+grads histograms, loss"

    def setup(self, model: nn.Module, opt: torch.optim.Optimizer, tmp: Path) -> None:
        root = tmp / self.name
        root.mkdir(parents=True, exist_ok=True)
        for var in ("WANDB_DIR", "WANDB_CACHE_DIR", "WANDB_CONFIG_DIR", "WANDB_DATA_DIR",
                    "WANDB_ARTIFACT_DIR"):
            os.environ[var] = str(root)
        os.environ["WANDB_MODE"] = "offline"
        os.environ["WANDB_SILENT"] = "true"
        import wandb

        super().setup(model, opt, tmp)
        self.wandb = wandb
        # console="off" only keeps wandb from wrapping this script's stdout/stderr.
        self.run = wandb.init(project="bench", dir=str(root), mode="offline",
                              settings=wandb.Settings(console="off"))
        wandb.watch(model, log="all", log_freq=self.period)
        self.n_params = sum(1 for p in model.parameters() if p.requires_grad)

    def is_capture(self) -> bool:
        # wandb counts forward calls / gradient hooks and logs on the 10th, 20th, ... one.
        return (self.i + 1) % self.period == 0

    def after(self, loss: float) -> None:
        self.run.log({"loss": loss})
        self.i += 1

    def finish(self) -> dict[str, Any]:
        self.wandb.unwatch(self.model)
        self.run.finish()
        # log="all": parameters/<name> and gradients/<name> for every trainable parameter.
        return {"hist_series": 2 * self.n_params, "scalar_series": 1}


def make_config(name: str) -> Config:
    """A configuration by name (see ALL_CONFIGS and EXTRA_CONFIGS)."""
    if name == "baseline":
        return Config()
    if name == "deepscope-10":
        return DeepscopeConfig(name, 10)
    if name == "deepscope-100":
        return DeepscopeConfig(name, 100)
    if name == "deepscope-10-nosentinel":
        return DeepscopeConfig(name, 10, on_nonfinite=None)
    if name == "deepscope-10-nolive":
        return DeepscopeConfig(name, 10, live=False)
    if name == "deepscope-sentinel-only":
        return DeepscopeConfig(name, 10, what=())
    if name == "tensorboard-10":
        return TensorBoardConfig()
    if name == "wandb-10":
        return WandbConfig()
    raise SystemExit(f"unknown config {name!r}; choose from "
                     f"{', '.join(ALL_CONFIGS + EXTRA_CONFIGS)}")


# -- the timed loop ------------------------------------------------------------------------------

@dataclass
class Lane:
    """One configuration's model copy, optimizer and per-round samples."""

    config: Config
    model: nn.Module
    opt: torch.optim.Optimizer
    batch_i: int = 0
    rounds: list[dict[str, Any]] = field(default_factory=list)  # wall clock
    cpu_rounds: list[dict[str, Any]] = field(default_factory=list)  # process CPU time


def train_step(lane: Lane, w: Workload) -> float:
    """One training step (what every configuration runs): returns the loss value."""
    x, y = w.batches[lane.batch_i % len(w.batches)]
    lane.batch_i += 1
    lane.opt.zero_grad(set_to_none=True)
    loss = w.loss_fn(lane.model(x), y)
    loss.backward()
    lane.opt.step()
    return loss.item()


def run_steps(lane: Lane, w: Workload, n: int, *, skip: int = 0
              ) -> tuple[list[float], list[float], list[bool]]:
    """Run ``skip + n`` steps; per-step wall seconds, process CPU seconds and capture flags of
    the last ``n``."""
    times: list[float] = []
    cpu: list[float] = []
    caps: list[bool] = []
    config = lane.config
    clock, cpu_clock = time.perf_counter, time.process_time
    for k in range(skip + n):
        cap = config.is_capture()
        c0 = cpu_clock()
        t0 = clock()
        loss = train_step(lane, w)
        config.after(loss)
        dt = clock() - t0
        dc = cpu_clock() - c0
        if k >= skip:
            times.append(dt)
            cpu.append(dc)
            caps.append(cap)
    return times, cpu, caps


def round_figures(times: list[float], caps: list[bool], period: int) -> dict[str, Any]:
    """Per-round figures of one configuration and one clock (seconds)."""
    normal = [t for t, c in zip(times, caps, strict=True) if not c]
    capture = [t for t, c in zip(times, caps, strict=True) if c]
    return {"mean": statistics.fmean(times), "median": statistics.median(times),
            "normal_mean": statistics.fmean(normal) if normal else None,
            "normal_median": statistics.median(normal) if normal else None,
            "capture": capture, "period": period, "n": len(times)}


def amortize(r: dict[str, Any], capture_excess: float | None) -> float:
    """Amortized step time: mean of the non-capture steps + capture excess / period."""
    if r["period"] == 1 or capture_excess is None:
        return float(r["mean"])
    return float(r["normal_mean"]) + capture_excess / r["period"]


def aggregate(lanes: list[Lane], rounds_of: Callable[[Lane], list[dict[str, Any]]]
              ) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """Amortized per-round step times of every configuration for one clock, their median and
    min over rounds, and the ratios to the baseline (median/median, min/min, per round)."""
    # Capture excess per configuration: median capture-step time - median over rounds of the
    # mean non-capture time. deepscope-100 usually sees no capture step in the transformer's
    # short rounds; it borrows deepscope-10's excess (the same work per capture), marked so.
    excess: dict[str, float | None] = {}
    for lane in lanes:
        caps = [t for rr in rounds_of(lane) for t in rr["capture"]]
        normals = [rr["normal_mean"] for rr in rounds_of(lane) if rr["normal_mean"] is not None]
        excess[lane.config.name] = (statistics.median(caps) - statistics.median(normals)
                                    if caps and normals else None)
    borrowed: dict[str, str] = {}
    for lane in lanes:
        c = lane.config
        if c.period > 1 and excess[c.name] is None and isinstance(c, DeepscopeConfig):
            donor = next((x.config.name for x in lanes if isinstance(x.config, DeepscopeConfig)
                          and excess[x.config.name] is not None
                          and x.config.on_nonfinite == c.on_nonfinite
                          and x.config.what == c.what and x.config.live == c.live), None)
            if donor is not None:
                excess[c.name] = excess[donor]
                borrowed[c.name] = donor
    out: dict[str, dict[str, Any]] = {}
    for lane in lanes:
        name = lane.config.name
        rr_list = rounds_of(lane)
        per_round = [amortize(rr, excess[name]) for rr in rr_list]
        caps = [t for rr in rr_list for t in rr["capture"]]
        normal_medians = [rr["normal_median"] for rr in rr_list if rr["normal_median"] is not None]
        out[name] = {
            "amortized_ms": [1e3 * x for x in per_round],
            "median_ms": 1e3 * statistics.median(per_round),
            "min_ms": 1e3 * min(per_round),
            "segment_mean_ms": [1e3 * rr["mean"] for rr in rr_list],
            "normal_median_ms": 1e3 * statistics.median(normal_medians),
            "capture_median_ms": 1e3 * statistics.median(caps) if caps else None,
            "capture_steps": len(caps),
            "capture_excess_ms": None if excess[name] is None else 1e3 * excess[name]}
    base = out.get("baseline")
    if base:
        for c in out.values():
            c["ratio_median"] = c["median_ms"] / base["median_ms"]
            c["ratio_min"] = c["min_ms"] / base["min_ms"]
            c["paired_ratios"] = [a / b for a, b in zip(c["amortized_ms"], base["amortized_ms"],
                                                        strict=True)]
    return out, borrowed


def load_avg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def bench_workload(w: Workload, names: list[str], tmp: Path, console: Any,
                   rounds: int, steps: int) -> dict[str, Any]:
    """Set every configuration up, run the interleaved rounds, tear down; the figures."""
    torch.manual_seed(0)
    base = w.make_model()
    state = copy.deepcopy(base.state_dict())
    n_params = sum(p.numel() for p in base.parameters())
    lanes: list[Lane] = []
    setup_s: dict[str, list[float]] = {name: [] for name in names}
    records: dict[str, dict[str, Any]] = {}

    def start(lane: Lane) -> None:
        lane.config = make_config(lane.config.name)
        t0 = time.perf_counter()
        lane.config.setup(lane.model, lane.opt, tmp / w.name)
        setup_s[lane.config.name].append(time.perf_counter() - t0)

    def stop(lane: Lane) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            records[lane.config.name] = lane.config.finish()

    for name in names:
        model = w.make_model()
        model.load_state_dict(state)
        model.train()
        opt = w.make_opt(model)
        lane = Lane(make_config(name), model, opt)
        start(lane)
        run_steps(lane, w, 0, skip=w.warmup)
        stop(lane)
        lanes.append(lane)
        console.print(f"  {name}: set up in {setup_s[name][-1]:.2f} s, {w.warmup} warm-up "
                      f"steps", highlight=False)
    load_start = load_avg()
    for r in range(rounds):
        order = lanes[r % len(lanes):] + lanes[:r % len(lanes)]
        t_round = time.perf_counter()
        for lane in order:
            # A fresh run/writer per segment: a tool's background threads (deepscope's writer
            # and live diagnosis, TensorBoard's writer, wandb's threads) only run in its own
            # segment. Setup and teardown are not timed.
            start(lane)
            gc.collect()
            times, cpu, caps = run_steps(lane, w, steps, skip=w.pre)
            stop(lane)
            lane.rounds.append(round_figures(times, caps, lane.config.period))
            lane.cpu_rounds.append(round_figures(cpu, caps, lane.config.period))
        line = ", ".join(f"{lane.config.name} {1e3 * lane.rounds[-1]['mean']:.1f}"
                         for lane in lanes)
        console.print(f"  round {r + 1}/{rounds} ({time.perf_counter() - t_round:.0f} s, "
                      f"mean ms): {line}", highlight=False)
    load_end = load_avg()

    results: dict[str, Any] = {"workload": w.name, "describe": w.describe, "params": n_params,
                               "rounds": rounds, "steps": steps, "warmup": w.warmup,
                               "pre": w.pre, "threads": torch.get_num_threads(),
                               "load_start": load_start, "load_end": load_end,
                               "configs": {}}
    wall, borrowed = aggregate(lanes, lambda lane: lane.rounds)
    cpu, _ = aggregate(lanes, lambda lane: lane.cpu_rounds)
    results["borrowed"] = borrowed
    for lane in lanes:
        name = lane.config.name
        results["configs"][name] = {**wall[name], "cpu": cpu[name],
                                    "period": lane.config.period,
                                    "records_text": lane.config.records,
                                    "records": records[name],
                                    "setup_s": statistics.median(setup_s[name])}
    del lanes
    gc.collect()
    return results


# -- reporting -----------------------------------------------------------------------------------

def target_for(name: str) -> float | None:
    if name in ("deepscope-10", "deepscope-10-nosentinel"):
        return TARGET_EVERY_10
    if name == "deepscope-100":
        return TARGET_EVERY_100
    return None


def records_cell(c: dict[str, Any]) -> str:
    rec = c["records"]
    if not rec:
        return "-"
    text = f"{rec['hist_series']} hist + {rec['scalar_series']} scalar"
    if "points" in rec:
        text += f"\n{rec['points']:,} points"
    return text


def print_results(res: dict[str, Any], console: Any) -> None:
    from rich.table import Table

    table = Table(title=f"{res['workload']}: {res['describe']}, {res['params'] / 1e6:.2f}M "
                        f"params, {res['threads']} torch thread(s); {res['rounds']} rounds x "
                        f"{res['steps']} steps per config", show_lines=True)
    for col, kw in (("config", {}), ("step ms\nmedian", {"justify": "right"}),
                    ("step ms\nmin", {"justify": "right"}),
                    ("ratio\n(median)", {"justify": "right"}),
                    ("ratio\n(min)", {"justify": "right"}), ("target", {}),
                    ("CPU-time\nratio", {"justify": "right"}),
                    ("normal step ms /\ncapture step ms", {"justify": "right"}),
                    ("series recorded", {})):
        table.add_column(col, **kw)
    base = res["configs"].get("baseline")
    for name, c in res["configs"].items():
        tgt = target_for(name)
        mark = ""
        if tgt is not None and base:
            ok = c["ratio_median"] <= tgt
            mark = f"<= {tgt:.2f}x " + ("[green]PASS[/]" if ok else "[red]FAIL[/]")
        cap = ("-" if c["capture_median_ms"] is None else f"{c['capture_median_ms']:.1f}"
               f" (n={c['capture_steps']})")
        if name in res["borrowed"]:
            cap += f"\n*excess from {res['borrowed'][name]}"
        table.add_row(
            name, f"{c['median_ms']:.2f}", f"{c['min_ms']:.2f}",
            f"{c.get('ratio_median', float('nan')):.3f}x",
            f"{c.get('ratio_min', float('nan')):.3f}x", mark,
            f"{c['cpu'].get('ratio_median', float('nan')):.3f}x",
            f"{c['normal_median_ms']:.2f} / {cap}", records_cell(c))
    console.print(table)
    lines = [f"load average at start {res['load_start']}, at end {res['load_end']} "
             f"(2 cores: above ~2 means other processes shared the CPUs)"]
    for name, c in res["configs"].items():
        lines.append(f"{name}: {c['records_text']}")
    for name, c in res["configs"].items():
        paired = ", ".join(f"{x:.3f}" for x in c.get("paired_ratios", []))
        seg = ", ".join(f"{x:.1f}" for x in c["segment_mean_ms"])
        cpu_seg = ", ".join(f"{x:.1f}" for x in c["cpu"]["amortized_ms"])
        excess = ("-" if c["capture_excess_ms"] is None
                  else f"{c['capture_excess_ms']:.1f} ms")
        lines.append(f"{name}: per-round amortized/baseline [{paired}]; plain per-round "
                     f"means ms [{seg}]; CPU ms per round [{cpu_seg}]; capture excess "
                     f"{excess}")
    for name, c in res["configs"].items():
        if c["records"].get("groups"):
            groups = ", ".join(f"{k} {v}" for k, v in sorted(c["records"]["groups"].items()))
            lines.append(f"{name} series by group: {groups}; findings "
                         f"{c['records']['findings']}")
    if res["workload"] == "cnn":
        lines.append("peer anchors (CNN, every 10 steps, similar 2-core VM): " + ", ".join(
            f"{k} {v:.2f}x" for k, v in PEER_ANCHORS_CNN.items()))
    for line in lines:
        console.print(line, highlight=False)


# -- profiling -----------------------------------------------------------------------------------

def profile(w: Workload, name: str, mode: str, steps: int, tmp: Path, console: Any) -> None:
    """Profile ``steps`` steps of one configuration (cProfile or torch.profiler)."""
    torch.manual_seed(0)
    model = w.make_model()
    model.train()
    opt = w.make_opt(model)
    config = make_config(name)
    config.setup(model, opt, tmp / w.name)
    lane = Lane(config, model, opt)
    run_steps(lane, w, 0, skip=w.warmup)
    if mode == "cprofile":
        prof = cProfile.Profile()
        prof.enable()
        run_steps(lane, w, steps)
        prof.disable()
        for key in ("tottime", "cumulative"):
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).strip_dirs().sort_stats(key).print_stats(30)
            console.print(buf.getvalue(), highlight=False, markup=False)
    else:
        from torch.profiler import ProfilerActivity
        from torch.profiler import profile as tprofile

        with tprofile(activities=[ProfilerActivity.CPU], record_shapes=False) as prof:
            run_steps(lane, w, steps)
        console.print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=35),
                      highlight=False, markup=False)
    config.finish()


# -- main ----------------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=("cnn", "transformer", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="few rounds and steps")
    parser.add_argument("--rounds", type=int, help="rounds (default: cnn 5, transformer 3)")
    parser.add_argument("--steps", type=int,
                        help="timed steps per config per round (default: cnn 300, "
                             "transformer 20)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads, the same for every config (default 1)")
    parser.add_argument("--layers", type=int, default=6, help="transformer layers (default 6)")
    parser.add_argument("--configs", default=",".join(ALL_CONFIGS),
                        help="comma-separated subset; also: " + ", ".join(EXTRA_CONFIGS))
    parser.add_argument("--profile", choices=("cprofile", "torch"),
                        help="profile one config instead of benchmarking")
    parser.add_argument("--profile-config", default="deepscope-10")
    parser.add_argument("--tmpdir", help="parent of the temporary logdirs")
    parser.add_argument("--keep", action="store_true", help="keep the temporary logdirs")
    parser.add_argument("--width", type=int, help="table width when piped")
    args = parser.parse_args()

    from rich.console import Console

    console = Console(width=args.width or (None if sys.stdout.isatty() else 200))
    torch.set_num_threads(args.threads)
    workloads = []
    if args.model in ("cnn", "both"):
        workloads.append(cnn_workload(args.quick))
    if args.model in ("transformer", "both"):
        workloads.append(transformer_workload(args.quick, args.layers))
    names = [n.strip() for n in args.configs.split(",") if n.strip()]
    for n in names:
        make_config(n)  # validates
    tmp = Path(tempfile.mkdtemp(prefix="bench_watch-", dir=args.tmpdir))
    try:
        if args.profile:
            for w in workloads:
                profile(w, args.profile_config, args.profile,
                        args.steps or (100 if w.name == "cnn" else 10), tmp, console)
            return
        import deepscope

        console.print(f"deepscope {deepscope.__version__} ({Path(deepscope.__file__).parent}), "
                      f"torch {torch.__version__}, "
                      f"python {platform.python_version()}, {os.cpu_count()} CPUs, "
                      f"{args.threads} torch thread(s), load {load_avg()}", highlight=False)
        all_results = []
        for w in workloads:
            rounds = args.rounds or w.rounds
            steps = args.steps or w.steps
            console.print(f"[bold]{w.name}[/]: {w.describe}; configs {', '.join(names)}")
            res = bench_workload(w, names, tmp, console, rounds, steps)
            print_results(res, console)
            all_results.append(res)
        RESULT_DIR.mkdir(parents=True, exist_ok=True)
        out = RESULT_DIR / f"watch-{time.strftime('%Y%m%d-%H%M%S')}.json"
        out.write_text(json.dumps({"argv": sys.argv[1:], "deepscope": deepscope.__file__,
                                   "results": all_results}, indent=1))
        console.print(f"saved {out}", highlight=False)
    finally:
        if args.keep:
            console.print(f"logdirs kept in {tmp}", highlight=False)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
