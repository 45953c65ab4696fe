"""Server-side timings of the dashboard API (not a timed test; prints a table).

- one 1M-point scalar series, served downsampled (default budget of 2,000 points, and a budget of
  ~2,000 buckets), split into reader time and the server's own time (serialize + JSON + gzip);
- the run list of a logdir with 1,000 runs.

Usage: python benchmarks/bench_server.py [--workdir DIR] [--points N] [--runs N]
"""

from __future__ import annotations

import argparse
import gzip
import math
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient

import deepscope
from deepscope.server import create_app
from deepscope.server.routing import encode_json
from deepscope.server.serialize import serialize_scalars

REPEATS = 7


def best_ms(fn: Callable[[], object]) -> tuple[float, float]:
    """Median and best wall time of ``fn`` in milliseconds, after one warm-up call."""
    fn()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times)


def write_big(logdir: Path, points: int) -> str:
    with deepscope.init(project="bench", name="big", logdir=logdir, exit_hooks=False) as run:
        for i in range(points):
            run.log({"train/loss": math.sin(i / 1000) + (50.0 if i == points * 7 // 9 else 0.0)},
                    step=i)
        return run.id


def write_many(logdir: Path, runs: int) -> None:
    for i in range(runs):
        with deepscope.init(project=f"p{i % 5}", name=f"run-{i}", config={"lr": 10 ** -(i % 5),
                            "seed": i}, logdir=logdir, exit_hooks=False) as run:
            for step in range(10):
                run.log({"train/loss": 1 / (step + 1), "val/acc": step / 10}, step=step)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="deepscope-bench-"))
    big, many = work / "big", work / "many"
    if not big.exists():
        t = time.perf_counter()
        write_big(big, args.points)
        print(f"wrote {args.points:,} points in {time.perf_counter() - t:.1f} s")
    if not many.exists():
        t = time.perf_counter()
        write_many(many, args.runs)
        print(f"wrote {args.runs:,} runs in {time.perf_counter() - t:.1f} s")

    reader = deepscope.open(big)
    run_id = reader.list_runs()[0].id
    client = TestClient(create_app(big), base_url="http://127.0.0.1")
    print(f"{'what':58} {'median ms':>10} {'best ms':>8}")
    for budget in (2000, 6000):
        series = reader.read_scalars(run_id, "train/loss", max_points=budget)
        body = encode_json(serialize_scalars(series))
        rows = [
            (f"reader.read_scalars(max_points={budget}) -> {len(series)} pts",
             lambda b=budget: reader.read_scalars(run_id, "train/loss", max_points=b)),
            ("  serialize + json", lambda s=series: encode_json(serialize_scalars(s))),
            (f"  gzip level 5 ({len(body):,} B)", lambda b=body: gzip.compress(b, 5)),
            (f"GET /scalars?max_points={budget} (gzip, in-process)",
             lambda b=budget: client.get(f"/api/v1/runs/{run_id}/scalars?name=train/loss"
                                         f"&max_points={b}",
                                         headers={"Accept-Encoding": "gzip"})),
        ]
        for label, fn in rows:
            median, best = best_ms(fn)
            print(f"{label:58} {median:10.1f} {best:8.1f}")

    many_reader = deepscope.open(many)
    many_client = TestClient(create_app(many), base_url="http://127.0.0.1")
    count = len(many_reader.list_runs())
    for label, fn in [
        (f"reader.list_runs() ({count} runs)", many_reader.list_runs),
        ("reader.read_last_scalars(all)",
         lambda: many_reader.read_last_scalars([r.id for r in many_reader.list_runs()])),
        (f"GET /api/v1/runs ({count} runs, gzip, in-process)",
         lambda: many_client.get("/api/v1/runs", headers={"Accept-Encoding": "gzip"})),
    ]:
        median, best = best_ms(fn)
        print(f"{label:58} {median:10.1f} {best:8.1f}")
    print(f"(data in {work})")


if __name__ == "__main__":
    main()
