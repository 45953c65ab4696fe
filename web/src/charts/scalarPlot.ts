// One scalar chart: holds each run's points, fetches (and re-fetches on zoom, appends on live
// updates) and draws them with uPlot. Imperative on purpose: uPlot owns its canvas, and a chart
// must not re-render through Preact on every mouse move.
import uPlot from "uplot";
import { isAbort, type ApiClient } from "../api/client";
import { runColor, withAlpha } from "../lib/colors";
import { formatDuration, formatNumber, formatTime } from "../lib/format";
import { buildPlotData, pointsPerRun, stepRangeForX, type PlotData, type PlotOptions } from "../lib/plotData";
import type { XAxis } from "../lib/route";
import { fromResponse, lastStep, mergeTail, type SeriesData } from "../lib/series";
import { registerChart, unregisterChart } from "./debug";
import { drawNonfiniteMarkers } from "./nonfiniteMarkers";
import { renderTooltip, tooltipRows } from "./tooltip";
import { axisStyle } from "./theme";
import { numberAxis, tickValues } from "./uplotHelpers";

const HEIGHT = 226; // px, plot and axes
const LIVE_RETRY_MS = 1000; // live updates that arrived during a fetch are taken this much later

export interface ScalarPlotSettings {
  runIds: string[];
  smooth: number;
  xAxis: XAxis;
  logY: boolean;
  runStart: (runId: string) => number | undefined;
  runName: (runId: string) => string;
  /** Step range to zoom to (from the URL), or null. */
  range: [number, number] | null;
  /** The user reset the zoom (double-click or the chip). */
  onZoomReset?: () => void;
}

export interface ScalarPlotStatus {
  loading: boolean;
  error: string | null;
  zoom: [number, number] | null; // step range when zoomed
  points: number; // points held
  total: number; // points on the server for the shown range
  empty: boolean;
}

interface Zoom {
  x0: number | null; // null: the x extent of the fetched points (a step range on a time axis)
  x1: number | null;
  start: number;
  end: number;
}

/** The zoom for a step range from the URL: exact on the step axis, the points' extent otherwise. */
function zoomForRange(range: [number, number] | null, xAxis: XAxis): Zoom | null {
  if (!range) return null;
  const [start, end] = range;
  return xAxis === "step" ? { x0: start, x1: end, start, end } : { x0: null, x1: null, start, end };
}

function sameRange(a: [number, number] | null, b: [number, number] | null): boolean {
  return a === b || (a !== null && b !== null && a[0] === b[0] && a[1] === b[1]);
}

export class ScalarPlot {
  private readonly held = new Map<string, SeriesData>();
  private readonly requested = new Set<string>(); // runs asked for (a run may lack this series)
  private plot: uPlot | null = null;
  private plotKey = "";
  private data: PlotData | null = null;
  private zoom: Zoom | null = null;
  private controller = new AbortController();
  private readonly tooltip: HTMLDivElement;
  private readonly resize: ResizeObserver;
  private readonly pendingLive = new Map<string, number | null>();
  private liveBusy = false;
  private readonly snapshotFn = (): object => this.snapshot();
  private status: ScalarPlotStatus = { loading: true, error: null, zoom: null, points: 0, total: 0, empty: false };

  constructor(
    private readonly el: HTMLElement,
    private readonly client: ApiClient,
    private readonly name: string,
    private settings: ScalarPlotSettings,
    private readonly onStatus: (status: ScalarPlotStatus) => void,
  ) {
    this.tooltip = document.createElement("div");
    this.tooltip.className = "chart-tooltip";
    this.tooltip.hidden = true;
    this.resize = new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: HEIGHT }));
    this.resize.observe(el);
    registerChart(name, this.snapshotFn);
    this.zoom = zoomForRange(settings.range, settings.xAxis);
    void this.fetch(settings.runIds);
  }

  /** New settings from the toolbar or a new run selection. */
  update(settings: ScalarPlotSettings): void {
    const old = this.settings;
    this.settings = settings;
    const rangeChanged = !sameRange(old.range, settings.range);
    if (rangeChanged || (old.xAxis !== settings.xAxis && this.zoom)) {
      // A step range dragged on one axis means little on another; the URL's range holds on all.
      const target = zoomForRange(settings.range, settings.xAxis);
      if (target || this.zoom) {
        this.zoom = target;
        this.held.clear();
        this.requested.clear();
        void this.fetch(settings.runIds);
        return;
      }
    }
    const added = settings.runIds.filter((id) => !this.requested.has(id));
    for (const id of [...this.requested]) {
      if (settings.runIds.includes(id)) continue;
      this.requested.delete(id);
      this.held.delete(id);
    }
    if (added.length) void this.fetch(added);
    this.render();
  }

  /** A live update listed these runs (id -> last step): fetch their new points. */
  live(runs: Map<string, number | null>): void {
    for (const [id, step] of runs) if (this.settings.runIds.includes(id)) this.pendingLive.set(id, step);
    void this.flushLive();
  }

  destroy(): void {
    this.controller.abort();
    this.resize.disconnect();
    this.plot?.destroy();
    this.plot = null;
    this.tooltip.remove();
    unregisterChart(this.name, this.snapshotFn);
  }

  resetZoom(): void {
    if (!this.zoom) return;
    this.zoom = null;
    this.held.clear();
    this.requested.clear();
    void this.fetch(this.settings.runIds);
    this.settings.onZoomReset?.();
  }

  // -- data ---------------------------------------------------------------------------------

  private async fetch(runIds: string[]): Promise<void> {
    if (runIds.length === 0) {
      this.render();
      return;
    }
    const signal = this.controller.signal;
    for (const id of runIds) this.requested.add(id);
    this.setStatus({ loading: true, error: null });
    const zoom = this.zoom;
    try {
      const response = await this.client.readScalarsMulti(
        runIds,
        [this.name],
        { start: zoom?.start, end: zoom?.end, max_points: pointsPerRun(this.settings.runIds.length) },
        signal,
      );
      if (zoom !== this.zoom) return; // zoom changed meanwhile; that fetch will land instead
      for (const s of response.series) {
        if (this.settings.runIds.includes(s.run_id)) this.held.set(s.run_id, fromResponse(s));
      }
      this.setStatus({ loading: false });
      this.render();
    } catch (error) {
      if (isAbort(error)) return;
      this.setStatus({ loading: false, error: error instanceof Error ? error.message : String(error) });
    }
  }

  private async flushLive(): Promise<void> {
    if (this.controller.signal.aborted || this.liveBusy || this.zoom || this.pendingLive.size === 0) return;
    this.liveBusy = true;
    const pending = [...this.pendingLive];
    this.pendingLive.clear();
    const budget = pointsPerRun(this.settings.runIds.length);
    const fresh: string[] = [];
    const signal = this.controller.signal;
    try {
      await Promise.all(
        pending.map(async ([id, runLast]) => {
          const held = this.held.get(id);
          const last = held ? lastStep(held) : null;
          if (!held || last === null) {
            fresh.push(id);
            return;
          }
          if (runLast !== null && runLast <= last) return;
          const start = last + 1;
          const incoming = fromResponse(await this.client.readScalars(id, this.name, { start, max_points: budget }, signal));
          const current = this.held.get(id);
          if (!current || this.zoom) return;
          const merged = mergeTail(current, incoming, start);
          // Appending raw points forever would outgrow the budget: re-fetch a downsampled whole.
          if (merged.steps.length > 3 * budget) fresh.push(id);
          else this.held.set(id, merged);
        }),
      );
      if (fresh.length) await this.fetch(fresh);
      else this.render();
    } catch (error) {
      if (!isAbort(error)) this.setStatus({ error: error instanceof Error ? error.message : String(error) });
    } finally {
      this.liveBusy = false;
      // Updates that came in meanwhile: take them in a second, not at the next event.
      if (this.pendingLive.size) setTimeout(() => void this.flushLive(), LIVE_RETRY_MS);
    }
  }

  // -- drawing ------------------------------------------------------------------------------

  private plotOptions(): PlotOptions {
    return { xAxis: this.settings.xAxis, smooth: this.settings.smooth, logY: this.settings.logY, runStart: this.settings.runStart };
  }

  private render(): void {
    if (this.controller.signal.aborted) return; // destroyed
    const series = this.settings.runIds.map((id) => this.held.get(id)).filter((s): s is SeriesData => s !== undefined);
    const data = buildPlotData(series, this.plotOptions());
    this.data = data;
    const points = series.reduce((n, s) => n + s.steps.length, 0);
    const total = series.reduce((n, s) => n + s.total, 0);
    this.setStatus({ points, total, empty: series.length === 0 && !this.status.loading, zoom: this.zoom ? [this.zoom.start, this.zoom.end] : null });
    const aligned = [data.x, ...data.ys] as uPlot.AlignedData;
    const key = `${data.lines.map((l) => l.runId).join(",")}|${this.settings.smooth > 0}|${this.settings.logY}|${this.settings.xAxis}`;
    if (this.plot && key === this.plotKey) {
      const zoom = this.zoom;
      this.plot.setData(aligned, !zoom || zoom.x0 === null);
      if (zoom && zoom.x0 !== null && zoom.x1 !== null) this.plot.setScale("x", { min: zoom.x0, max: zoom.x1 });
      return;
    }
    this.plot?.destroy();
    this.plotKey = key;
    this.plot = new uPlot(this.options(data), aligned, this.el);
    this.plot.over.appendChild(this.tooltip);
    if (this.zoom && this.zoom.x0 !== null && this.zoom.x1 !== null) this.plot.setScale("x", { min: this.zoom.x0, max: this.zoom.x1 });
  }

  private options(data: PlotData): uPlot.Options {
    const smoothing = this.settings.smooth > 0;
    const series: uPlot.Series[] = [{}];
    for (const line of data.lines) {
      const color = runColor(line.runId);
      const label = this.settings.runName(line.runId);
      if (smoothing) series.push({ label: `${label} (raw)`, stroke: withAlpha(color, 0.22), width: 1, spanGaps: true, points: { show: false } });
      series.push({ label, stroke: color, width: 1.6, spanGaps: true, points: { size: 4 } });
    }
    const xAxis = this.settings.xAxis;
    return {
      width: this.width(),
      height: HEIGHT,
      series,
      legend: { show: false },
      scales: {
        x: { time: xAxis === "wall" },
        y: this.settings.logY ? { distr: 3, log: 10 } : { auto: true },
      },
      axes: [
        { ...axisStyle(), size: xAxis === "wall" ? 46 : 32, values: xAxis === "relative" ? tickValues(formatDuration) : xAxis === "step" ? tickValues((v) => formatNumber(v, 3)) : undefined },
        numberAxis(),
      ],
      cursor: {
        drag: { x: true, y: false, setScale: false },
        points: { show: false },
        bind: { dblclick: () => () => (this.resetZoom(), null) },
      },
      hooks: {
        setSelect: [(u) => this.onSelect(u)],
        setCursor: [(u) => this.onCursor(u)],
        draw: [(u) => this.data && drawNonfiniteMarkers(u, this.data.lines)],
      },
    };
  }

  private onSelect(u: uPlot): void {
    const { left, width } = u.select;
    if (width < 3) return;
    const x0 = u.posToVal(left, "x");
    const x1 = u.posToVal(left + width, "x");
    u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
    const lines = (this.data?.lines ?? []).map((line) => ({ x: line.x, steps: this.held.get(line.runId)?.steps ?? new Float64Array() }));
    const range = stepRangeForX(lines, x0, x1);
    if (!range) return;
    this.zoom = { x0, x1, start: range[0], end: range[1] };
    u.setScale("x", { min: x0, max: x1 }); // coarse at once; detail follows from the server
    void this.fetch(this.settings.runIds);
  }

  private onCursor(u: uPlot): void {
    const left = u.cursor.left ?? -1;
    if (left < 0 || !this.data || this.data.lines.length === 0) {
      this.tooltip.hidden = true;
      return;
    }
    const x = u.posToVal(left, "x");
    const slack = Math.abs(u.posToVal(left + 8, "x") - x); // 8 px of grace at a line's ends
    const rows = tooltipRows(this.data.lines, x, slack, this.settings.runName);
    renderTooltip(this.tooltip, this.formatX(rows.length === 1 ? rows[0]!.at : x), rows);
    const width = this.tooltip.offsetWidth;
    const flip = left + 14 + width > u.over.clientWidth;
    this.tooltip.style.left = `${flip ? Math.max(left - width - 14, 0) : left + 14}px`;
    this.tooltip.style.top = "6px";
  }

  private formatX(x: number): string {
    if (this.settings.xAxis === "wall") return formatTime(x);
    if (this.settings.xAxis === "relative") return formatDuration(x);
    return `step ${formatNumber(Math.round(x))}`;
  }

  private width(): number {
    return Math.max(this.el.clientWidth, 200);
  }

  private setStatus(patch: Partial<ScalarPlotStatus>): void {
    this.status = { ...this.status, ...patch };
    this.onStatus(this.status);
  }

  private snapshot(): object {
    return {
      zoom: this.zoom ? { start: this.zoom.start, end: this.zoom.end } : null,
      loading: this.status.loading,
      series: [...this.held.values()].map((s) => ({
        run_id: s.runId,
        color: runColor(s.runId),
        steps: Array.from(s.steps),
        values: Array.from(s.values),
        downsampled: s.downsampled,
        total: s.total,
      })),
      drawn_series: this.plot ? this.plot.series.length - 1 : 0,
    };
  }
}
