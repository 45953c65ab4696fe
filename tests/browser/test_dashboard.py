"""The dashboard in a real browser: runs table, overlays, drawing, zoom, live updates, safety."""

from __future__ import annotations

import http.client
import math
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser

import deepscope

from .conftest import (
    ARTIFACTS,
    FINDING_DETECTOR,
    FINDING_STEPS,
    HOSTILE_NAME,
    NAN_STEP,
    SPIKE_STEP,
    SPIKE_VALUE,
    SPIKY_POINTS,
    Fixture,
    PageWatch,
)

CHART_READY = """([name, runs]) => {
  const c = window.__deepscope && window.__deepscope.chart(name);
  return !!c && !c.loading && c.series.length >= runs && c.drawn_series >= runs;
}"""
ZOOMED = """(name) => {
  const c = window.__deepscope.chart(name);
  return c.zoom && !c.loading && c.series[0].steps[0] >= c.zoom.start;
}"""
UNZOOMED = """(name) => {
  const c = window.__deepscope.chart(name);
  return !c.zoom && !c.loading && c.series.length > 0;
}"""
LAST_STEP_IS = """([name, step]) =>
  window.__deepscope.chart(name).series[0].steps.slice(-1)[0] === step"""

# Pixels of each run's colour on a chart's canvas (within a small RGB distance).
COLOUR_PIXELS = """([name, colours]) => {
  const canvas = document.querySelector(`[data-series="${name}"] canvas`);
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  const rgb = colours.map((h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)));
  const counts = colours.map(() => 0);
  let inked = 0;
  for (let p = 0; p < data.length; p += 4) {
    if (data[p + 3] < 200) continue;
    inked++;
    rgb.forEach(([r, g, b], k) => {
      const d = Math.abs(data[p] - r) + Math.abs(data[p + 1] - g) + Math.abs(data[p + 2] - b);
      if (d < 40) counts[k]++;
    });
  }
  return { counts, inked };
}"""


def chart(page: PageWatch, name: str) -> dict[str, Any]:
    """What the chart holds (window.__deepscope, see web/src/charts/debug.ts)."""
    snapshot: dict[str, Any] = page.page.evaluate("(n) => window.__deepscope.chart(n)", name)
    return snapshot


def wait_chart(page: PageWatch, name: str, runs: int) -> dict[str, Any]:
    page.page.locator(f'[data-series="{name}"]').scroll_into_view_if_needed()
    page.page.wait_for_function(CHART_READY, arg=[name, runs])
    return chart(page, name)


def plot_box(page: PageWatch, name: str) -> dict[str, float]:
    box = page.page.locator(f'[data-series="{name}"] .u-over').bounding_box()
    assert box is not None
    return dict(box)


def assert_clean(page: PageWatch) -> None:
    assert page.dialogs == [], f"a dialog fired: {page.dialogs}"
    assert page.csp_violations() == [], "the page broke the CSP (inline style or script?)"
    assert page.errors == [], page.errors


def test_runs_table_lists_runs(server: deepscope.DashboardServer, logdir_fixture: Fixture,
                               page: PageWatch) -> None:
    pg = page.page
    pg.goto(server.url + "#/runs")
    pg.locator("table.runs-table tbody tr").first.wait_for()
    text = pg.locator("table.runs-table").inner_text()
    for name in ("alpha", "beta", "spiky-200k", HOSTILE_NAME):
        assert name in text
    for run_id in (logdir_fixture.alpha, logdir_fixture.beta):
        assert pg.locator(f'tr[data-run-id="{run_id}"]').count() == 1
    # Config keys are columns; sorting by one puts the smaller lr first.
    pg.locator("th", has_text="lr").first.click()
    names = pg.locator("table.runs-table tbody .run-name").all_inner_texts()
    assert [n for n in names if n in ("alpha", "beta")] == ["beta", "alpha"]
    assert "sort=c%3Alr" in pg.url or "sort=c:lr" in pg.url
    assert_clean(page)


def test_finding_badge_opens_the_evidence_chart(server: deepscope.DashboardServer,
                                                logdir_fixture: Fixture, page: PageWatch) -> None:
    pg = page.page
    pg.goto(server.url + "#/runs")
    badge = pg.locator(f'tr[data-run-id="{logdir_fixture.beta}"] .findings-badge')
    badge.wait_for()
    title = badge.get_attribute("title") or ""
    assert "warning" in title, title
    badge.click()
    pg.wait_for_url(lambda url: "section=findings" in url and "#/run?" in url)
    finding = pg.locator(f'li.finding[data-detector="{FINDING_DETECTOR}"]')
    finding.wait_for()
    text = finding.inner_text()
    for part in ("warning", "plateau", FINDING_DETECTOR, "val/loss stopped improving",
                 "Lower the learning rate."):
        assert part.lower() in text.lower(), (part, text)
    finding.click()
    pg.wait_for_url(lambda url: "#/scalars?" in url)
    query = parse_qs(urlsplit(pg.url).fragment.split("?", 1)[1])
    assert query["runs"] == [logdir_fixture.beta]
    start, end = (int(v) for v in query["range"][0].split(","))
    assert start < FINDING_STEPS[0] and FINDING_STEPS[1] < end < 299
    assert "val/loss" in query["series"][0] and "train/loss" in query["series"][0]
    for name in ("val/loss", "train/loss"):
        snap = wait_chart(page, name, 1)
        pg.wait_for_function(ZOOMED, arg=name)
        snap = chart(page, name)
        assert snap["zoom"] == {"start": start, "end": end}
        steps = snap["series"][0]["steps"]
        assert steps and steps[0] >= start and steps[-1] <= end
    # Only the evidence series are shown.
    assert pg.locator("[data-series]").count() == 2
    # The URL alone reproduces the view (bookmarkable).
    pg.reload()
    wait_chart(page, "val/loss", 1)
    pg.wait_for_function(ZOOMED, arg="val/loss")
    assert_clean(page)


def test_config_filter_goes_to_the_server(server: deepscope.DashboardServer,
                                          page: PageWatch) -> None:
    pg = page.page
    pg.goto(server.url + "#/runs")
    pg.locator("table.runs-table tbody tr").first.wait_for()
    with pg.expect_request(lambda r: "/api/v1/runs" in r.url and "filter=" in r.url) as req:
        pg.fill("input[name=filter]", "lr < 0.005")
        pg.press("input[name=filter]", "Enter")
    assert parse_qs(urlsplit(req.value.url).query)["filter"] == ["lr < 0.005"]
    pg.wait_for_function(
        "() => document.querySelectorAll('table.runs-table tbody tr').length === 1")
    assert "beta" in pg.locator("table.runs-table tbody").inner_text()
    assert "filter=" in pg.url  # bookmarkable
    assert_clean(page)


def test_two_selected_runs_are_overlaid_and_drawn(server: deepscope.DashboardServer,
                                                  logdir_fixture: Fixture,
                                                  page: PageWatch) -> None:
    pg = page.page
    pg.goto(server.url + "#/runs")
    for run_id in (logdir_fixture.alpha, logdir_fixture.beta):
        pg.locator(f'tr[data-run-id="{run_id}"] input[type=checkbox]').check()
    pg.get_by_role("button", name="Compare charts").click()
    snap = wait_chart(page, "train/loss", 2)
    assert {s["run_id"] for s in snap["series"]} == {logdir_fixture.alpha, logdir_fixture.beta}
    assert snap["drawn_series"] == 4  # each run: faint raw line + smoothed line
    colours = [s["color"] for s in snap["series"]]
    assert colours[0] != colours[1]
    pixels = pg.evaluate(COLOUR_PIXELS, ["train/loss", colours])
    assert pixels["inked"] > 1000, pixels
    assert all(n > 50 for n in pixels["counts"]), f"a run's line is missing: {pixels}"
    # The planted NaN is kept (drawn as a marker), not dropped.
    alpha = next(s for s in snap["series"] if s["run_id"] == logdir_fixture.alpha)
    assert math.isnan(alpha["values"][alpha["steps"].index(NAN_STEP)])
    # Hovering lists both runs' values.
    box = plot_box(page, "train/loss")
    pg.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    tooltip = pg.locator('[data-series="train/loss"] .chart-tooltip')
    tooltip.wait_for()
    assert "alpha" in tooltip.inner_text() and "beta" in tooltip.inner_text()
    assert "runs=" in pg.url  # the selection is in the URL
    assert_clean(page)


def test_zoom_requeries_and_keeps_the_spike(server: deepscope.DashboardServer,
                                            logdir_fixture: Fixture, page: PageWatch) -> None:
    pg = page.page
    pg.goto(server.url + f"#/scalars?runs={logdir_fixture.spiky}&smooth=0")
    (series,) = wait_chart(page, "spiky/loss", 1)["series"]
    assert series["downsampled"] and series["total"] == SPIKY_POINTS
    assert len(series["steps"]) <= 2100
    # Downsampling keeps each bucket's max: the one-step spike is there before any zoom.
    assert max(series["values"]) == SPIKE_VALUE
    assert series["steps"][series["values"].index(SPIKE_VALUE)] == SPIKE_STEP

    box = plot_box(page, "spiky/loss")
    x0 = box["x"] + box["width"] * 0.55  # the spike sits at 61.7% of the steps
    x1 = box["x"] + box["width"] * 0.66
    y = box["y"] + box["height"] * 0.5
    with pg.expect_request(lambda r: "/api/v1/scalars" in r.url and "start=" in r.url) as req:
        pg.mouse.move(x0, y)
        pg.mouse.down()
        pg.mouse.move(x1, y, steps=8)
        pg.mouse.up()
    query = parse_qs(urlsplit(req.value.url).query)
    start, end = int(query["start"][0]), int(query["end"][0])
    assert 100_000 < start < SPIKE_STEP < end < 140_000
    pg.wait_for_function(ZOOMED, arg="spiky/loss")
    zoomed = chart(page, "spiky/loss")["series"][0]
    assert zoomed["steps"][0] >= start and zoomed["steps"][-1] <= end
    assert max(zoomed["values"]) == SPIKE_VALUE
    assert zoomed["steps"][zoomed["values"].index(SPIKE_VALUE)] == SPIKE_STEP
    # Finer detail than before: more points per step of range.
    assert len(zoomed["steps"]) / (end - start) > len(series["steps"]) / SPIKY_POINTS

    # Double-click resets the zoom and fetches the whole range again.
    pg.mouse.dblclick(x0, y)
    pg.wait_for_function(UNZOOMED, arg="spiky/loss")
    assert chart(page, "spiky/loss")["series"][0]["steps"][-1] == SPIKY_POINTS - 1
    assert_clean(page)


def test_live_run_shows_new_points_without_reload(server: deepscope.DashboardServer,
                                                  logdir_fixture: Fixture,
                                                  page: PageWatch) -> None:
    run = deepscope.init(project="browser", name="live-run", config={"lr": 0.5},
                         logdir=logdir_fixture.logdir, exit_hooks=False)
    try:
        for step in range(10):
            run.log({"live/loss": 1.0 / (step + 1)}, step=step)
        run.flush()
        pg = page.page
        pg.goto(server.url + f"#/scalars?runs={run.id}")
        assert wait_chart(page, "live/loss", 1)["series"][0]["steps"][-1] == 9
        pg.evaluate("window.__sameDocument = true")
        incremental = f"/api/v1/runs/{run.id}/scalars"
        with pg.expect_request(lambda r: incremental in r.url and "start=10" in r.url):
            for step in range(10, 40):
                run.log({"live/loss": 1.0 / (step + 1)}, step=step)
            run.flush()
        pg.wait_for_function(LAST_STEP_IS, arg=["live/loss", 39])
        steps = chart(page, "live/loss")["series"][0]["steps"]
        assert steps == list(range(40))  # appended once each, in order
        assert pg.evaluate("window.__sameDocument") is True  # no reload happened
        assert pg.locator(".run-item .status-running").count() >= 1  # the live dot
    finally:
        run.finish()
    assert_clean(page)


def test_hostile_run_name_is_shown_as_text(server: deepscope.DashboardServer,
                                           logdir_fixture: Fixture, page: PageWatch) -> None:
    pg = page.page
    pg.goto(server.url + "#/runs")
    row = pg.locator(f'tr[data-run-id="{logdir_fixture.hostile}"]')
    row.wait_for()
    assert HOSTILE_NAME in row.inner_text()
    assert "<script>alert(2)</script>" in row.inner_text()
    pg.goto(server.url + f"#/run?run={logdir_fixture.hostile}")
    pg.locator(".text-block").first.wait_for()
    assert pg.locator(".run-title-name").inner_text() == HOSTILE_NAME
    assert pg.locator(".text-block").first.inner_text() == "<img src=x onerror=alert(3)>"
    pg.goto(server.url + f"#/scalars?runs={logdir_fixture.hostile}")
    wait_chart(page, "train/loss", 1)
    box = plot_box(page, "train/loss")
    pg.mouse.move(box["x"] + 2, box["y"] + box["height"] * 0.5)  # its one point is at step 0
    tooltip = pg.locator(".chart-tooltip")
    tooltip.wait_for()
    assert HOSTILE_NAME in tooltip.inner_text()  # the tooltip shows it as text too
    assert pg.locator("img[src=x], img[src='x']").count() == 0
    assert pg.locator("script:not([src])").count() == 0
    assert_clean(page)


def test_foreign_host_header_is_refused(server: deepscope.DashboardServer) -> None:
    def status(path: str, host: str) -> int:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            conn.request("GET", path, headers={"Host": host})
            return conn.getresponse().status
        finally:
            conn.close()

    assert status("/", "evil.example") == 403
    assert status("/api/v1/runs", "evil.example") == 403
    assert status("/api/v1/runs", f"127.0.0.1:{server.port}") == 200


@pytest.mark.parametrize("view", ["runs", "scalars", "layers", "run"])
def test_every_view_renders_cleanly(server: deepscope.DashboardServer, logdir_fixture: Fixture,
                                    page: PageWatch, view: str) -> None:
    pg = page.page
    runs = f"{logdir_fixture.alpha},{logdir_fixture.beta}"
    pg.goto(server.url + f"#/{view}?runs={runs}&run={logdir_fixture.alpha}")
    ready = {
        "runs": ["table.runs-table tbody tr"],
        "scalars": ['[data-series="train/loss"] canvas'],
        "layers": [".hist-canvas", "table.layers-table tbody tr", ".tensor-item", ".model-tree"],
        "run": [".run-title-name", ".kv-table"],
    }[view]
    for selector in ready:
        pg.locator(selector).first.wait_for()
    pg.wait_for_timeout(500)
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"view-{view}.png"))
    assert_clean(page)


def test_token_from_url_is_used_for_api_and_events(logdir_fixture: Fixture,
                                                    browser: Browser) -> None:
    srv = deepscope.serve(logdir_fixture.logdir, port=0, token="s3cret-token", block=False)
    context = browser.new_context()
    try:
        pg = context.new_page()
        seen: list[tuple[str, str | None]] = []
        pg.on("request", lambda r: seen.append((r.url, r.headers.get("authorization"))))
        pg.goto(f"http://127.0.0.1:{srv.port}/?token=s3cret-token#/runs")
        pg.locator("table.runs-table tbody tr").first.wait_for(timeout=15_000)
        assert "token=" not in pg.url  # out of the address bar, kept in sessionStorage
        api = [auth for url, auth in seen if "/api/v1/" in url and "/events" not in url]
        assert api and all(auth == "Bearer s3cret-token" for auth in api)
        pg.locator(".live-badge.live-live").wait_for(timeout=15_000)
        assert any("/api/v1/events?token=s3cret-token" in url for url, _ in seen)
    finally:
        context.close()
        srv.stop()


def test_artifacts_dir_is_ignored_by_git() -> None:
    root = Path(__file__).resolve().parents[2]
    assert "tests/browser/artifacts/" in (root / ".gitignore").read_text()
