// From held series to what a chart draws: x per axis mode, raw and smoothed y, aligned for uPlot.
import { alignSeries, positiveOnly, type XY } from "./align";
import { smoothEma } from "./ema";
import type { XAxis } from "./route";
import { floorIndex, lowerBound, type SeriesData } from "./series";

export interface PlotOptions {
  xAxis: XAxis;
  smooth: number;
  logY: boolean;
  /** Run start times (epoch seconds) for the relative-time axis. */
  runStart: (runId: string) => number | undefined;
}

export interface PlotLine {
  runId: string;
  x: Float64Array; // in axis units
  raw: Float64Array;
  smooth: Float64Array | null; // null when smoothing is off
}

export interface PlotData {
  lines: PlotLine[];
  x: Float64Array;
  /** Per line: raw then (when smoothing) smoothed, aligned on `x`. */
  ys: (number | null)[][];
}

export function xValues(series: SeriesData, opts: Pick<PlotOptions, "xAxis" | "runStart">): Float64Array {
  if (opts.xAxis === "step") return series.steps;
  if (opts.xAxis === "wall") return series.wallTimes;
  const t0 = opts.runStart(series.runId) ?? series.wallTimes[0] ?? 0;
  return series.wallTimes.map((t) => t - t0);
}

export function buildPlotData(series: readonly SeriesData[], opts: PlotOptions): PlotData {
  const lines: PlotLine[] = series.map((s) => {
    const x = xValues(s, opts);
    // Smoothing runs over steps (the training clock) whatever the x axis shows.
    const smooth = opts.smooth > 0 ? smoothEma(s.steps, s.values, opts.smooth) : null;
    return { runId: s.runId, x, raw: s.values, smooth };
  });
  // Wall-time axes are not sorted when a run's clock jumps; uPlot needs ascending x.
  const xy: XY[] = [];
  for (const line of lines) {
    const order = ascendingOrder(line.x);
    xy.push(reorder(line.x, line.raw, order));
    if (line.smooth) xy.push(reorder(line.x, line.smooth, order));
  }
  const aligned = alignSeries(xy);
  const ys = opts.logY ? aligned.ys.map(positiveOnly) : aligned.ys;
  return { lines, x: aligned.x, ys };
}

function ascendingOrder(x: Float64Array): Int32Array | null {
  for (let i = 1; i < x.length; i++) {
    if (x[i]! < x[i - 1]!) {
      const order = Int32Array.from(x.keys());
      return order.sort((a, b) => x[a]! - x[b]!);
    }
  }
  return null;
}

function reorder(x: Float64Array, y: Float64Array, order: Int32Array | null): XY {
  if (!order) return { x, y };
  return { x: Float64Array.from(order, (i) => x[i]!), y: Float64Array.from(order, (i) => y[i]!) };
}

/**
 * Steps to re-query after zooming to [x0, x1] on the x axis: per run, from the last held point
 * at or before x0 to the first at or after x1 (so lines enter and leave the view), then the
 * union over runs. Null when no run has points there.
 */
export function stepRangeForX(lines: readonly { x: Float64Array; steps: Float64Array }[], x0: number, x1: number): [number, number] | null {
  let start = Infinity;
  let end = -Infinity;
  for (const { x, steps } of lines) {
    if (x.length === 0) continue;
    const sorted = isAscending(x);
    if (!sorted) {
      // Unsorted time axis: scan.
      for (let i = 0; i < x.length; i++) {
        if (x[i]! >= x0 && x[i]! <= x1) {
          start = Math.min(start, steps[i]!);
          end = Math.max(end, steps[i]!);
        }
      }
      continue;
    }
    const i0 = Math.max(floorIndex(x, x0), 0);
    const i1 = Math.min(lowerBound(x, x1), x.length - 1);
    if (i1 < i0) continue;
    start = Math.min(start, steps[i0]!);
    end = Math.max(end, steps[i1]!);
  }
  return Number.isFinite(start) && Number.isFinite(end) ? [Math.floor(start), Math.ceil(end)] : null;
}

function isAscending(x: Float64Array): boolean {
  for (let i = 1; i < x.length; i++) if (x[i]! < x[i - 1]!) return false;
  return true;
}

/** Per-run budget of points so that many overlaid runs stay light (2,000 each up to 10 runs). */
export function pointsPerRun(runs: number, perRun = 2000, total = 20000, floor = 300): number {
  return Math.max(floor, Math.min(perRun, Math.floor(total / Math.max(runs, 1))));
}
