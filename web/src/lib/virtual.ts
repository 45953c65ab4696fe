// Windowing for long lists of fixed-height rows: only rows near the viewport are rendered.

export interface Window {
  first: number; // first row index to render
  last: number; // one past the last
  offset: number; // pixel offset of `first` (sum of heights above it)
}

/**
 * Rows to render for a scroll position, given each row's height (prefix sums precomputed by
 * `offsets`), with `overscan` pixels of margin above and below.
 */
export function visibleWindow(offsets: readonly number[], scrollTop: number, viewport: number, overscan = 400): Window {
  const n = offsets.length - 1;
  if (n <= 0) return { first: 0, last: 0, offset: 0 };
  const top = Math.max(0, scrollTop - overscan);
  const bottom = scrollTop + viewport + overscan;
  let first = upper(offsets, top) - 1;
  first = Math.min(Math.max(first, 0), n - 1);
  let last = first;
  while (last < n && offsets[last]! < bottom) last++;
  return { first, last: Math.max(last, first + 1), offset: offsets[first]! };
}

/** Prefix sums: offsets[i] is the top of row i; offsets[n] the total height. */
export function offsets(heights: readonly number[]): number[] {
  const out = new Array<number>(heights.length + 1);
  out[0] = 0;
  for (let i = 0; i < heights.length; i++) out[i + 1] = out[i]! + heights[i]!;
  return out;
}

function upper(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
