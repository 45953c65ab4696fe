// Scalar series as the charts hold them: decoded numbers in typed arrays, ordered by step.
import type { ScalarSeriesResponse } from "../api/types";
import { decodeValues } from "./nonfinite";

export interface SeriesData {
  runId: string;
  name: string;
  steps: Float64Array;
  values: Float64Array; // NaN/+-Inf restored from `nonfinite`
  wallTimes: Float64Array;
  downsampled: boolean;
  total: number; // points in the requested range on the server
}

export function fromResponse(response: ScalarSeriesResponse): SeriesData {
  return {
    runId: response.run_id,
    name: response.name,
    steps: Float64Array.from(response.steps),
    values: decodeValues(response.values, response.nonfinite),
    wallTimes: Float64Array.from(response.wall_times),
    downsampled: response.downsampled,
    total: response.total,
  };
}

/** The largest step held (null for an empty series). */
export function lastStep(series: SeriesData): number | null {
  return series.steps.length ? series.steps[series.steps.length - 1] : null;
}

/**
 * Live append: `incoming` answers a query for steps `>= start`, so every held point at or past
 * `start` is replaced by it (a re-sent step is never doubled) and earlier points are kept.
 */
export function mergeTail(held: SeriesData, incoming: SeriesData, start: number): SeriesData {
  const keep = lowerBound(held.steps, start);
  return {
    ...held,
    steps: concat(held.steps.subarray(0, keep), incoming.steps),
    values: concat(held.values.subarray(0, keep), incoming.values),
    wallTimes: concat(held.wallTimes.subarray(0, keep), incoming.wallTimes),
    downsampled: held.downsampled || incoming.downsampled,
    total: countBefore(held, keep) + incoming.total,
  };
}

function countBefore(held: SeriesData, keep: number): number {
  // Held points may be a downsampled view: scale the server's total by the kept share.
  if (!held.downsampled || held.steps.length === 0) return keep;
  return Math.round((held.total * keep) / held.steps.length);
}

function concat(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** First index whose value is >= x in an ascending array. */
export function lowerBound(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the last value <= x, or -1. */
export function floorIndex(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Index of the value nearest to x (ties go left), or -1 for an empty array. */
export function nearestIndex(sorted: ArrayLike<number>, x: number): number {
  if (sorted.length === 0) return -1;
  const i = lowerBound(sorted, x);
  if (i === 0) return 0;
  if (i === sorted.length) return i - 1;
  return x - sorted[i - 1] <= sorted[i] - x ? i - 1 : i;
}

/** Step range [first, last] covered by wall times [t0, t1] (for zooming on a time axis). */
export function stepsForTimes(series: SeriesData, t0: number, t1: number): [number, number] | null {
  let first: number | null = null;
  let last: number | null = null;
  for (let i = 0; i < series.wallTimes.length; i++) {
    const t = series.wallTimes[i];
    if (t < t0 || t > t1) continue;
    const s = series.steps[i];
    if (first === null || s < first) first = s;
    if (last === null || s > last) last = s;
  }
  return first === null || last === null ? null : [first, last];
}
