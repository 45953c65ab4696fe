// Exponential moving average for display smoothing, aware of uneven step spacing.

/**
 * Debiased EMA of `values` over `steps` (TensorBoard's smoothing when steps are evenly spaced).
 *
 * The decay between two points is `weight ** (gap / typicalGap)`, so a downsampled series (whose
 * points sit unevenly) smooths like the full one instead of over-weighting dense regions.
 * Non-finite values are skipped (they neither poison nor reset the average) and come out as NaN,
 * so the chart can mark them.
 *
 * @param weight 0 (no smoothing) to <1 (heavy smoothing).
 */
export function smoothEma(steps: ArrayLike<number>, values: ArrayLike<number>, weight: number): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  const w = Math.min(Math.max(weight, 0), 0.9999);
  if (w === 0) {
    for (let i = 0; i < n; i++) out[i] = Number.isFinite(values[i]) ? values[i] : Number.NaN;
    return out;
  }
  const gap = typicalGap(steps, values);
  let num = 0;
  let den = 0;
  let prev: number | null = null;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = Number.NaN;
      continue;
    }
    const decay = prev === null ? 0 : Math.pow(w, Math.max(steps[i] - prev, 0) / gap);
    num = num * decay + v;
    den = den * decay + 1;
    out[i] = num / den;
    prev = steps[i];
  }
  return out;
}

/** Median spacing between consecutive finite points (1 when there is none to measure). */
export function typicalGap(steps: ArrayLike<number>, values: ArrayLike<number>): number {
  const gaps: number[] = [];
  let prev: number | null = null;
  for (let i = 0; i < steps.length; i++) {
    if (!Number.isFinite(values[i])) continue;
    if (prev !== null && steps[i] > prev) gaps.push(steps[i] - prev);
    prev = steps[i];
  }
  if (gaps.length === 0) return 1;
  gaps.sort((a, b) => a - b);
  return gaps[Math.floor(gaps.length / 2)];
}
