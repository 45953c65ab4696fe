"""End-to-end benchmark of the web dashboard: real server processes, headless Chromium.

Side by side with TensorBoard where it can be: a server is launched as a subprocess on loopback,
and the figures are times from the process launch (HTTP ready, first series served, first chart
drawn in the browser), server-side query times, live-update latency, the run list of 1,000 runs
and the server's RSS. Prints a table (figure, deepscope, TensorBoard or its anchor, target,
PASS/FAIL, ratio) and saves everything as JSON in benchmarks/out/. Not a test; run by hand.

Usage: python benchmarks/bench_dashboard.py [--quick] [--skip-tensorboard] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
VENV_BIN = Path(sys.executable).parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 1000}

# Peer figures measured by other benchmarks on a similar 2-core VM (cited, not re-measured).
ANCHOR_TB_FIRST_SERIES = 1.7  # s, TensorBoard, 1M points, first series (1,000-point sample)
ANCHOR_TB_FIRST_SERIES_ALL = 2.8  # s, same, keeping all points
ANCHOR_TB_10M = 6.2  # s, TensorBoard's Rust loader, 10M points, random 1,000-point sample per tag
ANCHORS_OTHERS = "trackio 1.5 s, Aim 6.8 s, MLflow 18 s (first series, 1M points)"


# ------------------------------------------------------------------------------------------------
# sizes


@dataclass(frozen=True)
class Sizes:
    small_tags: int
    small_steps: int
    big_tags: int
    big_steps: int
    many_runs: int
    many_tags: int
    many_steps: int
    rss_runs: int
    rss_tags: int
    rss_steps: int
    live_points: int

    @staticmethod
    def full() -> Sizes:
        return Sizes(20, 50_000, 10, 1_000_000, 1000, 5, 100, 100, 10, 100_000, 60)

    @staticmethod
    def quick() -> Sizes:
        return Sizes(20, 5_000, 10, 100_000, 200, 5, 100, 20, 10, 10_000, 30)

    def key(self) -> str:
        return "-".join(str(v) for v in self.__dict__.values())


def loadavg() -> float:
    return round(os.getloadavg()[0], 2)


# ------------------------------------------------------------------------------------------------
# data


def curves(tags: int, steps: int, seed: int = 0) -> np.ndarray:
    """``tags`` decaying loss curves with multiplicative noise, shape (steps, tags)."""
    rng = np.random.default_rng(seed)
    t = np.arange(steps, dtype=np.float64)[:, None]
    start = rng.uniform(1.0, 4.0, tags)
    floor = rng.uniform(0.01, 0.3, tags)
    rate = rng.uniform(3.0, 8.0, tags) / steps
    clean = floor + (start - floor) * np.exp(-rate * t)
    return clean * np.exp(rng.normal(0.0, 0.05, (steps, tags)))


def tag_names(n: int) -> list[str]:
    return [f"tag{i}" for i in range(n)]


def write_deepscope_small(logdir: Path, tags: int, steps: int) -> None:
    import deepscope
    data = curves(tags, steps)
    names = tag_names(tags)
    with deepscope.init(project="bench", name="small", logdir=logdir, exit_hooks=False,
                        live_diagnosis=None) as run:
        for step in range(steps):
            run.log(dict(zip(names, data[step].tolist(), strict=False)), step=step)


def write_tensorboard_small(logdir: Path, tags: int, steps: int) -> None:
    from torch.utils.tensorboard import SummaryWriter
    data = curves(tags, steps)
    names = tag_names(tags)
    writer = SummaryWriter(log_dir=str(logdir / "small"), max_queue=10_000, flush_secs=30)
    for step in range(steps):
        for name, value in zip(names, data[step].tolist(), strict=False):
            writer.add_scalar(name, value, step)
    writer.close()


def write_deepscope_big(logdir: Path, tags: int, steps: int) -> None:
    """``tags`` x ``steps``, each tag with one one-step spike (the envelope must keep it)."""
    import deepscope
    names = tag_names(tags)
    chunk = 100_000
    with deepscope.init(project="bench", name="big", logdir=logdir, exit_hooks=False,
                        live_diagnosis=None) as run:
        for lo in range(0, steps, chunk):
            n = min(chunk, steps - lo)
            data = curves(tags, n, seed=lo)  # generated per chunk: memory stays flat
            for k in range(n):
                step = lo + k
                row = data[k].tolist()
                if step == spike_step(steps):
                    row = [v + 50.0 for v in row]
                run.log(dict(zip(names, row, strict=False)), step=step)


def spike_step(steps: int) -> int:
    return steps * 7 // 9


def write_many(logdir: Path, runs: int, tags: int, steps: int) -> None:
    import deepscope
    names = [f"m/{t}" for t in tag_names(tags)]
    for i in range(runs):
        cfg = {"lr": [0.1, 0.03, 0.01, 0.003, 0.001][i % 5], "seed": i,
               "opt": {"name": ["adam", "sgd"][i % 2]}}
        with deepscope.init(project=f"p{i % 5}", name=f"run-{i:04d}", config=cfg, logdir=logdir,
                            exit_hooks=False, live_diagnosis=None) as run:
            for step in range(steps):
                run.log({n: 1.0 / (step + 1 + j) for j, n in enumerate(names)}, step=step)


def write_rss(logdir: Path, runs: int, tags: int, steps: int) -> None:
    import deepscope
    names = tag_names(tags)
    for i in range(runs):
        data = curves(tags, steps, seed=i)
        with deepscope.init(project="rss", name=f"rss-{i:03d}", config={"lr": 0.01 * (i + 1)},
                            logdir=logdir, exit_hooks=False, live_diagnosis=None) as run:
            for step in range(steps):
                run.log(dict(zip(names, data[step].tolist(), strict=False)), step=step)


def prepare(work: Path, sizes: Sizes, tensorboard: bool) -> dict[str, Path]:
    """Write every dataset once (kept in ``work`` between runs with --workdir)."""
    jobs: dict[str, Callable[[Path], None]] = {
        "ds_small": lambda p: write_deepscope_small(p, sizes.small_tags, sizes.small_steps),
        "big": lambda p: write_deepscope_big(p, sizes.big_tags, sizes.big_steps),
        "many": lambda p: write_many(p, sizes.many_runs, sizes.many_tags, sizes.many_steps),
        "rss": lambda p: write_rss(p, sizes.rss_runs, sizes.rss_tags, sizes.rss_steps),
    }
    if tensorboard:
        jobs["tb_small"] = lambda p: write_tensorboard_small(p, sizes.small_tags, sizes.small_steps)
    paths = {}
    for name in jobs:
        path = work / name
        paths[name] = path
        if (path / ".done").exists():
            continue
        shutil.rmtree(path, ignore_errors=True)
        path.mkdir(parents=True)
        start = time.perf_counter()
        # In a child interpreter: the writers' threads and memory stay out of this process.
        subprocess.run([sys.executable, __file__, "--phase", f"write:{name}", "--sizes",
                        json.dumps(sizes.__dict__), "--workdir", str(path)], check=True)
        (path / ".done").touch()
        print(f"  wrote {name} in {time.perf_counter() - start:.1f} s (load {loadavg()})",
              flush=True)
    return paths


# ------------------------------------------------------------------------------------------------
# servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    kind: str  # "deepscope" or "tensorboard"
    cmd: list[str]
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None
    launched: float = 0.0  # time.time() of Popen

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        out = self.log.open("wb")
        self.launched = time.time()
        self.proc = subprocess.Popen(self.cmd, stdout=out, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        return self

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def wait_ready(self, timeout: float = 120) -> float:
        """Seconds from launch to the first 200 on ``/`` (the UI page)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5) as r:
                    if r.status == 200:
                        return time.time() - self.launched
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.02)
        raise TimeoutError(f"{self.kind} not ready after {timeout} s")

    def rss_mib(self, tree: bool = False) -> float:
        assert self.proc is not None
        pids = [self.proc.pid] + (descendants(self.proc.pid) if tree else [])
        return sum(vm_kib(pid, "VmRSS") for pid in pids) / 1024

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def vm_kib(pid: int, field_name: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                out.append(int(child))
                out.extend(descendants(int(child)))
    return out


def deepscope_server(logdir: Path, work: Path) -> Server:
    port = free_port()
    return Server("deepscope", [str(VENV_BIN / "deepscope"), "serve", str(logdir), "--no-browser",
                                "--port", str(port)], port, work / f"serve-{port}.log")


def tensorboard_server(logdir: Path, work: Path, keep: int | None) -> Server:
    """``keep``: ``--samples_per_plugin scalars=keep`` (None: TensorBoard's default, 1,000).
    ``scalars=0`` is documented as "keep all" for the Python loader, but with TensorBoard 2.21's
    default Rust loader it serves no points at all (an empty list 17 s after launch, tried by
    hand), so "keep all" is asked for as a reservoir as large as the run."""
    port = free_port()
    cmd = [str(VENV_BIN / "tensorboard"), "--logdir", str(logdir), "--port", str(port),
           "--host", "127.0.0.1"]
    if keep is not None:
        cmd += ["--samples_per_plugin", f"scalars={keep}"]
    return Server("tensorboard", cmd, port, work / f"tensorboard-{port}.log")


def http_get(url: str, gzip_ok: bool = True) -> tuple[int, bytes, float]:
    """Status, body as sent (gzip if the server compressed it) and seconds."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=60) as r:
            body = r.read()
            status = r.status
            encoding = r.headers.get("Content-Encoding", "")
    except urllib.error.HTTPError as e:
        return e.code, e.read(), time.perf_counter() - start
    elapsed = time.perf_counter() - start
    if encoding == "gzip":
        import gzip
        return status, gzip.decompress(body), elapsed
    return status, body, elapsed


def wire_size(url: str) -> int:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=60) as r:
        return len(r.read())


def median_ms(fn: Callable[[], object], repeats: int) -> tuple[float, float, float]:
    """Median, best and worst of ``repeats`` timed calls (ms), after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times), max(times)


def timed(fn: Callable[[], object], repeats: int, **extra: Any) -> dict[str, Any]:
    median, best, worst = median_ms(fn, repeats)
    return {"median_ms": median, "best_ms": best, "worst_ms": worst, **extra}


def poll_series(server: Server, url: str, complete: Callable[[Any], bool],
                timeout: float = 180) -> tuple[float | None, float]:
    """Poll ``url`` until ``complete(json)``; (first non-empty, complete) seconds from launch."""
    first = None
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            status, body, _ = http_get(url)
        except (urllib.error.URLError, ConnectionError, OSError):
            status, body = 0, b""
        if status == 200:
            data = json.loads(body)
            nonempty = bool(data.get("series") and data["series"][0]["steps"]) if isinstance(
                data, dict) else bool(data)
            now = time.time() - server.launched
            if nonempty and first is None:
                first = now
            if complete(data):
                return first, now
        time.sleep(0.05)
    raise TimeoutError(f"{url} not complete after {timeout} s")


# ------------------------------------------------------------------------------------------------
# browser

# True (as Date.now()) once a chart canvas holds a drawn line: uPlot's canvas carries the axes in
# grey too, so only saturated (run-coloured) pixels count.
DS_CHART_DRAWN_JS = """(minPixels) => {
  for (const c of document.querySelectorAll('.chart-card canvas')) {
    if (!c.width || !c.height) continue;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 8) {
      const r = d[i], g = d[i + 1], b = d[i + 2];
      if (d[i + 3] > 100 && Math.max(r, g, b) - Math.min(r, g, b) > 60) n++;
    }
    if (n >= minPixels) return Date.now();
  }
  return false;
}"""


@contextlib.contextmanager
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # Warm-up: the first page and screenshot of a browser are slow, not the dashboards.
            page = b.new_page(viewport=VIEWPORT)
            page.set_content("<p>warm-up</p>")
            page.screenshot()
            page.close()
            yield b
        finally:
            b.close()


def new_page(b: Any) -> Any:
    context = b.new_context(viewport=VIEWPORT)  # fresh context: cold HTTP cache each time
    return context.new_page()


def close_page(page: Any) -> None:
    page.context.close()


RESOURCES_JS = """() => performance.getEntriesByType('resource')
  .filter(e => e.name.includes('/api/'))
  .map(e => [e.name.replace(location.origin, '').slice(0, 90), Math.round(e.startTime),
             Math.round(e.responseEnd), e.encodedBodySize])"""


ALL_CHARTS_LOADED_JS = """() => {
  const d = window.__deepscope, names = d ? d.charts() : [];
  return names.length && names.every((n) => { const s = d.chart(n);
    return s && !s.loading && s.series.length > 0; }) ? Date.now() : false;
}"""
# Per chart on screen: [name, points held, total, downsampled, largest value held].
CHART_SUMMARY_JS = """() => window.__deepscope.charts().map((n) => {
  const s = window.__deepscope.chart(n).series[0];
  let m = -Infinity;
  for (const v of s.values) if (v !== null && v > m) m = v;
  return [n, s.steps.length, s.total, s.downsampled, m];
})"""


def ds_first_chart(b: Any, server: Server, run_ids: list[str]) -> dict[str, Any]:
    """Launch the server (the page exists already), wait until ready, open the Scalars view and
    wait for a drawn line."""
    page = new_page(b)
    server.start()
    try:
        ready = server.wait_ready()
        nav = time.time()
        page.goto(f"{server.url}/#/scalars?runs={','.join(run_ids)}", wait_until="commit")
        drawn = page.wait_for_function(DS_CHART_DRAWN_JS, arg=20, polling=20,
                                       timeout=120_000).json_value() / 1000
        # Then every chart on screen loaded: a figure of its own, and each is checked below.
        loaded = page.wait_for_function(ALL_CHARTS_LOADED_JS, polling=20,
                                        timeout=120_000).json_value() / 1000
        charts = page.evaluate(CHART_SUMMARY_JS)
        origin = page.evaluate("() => performance.timeOrigin") / 1000
        api = [(n, round(origin + s0 / 1000 - server.launched, 3),
                round(origin + e / 1000 - server.launched, 3), size)
               for n, s0, e, size in page.evaluate(RESOURCES_JS)]
    finally:
        close_page(page)
        server.stop()
    out: dict[str, Any] = {"ready_s": ready, "nav_after_launch_s": nav - server.launched,
                           "drawn_from_launch_s": drawn - server.launched,
                           "drawn_after_ready_s": drawn - server.launched - ready,
                           "drawn_after_nav_s": drawn - nav, "charts_created": len(charts),
                           "all_loaded_after_ready_s": loaded - server.launched - ready,
                           "charts": charts, "load": loadavg(), "api_requests_from_launch": api}
    if charts:
        out.update(points_held=min(c[1] for c in charts), total=max(c[2] for c in charts),
                   downsampled=all(c[3] for c in charts),
                   max_value=min(c[4] for c in charts))  # the smallest of the charts' maxima
    return out


def tb_first_chart(b: Any, server: Server, dark_pixels: int = 200) -> dict[str, Any]:
    """TensorBoard's line charts paint a canvas we cannot read back from the page: screenshot the
    first chart's plot area until it holds dark (line) pixels. The time taken is the start of
    the first positive screenshot (a lower bound: kind to TensorBoard)."""
    import io

    from PIL import Image
    page = new_page(b)
    server.start()
    shots = []
    try:
        ready = server.wait_ready()
        nav = time.time()
        page.goto(f"{server.url}/#timeseries", wait_until="commit")
        deadline = time.time() + 180
        drawn = None
        while time.time() < deadline:
            el = page.query_selector("line-chart .series-view")
            if el is None:
                time.sleep(0.03)
                continue
            t = time.time()
            try:
                png = el.screenshot(timeout=10_000)
            except Exception:  # element re-rendered meanwhile
                continue
            a = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
            dark = int((a.max(axis=2) < 150).sum())
            shots.append((round(t - server.launched, 3), round(time.time() - t, 3), dark))
            if dark >= dark_pixels:
                drawn = t
                break
        if drawn is None:
            raise TimeoutError("TensorBoard chart not drawn")
        page.screenshot(path=str(OUT / "dashboard-tensorboard-first-chart.png"))
    finally:
        close_page(page)
        server.stop()
    resolution = shots[-1][0] - shots[-2][0] if len(shots) > 1 else shots[-1][1]
    return {"ready_s": ready, "nav_after_launch_s": nav - server.launched,
            "drawn_from_launch_s": drawn - server.launched,
            "drawn_after_ready_s": drawn - server.launched - ready,
            "drawn_after_nav_s": drawn - nav, "resolution_s": resolution,
            "screenshots": shots[-5:], "load": loadavg()}


def run_ids_of(logdir: Path) -> list[str]:
    import deepscope
    reader = deepscope.open(logdir)
    try:
        return [r.id for r in reader.list_runs()]
    finally:
        with contextlib.suppress(Exception):
            reader.close()  # type: ignore[attr-defined]


# ------------------------------------------------------------------------------------------------
# phases


def phase_small(b: Any, paths: dict[str, Path], work: Path, sizes: Sizes,
                tensorboard: bool) -> dict[str, Any]:
    last = sizes.small_steps - 1
    res: dict[str, Any] = {}
    ds = paths["ds_small"]
    run_id = run_ids_of(ds)[0]
    url = f"/api/v1/scalars?run={run_id}&name=tag0"

    def ds_complete(d: Any) -> bool:
        return bool(d["series"]) and d["series"][0]["steps"][-1] == last

    with deepscope_server(ds, work) as server:
        ready = server.wait_ready()
        first, done = poll_series(server, server.url + url, ds_complete)
        res["deepscope"] = {"ready_s": ready, "first_series_s": done, "first_nonempty_s": first,
                            "rss_mib": server.rss_mib(), "load": loadavg()}
    res["deepscope"]["chart"] = ds_first_chart(b, deepscope_server(ds, work), [run_id])
    print(f"  deepscope small: {json.dumps(res['deepscope'])}", flush=True)
    if not tensorboard:
        return res
    tb = paths["tb_small"]
    tb_url = "/data/plugin/scalars/scalars?tag=tag0&run=small"
    for variant, keep in (("tb_default", None), ("tb_all", sizes.small_steps)):
        with tensorboard_server(tb, work, keep) as server:
            ready = server.wait_ready()
            first, done = poll_series(server, server.url + tb_url,
                                      lambda d: bool(d) and d[-1][1] == last, timeout=90)
            _, body, _ = http_get(server.url + tb_url)
            res[variant] = {"ready_s": ready, "first_series_s": done, "first_nonempty_s": first,
                            "points_served": len(json.loads(body)),
                            "rss_mib_tree": server.rss_mib(tree=True), "load": loadavg()}
        server = tensorboard_server(tb, work, keep)
        res[variant]["chart"] = tb_first_chart(b, server)
        log = server.log.read_text(errors="replace")
        res[variant]["log_tail"] = log[-300:]
        print(f"  {variant}: {json.dumps(res[variant])}", flush=True)
    return res


def phase_big(b: Any, paths: dict[str, Path], work: Path, sizes: Sizes,
              repeats: int) -> dict[str, Any]:
    logdir = paths["big"]
    run_id = run_ids_of(logdir)[0]
    res: dict[str, Any] = {}
    res["chart"] = ds_first_chart(b, deepscope_server(logdir, work), [run_id])
    with deepscope_server(logdir, work) as server:
        server.wait_ready()
        base = f"{server.url}/api/v1/runs/{run_id}/scalars?name=tag0"
        _, body, _ = http_get(base + "&max_points=6000")
        d = json.loads(body)
        res["down"] = timed(lambda: http_get(base + "&max_points=6000"), repeats,
                           points=len(d["steps"]), total=d["total"],
                           bytes_gzip=wire_size(base + "&max_points=6000"),
                           kept_spike=max(v for v in d["values"] if v is not None) >= 50,
                           load=loadavg())
        lo = int(sizes.big_steps * 0.45)
        hi = lo + sizes.big_steps // 10 - 1
        zoom = f"{base}&start={lo}&end={hi}&max_points=2000"  # the UI's budget for one run
        _, body, _ = http_get(zoom)
        d = json.loads(body)
        res["zoom"] = timed(lambda: http_get(zoom), repeats,
                           points=len(d["steps"]), total=d["total"], start=lo, end=hi,
                           load=loadavg())
        res["rss_mib"] = server.rss_mib()
    print(f"  big: {json.dumps(res)}", flush=True)
    return res


LIVE_SERIES = "live/loss"
LIVE_PAGE_JS = """() => {
  window.__bench = {seen: [], events: []};
  let last = null;
  const tick = () => {
    const s = window.__deepscope && window.__deepscope.chart('SERIES');
    if (s && s.series.length) {
      const steps = s.series[0].steps;
      const top = steps.length ? steps[steps.length - 1] : null;
      if (top !== last) { last = top; window.__bench.seen.push([Date.now(), top]); }
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  const es = new EventSource('/api/v1/events');
  es.addEventListener('update', (e) => {
    for (const r of JSON.parse(e.data).runs) window.__bench.events.push([Date.now(), r.last_step]);
  });
}""".replace("SERIES", LIVE_SERIES)


def live_writer(logdir: Path, points: int) -> None:
    """Child process: a run with some history, then 1 point every 0.1 s once told to go."""
    import deepscope
    go = logdir.parent / "live-go"
    times: list[tuple[int, float]] = []
    with deepscope.init(project="bench", name="live", logdir=logdir, exit_hooks=False,
                        live_diagnosis=None) as run:
        for step in range(200):
            run.log({LIVE_SERIES: 1.0 / (step + 1)}, step=step)
        print(run.id, flush=True)
        while not go.exists():
            time.sleep(0.02)
        next_at = time.time()
        for step in range(200, 200 + points):
            now = time.time()
            if now < next_at:
                time.sleep(next_at - now)
            times.append((step, time.time()))
            run.log({LIVE_SERIES: 1.0 / (step + 1)}, step=step)
            next_at += 0.1
        time.sleep(3)  # keep running while the page catches up
    (logdir.parent / "live-times.json").write_text(json.dumps(times))


def phase_live(b: Any, work: Path, sizes: Sizes) -> dict[str, Any]:
    live = work / "live" / "logs"
    shutil.rmtree(live.parent, ignore_errors=True)
    live.mkdir(parents=True)
    writer = subprocess.Popen([sys.executable, __file__, "--phase", "live-writer", "--workdir",
                               str(live), "--sizes", json.dumps(sizes.__dict__)],
                              stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None
    run_id = writer.stdout.readline().strip()
    with deepscope_server(live, work) as server:
        server.wait_ready()
        page = new_page(b)
        responses: list[Any] = []
        page.on("response", lambda r: responses.append(r) if "/scalars" in r.url else None)
        try:
            page.goto(f"{server.url}/#/scalars?runs={run_id}&smooth=0", wait_until="commit")
            page.wait_for_function(DS_CHART_DRAWN_JS, arg=20, polling=20, timeout=60_000)
            page.evaluate(LIVE_PAGE_JS)
            (live.parent / "live-go").touch()
            writer.wait(sizes.live_points * 0.1 + 60)
            time.sleep(0.5)
            seen = page.evaluate("() => window.__bench.seen")
            events = page.evaluate("() => window.__bench.events")
            fetches = []
            for r in responses:
                if "start=" not in r.url:
                    continue
                body = json.loads(r.body())
                sizes_ = r.request.sizes()
                fetches.append((len(body["steps"]), sizes_["responseBodySize"]))
        finally:
            close_page(page)
    times = json.loads((live.parent / "live-times.json").read_text())

    def latencies(observed: list[list[float]]) -> list[float]:
        out = []
        for step, t_log in times:
            hit = next((t / 1000 for t, top in observed if top is not None and top >= step), None)
            if hit is not None:
                out.append(hit - t_log)
        return out

    screen = latencies(seen)
    sse = latencies(events)
    res: dict[str, Any] = {"points": len(times), "seen_on_screen": len(screen),
                           "screen_p50_s": pct(screen, 50), "screen_p95_s": pct(screen, 95),
                           "screen_max_s": max(screen) if screen else None,
                           "sse_event_p50_s": pct(sse, 50), "sse_event_p95_s": pct(sse, 95),
                           "fetches": fetches, "load": loadavg()}
    if len(fetches) >= 2:
        pts = np.array([f[0] for f in fetches], float)
        byt = np.array([f[1] for f in fetches], float)
        if pts.std() > 0:
            slope, icept = np.polyfit(pts, byt, 1)
            res.update(bytes_per_point=float(slope), bytes_fixed=float(icept))
        res.update(fetch_points_median=float(np.median(pts)),
                   fetch_bytes_median=float(np.median(byt)))
    print(f"  live: {json.dumps({k: v for k, v in res.items() if k != 'fetches'})}", flush=True)
    return res


def pct(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


RUNS_ROWS_JS = """(n) => {
  const rows = document.querySelectorAll('table.runs-table tbody tr[data-run-id]').length;
  return rows >= n ? [Date.now(), rows] : false;
}"""


def phase_runs(b: Any, paths: dict[str, Path], work: Path, sizes: Sizes,
               repeats: int) -> dict[str, Any]:
    logdir = paths["many"]
    res: dict[str, Any] = {}
    flt = urllib.parse.quote("lr < 0.01")
    expected_filtered = sum(1 for i in range(sizes.many_runs) if [0.1, 0.03, 0.01, 0.003,
                                                                   0.001][i % 5] < 0.01)
    with deepscope_server(logdir, work) as server:
        server.wait_ready()
        for key, query in (("all", ""), ("filter", f"?filter={flt}")):
            url = f"{server.url}/api/v1/runs{query}"
            _, body, _ = http_get(url)
            res[f"server_{key}"] = timed(lambda u=url: http_get(u), repeats,
                                        runs=len(json.loads(body)["runs"]),
                                        bytes_gzip=wire_size(url), load=loadavg())
        for key, hash_, n in (("all", "#/runs", sizes.many_runs),
                              ("filter", f"#/runs?filter={flt}", expected_filtered),
                              ("filter_sort", f"#/runs?filter={flt}&sort=-c%3Alr",
                               expected_filtered)):
            page = new_page(b)
            try:
                page.goto(f"{server.url}/{hash_}", wait_until="commit")
                t, rows = page.wait_for_function(RUNS_ROWS_JS, arg=n, polling=20,
                                                 timeout=120_000).json_value()
                start = page.evaluate("() => performance.timeOrigin")
                api = [(n, round(s0 / 1000, 3), round(e / 1000, 3), size)
                       for n, s0, e, size in page.evaluate(RESOURCES_JS)]
                first = page.evaluate(
                    "() => document.querySelector('table.runs-table tbody tr[data-run-id]')"
                    ".innerText.replace(/\\s+/g, ' ').slice(0, 80)")
            finally:
                close_page(page)
            res[f"browser_{key}"] = {"rows_s": (t - start) / 1000, "rows": rows,
                                     "first_row": first, "load": loadavg(),
                                     "api_requests_from_navigation": api}
        res["rss_mib"] = server.rss_mib()
    print(f"  runs: {json.dumps(res)}", flush=True)
    return res


def phase_rss(b: Any, paths: dict[str, Path], work: Path, sizes: Sizes) -> dict[str, Any]:
    logdir = paths["rss"]
    ids = run_ids_of(logdir)[:10]
    res: dict[str, Any] = {}
    with deepscope_server(logdir, work) as server:
        server.wait_ready()
        res["after_start_mib"] = server.rss_mib()
        samples: list[float] = []
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                samples.append(server.rss_mib())
                time.sleep(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        try:
            page = new_page(b)
            try:
                page.goto(f"{server.url}/#/runs", wait_until="commit")
                page.wait_for_function(RUNS_ROWS_JS, arg=sizes.rss_runs, polling=50,
                                       timeout=120_000)
                res["after_runs_table_mib"] = server.rss_mib()
                page.goto(f"{server.url}/#/scalars?runs={','.join(ids)}", wait_until="commit")
                page.wait_for_function(DS_CHART_DRAWN_JS, arg=20, polling=50, timeout=120_000)
                page.wait_for_function(
                    "() => { const c = window.__deepscope && window.__deepscope.charts();"
                    " return c && c.length && c.every(n => !window.__deepscope.chart(n).loading"
                    f" && window.__deepscope.chart(n).series.length === {len(ids)}); }}",
                    polling=100, timeout=120_000)
                res["charts_loaded"] = page.evaluate("() => window.__deepscope.charts().length")
                res["after_charts_mib"] = server.rss_mib()
            finally:
                close_page(page)
            # One chart of 10 overlaid runs, as the UI asks for it, a few more times.
            q = "&".join(f"run={i}" for i in ids)
            for _ in range(5):
                http_get(f"{server.url}/api/v1/scalars?{q}&name=tag0&max_points=2000")
        finally:
            stop.set()
            sampler.join()
        assert server.proc is not None
        res.update(peak_sampled_mib=max(samples), final_mib=server.rss_mib(),
                   vm_hwm_mib=vm_kib(server.proc.pid, "VmHWM") / 1024, load=loadavg())
    print(f"  rss: {json.dumps(res)}", flush=True)
    return res


# ------------------------------------------------------------------------------------------------
# table


@dataclass
class Row:
    figure: str
    ours: float | None  # seconds (or MiB / bytes, see unit)
    peer: float | None = None
    peer_text: str = ""  # overrides the formatted peer value (anchors, n/a)
    target: float | None = None
    target_text: str = ""
    unit: str = "s"
    load: float | None = None
    passed: bool | None = None
    notes: list[str] = field(default_factory=list)

    def fmt(self, v: float | None) -> str:
        if v is None:
            return "-"
        if self.unit == "s":
            return f"{v * 1000:.0f} ms" if v < 1 else f"{v:.2f} s"
        if self.unit == "ms":
            return f"{v:.1f} ms" if v < 100 else f"{v:.0f} ms"
        if self.unit == "MiB":
            return f"{v:.0f} MiB"
        return f"{v:g} {self.unit}"

    def result(self) -> str:
        ok = self.passed
        if ok is None and self.target is not None and self.ours is not None:
            ok = self.ours < self.target
        return "-" if ok is None else ("PASS" if ok else "FAIL")

    def ratio(self) -> str:
        if self.peer is None or not self.ours:
            return "-"
        return f"{self.peer / self.ours:.1f}x"


def build_rows(r: dict[str, Any], sizes: Sizes) -> list[Row]:
    rows: list[Row] = []
    small = r.get("small")
    pts = f"{sizes.small_tags * sizes.small_steps / 1e6:g}M pts"
    if small:
        ds, tbd, tba = small["deepscope"], small.get("tb_default"), small.get("tb_all")
        rows.append(Row(f"{pts}: HTTP ready from launch", ds["ready_s"],
                        tbd and tbd["ready_s"], load=ds["load"]))
        rows.append(Row(f"{pts}: first series served from launch (TB default sample)",
                        ds["first_series_s"], tbd and tbd["first_series_s"],
                        peer_text="" if tbd else f"{ANCHOR_TB_FIRST_SERIES} s (anchor)",
                        load=tbd["load"] if tbd else ds["load"]))
        rows.append(Row(f"{pts}: first series served from launch (TB keeps all)",
                        ds["first_series_s"], tba and tba["first_series_s"],
                        peer_text="" if tba else f"{ANCHOR_TB_FIRST_SERIES_ALL} s (anchor)",
                        load=tba["load"] if tba else ds["load"]))
        rows.append(Row(f"{pts}: first chart drawn from launch (TB default sample)",
                        ds["chart"]["drawn_from_launch_s"],
                        tbd and tbd["chart"]["drawn_from_launch_s"],
                        peer_text="" if tbd else "not run",
                        load=tbd["chart"]["load"] if tbd else ds["chart"]["load"]))
        rows.append(Row(f"{pts}: first chart drawn from launch (TB keeps all)",
                        ds["chart"]["drawn_from_launch_s"],
                        tba and tba["chart"]["drawn_from_launch_s"],
                        peer_text="" if tba else "not run",
                        load=tba["chart"]["load"] if tba else ds["chart"]["load"]))
    big = r.get("big")
    bpts = f"{sizes.big_tags * sizes.big_steps / 1e6:g}M pts"
    tb_big = f"{ANCHOR_TB_10M} s (anchor, 10M pts, 1k sample)"
    if big:
        c = big["chart"]
        envelope = c.get("downsampled") and (c.get("max_value") or 0) >= 50
        rows.append(Row(f"{bpts}: first chart drawn after server ready", c["drawn_after_ready_s"],
                        peer_text=tb_big, target=1.0, load=c["load"],
                        passed=c["drawn_after_ready_s"] < 1.0 and bool(envelope)))
        full = sizes.big_tags * sizes.big_steps == 10_000_000  # the anchor's size
        rows.append(Row(f"{bpts}: all {c['charts_created']} charts on screen loaded, after ready",
                        c["all_loaded_after_ready_s"], load=c["load"]))
        rows.append(Row(f"{bpts}: first chart drawn from launch", c["drawn_from_launch_s"],
                        ANCHOR_TB_10M if full else None, peer_text=tb_big, target=2.0,
                        load=c["load"],
                        passed=c["drawn_from_launch_s"] < 2.0 and bool(envelope)))
        d = big["down"]
        rows.append(Row(f"{sizes.big_steps / 1e6:g}M-pt tag, max_points=6000 "
                        f"({d['points']} pts) GET median", d["median_ms"], unit="ms",
                        peer_text="n/a (TB serves a sample)", target=50, load=d["load"],
                        passed=d["median_ms"] < 50 and d["kept_spike"]))
        z = big["zoom"]
        rows.append(Row(f"zoom re-query, 10% of range ({z['points']} pts) GET median",
                        z["median_ms"], unit="ms", peer_text="n/a", target=100, load=z["load"]))
    live = r.get("live")
    if live:
        rows.append(Row("live: log() -> point on screen, p50", live["screen_p50_s"],
                        peer_text="n/a", target=1.0, load=live["load"]))
        rows.append(Row("live: log() -> point on screen, p95", live["screen_p95_s"],
                        peer_text="n/a", target=1.0, load=live["load"]))
        fetches = live["fetches"]
        if fetches:
            most = max(f[0] for f in fetches)
            row = Row("live: bytes per incremental fetch (median)",
                      live.get("fetch_bytes_median"), unit="B", peer_text="n/a",
                      target_text="~ new pts only", load=live["load"],
                      passed=most <= 30)
            row.notes.append(f"{live.get('fetch_points_median', 0):g} pts/fetch median, "
                             f"max {most}; fit {live.get('bytes_fixed', 0):.0f} B + "
                             f"{live.get('bytes_per_point', 0):.1f} B/pt (gzip)")
            rows.append(row)
    runs = r.get("runs")
    if runs:
        n = runs["server_all"]["runs"]
        for key, label in (("all", "all"), ("filter", "filter=lr < 0.01")):
            s = runs[f"server_{key}"]
            rows.append(Row(f"GET /api/v1/runs ({label}: {s['runs']} of {n} runs) median",
                            s["median_ms"], unit="ms", peer_text="n/a", target=1000,
                            load=s["load"]))
        for key, label in (("all", "all"), ("filter", "filtered"),
                           ("filter_sort", "filtered + sorted by lr")):
            s = runs[f"browser_{key}"]
            rows.append(Row(f"runs table rows shown ({label}, {s['rows']} rows), from navigation",
                            s["rows_s"], peer_text="n/a", target=1.0, load=s["load"]))
    rss = r.get("rss")
    if rss:
        rows.append(Row(f"server RSS, {sizes.rss_runs} runs x {sizes.rss_tags} x "
                        f"{sizes.rss_steps // 1000}k pts, peak", rss["peak_sampled_mib"],
                        unit="MiB", peer_text="n/a", target=500, load=rss["load"]))
    for row in rows:
        if row.target is not None and not row.target_text:
            row.target_text = "< " + row.fmt(row.target)
    return rows


def print_table(rows: list[Row], title: str, width: int | None) -> None:
    from rich.console import Console
    from rich.table import Table
    table = Table(title=title)
    for col, just in (("figure", "left"), ("deepscope", "right"), ("TensorBoard", "right"),
                      ("target", "right"), ("result", "center"), ("TB/ds", "right"),
                      ("load", "right")):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for row in rows:
        result = row.result()
        style = {"PASS": "green", "FAIL": "bold red"}.get(result, "")
        peer = row.peer_text or row.fmt(row.peer)
        table.add_row(row.figure, row.fmt(row.ours), peer or "-", row.target_text or "-",
                      f"[{style}]{result}[/]" if style else result, row.ratio(),
                      f"{row.load:.2f}" if row.load is not None else "-")
    Console(width=width or (None if sys.stdout.isatty() else 150)).print(table)
    for row in rows:
        for note in row.notes:
            print(f"  {row.figure}: {note}")


# ------------------------------------------------------------------------------------------------
# main


PHASES = ("small", "big", "live", "runs", "rss")


def child(args: argparse.Namespace) -> None:
    sizes = Sizes(**json.loads(args.sizes))
    path = Path(args.workdir)
    if args.phase == "live-writer":
        live_writer(path, sizes.live_points)
        return
    name = args.phase.split(":", 1)[1]
    {"ds_small": lambda: write_deepscope_small(path, sizes.small_tags, sizes.small_steps),
     "tb_small": lambda: write_tensorboard_small(path, sizes.small_tags, sizes.small_steps),
     "big": lambda: write_deepscope_big(path, sizes.big_tags, sizes.big_steps),
     "many": lambda: write_many(path, sizes.many_runs, sizes.many_tags, sizes.many_steps),
     "rss": lambda: write_rss(path, sizes.rss_runs, sizes.rss_tags, sizes.rss_steps)}[name]()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (~1/10)")
    parser.add_argument("--skip-tensorboard", action="store_true")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep the generated logdirs here and reuse them on the next run")
    parser.add_argument("--only", default=",".join(PHASES),
                        help=f"comma-separated phases to run ({','.join(PHASES)})")
    parser.add_argument("--repeats", type=int, default=21, help="timed GETs per server figure")
    parser.add_argument("--width", type=int, default=None, help="table width")
    parser.add_argument("--phase", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        child(args)
        return
    if not (ROOT / "src" / "deepscope" / "server" / "static" / "index.html").exists():
        sys.exit("the UI is not built: run `make web` first")
    sizes = Sizes.quick() if args.quick else Sizes.full()
    only = [p for p in args.only.split(",") if p]
    tensorboard = not args.skip_tensorboard
    OUT.mkdir(parents=True, exist_ok=True)
    temp = None
    if args.workdir:
        work = args.workdir / ("quick" if args.quick else "full")
    else:
        temp = tempfile.mkdtemp(prefix="deepscope-bench-dashboard-")
        work = Path(temp)
    work.mkdir(parents=True, exist_ok=True)
    started = time.time()
    print(f"load average at start: {os.getloadavg()}  (cores: {os.cpu_count()})", flush=True)
    try:
        print("preparing data (not timed)...", flush=True)
        paths = prepare(work, sizes, tensorboard and "small" in only)
        results: dict[str, Any] = {"sizes": sizes.__dict__, "load_start": os.getloadavg()}
        with browser() as b:
            if "small" in only:
                print("small run: launch -> ready / first series / first chart", flush=True)
                results["small"] = phase_small(b, paths, work, sizes, tensorboard)
            if "big" in only:
                print("big run (deepscope only)", flush=True)
                results["big"] = phase_big(b, paths, work, sizes, args.repeats)
            if "live" in only:
                print(f"live: {sizes.live_points} points at 10/s", flush=True)
                results["live"] = phase_live(b, work, sizes)
            if "runs" in only:
                print(f"{sizes.many_runs} runs", flush=True)
                results["runs"] = phase_runs(b, paths, work, sizes, args.repeats)
            if "rss" in only:
                print("server RSS", flush=True)
                results["rss"] = phase_rss(b, paths, work, sizes)
        results["load_end"] = os.getloadavg()
        stamp = time.strftime("%Y%m%d-%H%M%S")
        out = OUT / f"dashboard-{stamp}.json"
        out.write_text(json.dumps(results, indent=1, default=str))
        print(f"\nload average at end: {os.getloadavg()}; took {time.time() - started:.0f} s; "
              f"details in {out.relative_to(ROOT)}")
        if tensorboard and "small" in only:
            print(f"TensorBoard {tb_version()} (--load_fast=auto); anchors from other "
                  f"benchmarks: {ANCHORS_OTHERS}")
        print_table(build_rows(results, sizes),
                    f"dashboard benchmark ({'quick' if args.quick else 'full'})", args.width)
    finally:
        if temp:
            shutil.rmtree(temp, ignore_errors=True)


def tb_version() -> str:
    try:
        from importlib.metadata import version
        return version("tensorboard")
    except Exception:
        return "?"


if __name__ == "__main__":
    main()
