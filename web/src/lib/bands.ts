// Percentile bands of a tensor over time, derived from its histogram bins (as TensorBoard's
// "distributions": each band spans a symmetric pair of percentiles at normal-sigma spacing).

/** Percentiles at 0, ±1.5σ, ±1σ, ±0.5σ and the median, in percent. */
export const BAND_PERCENTILES: readonly number[] = [0, 6.68, 15.87, 30.85, 50, 69.15, 84.13, 93.32, 100];

/**
 * The value below which `q` (0..1) of the counted mass lies, interpolating linearly inside the
 * bin where the cumulative count crosses. Null when the histogram holds nothing.
 */
export function histogramQuantile(edges: readonly number[], counts: readonly number[], q: number): number | null {
  if (counts.length === 0 || edges.length < counts.length + 1) return null;
  let total = 0;
  for (const c of counts) total += Math.max(c, 0);
  if (total <= 0) return null;
  const target = Math.min(Math.max(q, 0), 1) * total;
  if (target <= 0) return edges[firstNonEmpty(counts)]!;
  let cum = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = Math.max(counts[i]!, 0);
    if (c > 0 && cum + c >= target) {
      const frac = (target - cum) / c;
      return edges[i]! + frac * (edges[i + 1]! - edges[i]!);
    }
    cum += c;
  }
  return edges[counts.length]!;
}

function firstNonEmpty(counts: readonly number[]): number {
  const i = counts.findIndex((c) => c > 0);
  return i < 0 ? 0 : i;
}

export interface BandPoint {
  step: number;
  percentiles: (number | null)[]; // one per BAND_PERCENTILES
}

export interface HistogramPoint {
  step: number;
  bin_edges: number[];
  bin_counts: number[];
}

/** Percentiles per step from each step's histogram. */
export function distributionBands(points: readonly HistogramPoint[], percentiles: readonly number[] = BAND_PERCENTILES): BandPoint[] {
  return points.map((p) => ({
    step: p.step,
    percentiles: percentiles.map((pct) => histogramQuantile(p.bin_edges, p.bin_counts, pct / 100)),
  }));
}

/** Bin densities (count / width), scaled so the largest is 1; zero-width bins count as spikes. */
export function normalizedDensity(edges: readonly number[], counts: readonly number[]): number[] {
  const dens = counts.map((c, i) => {
    const w = edges[i + 1]! - edges[i]!;
    return w > 0 ? c / w : c;
  });
  const peak = Math.max(0, ...dens);
  return peak > 0 ? dens.map((d) => d / peak) : dens.map(() => 0);
}
