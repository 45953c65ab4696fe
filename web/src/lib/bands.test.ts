import { describe, expect, it } from "vitest";
import { BAND_PERCENTILES, distributionBands, histogramQuantile, normalizedDensity } from "./bands";

describe("histogramQuantile", () => {
  const edges = [0, 1, 2, 3, 4];
  const counts = [10, 10, 10, 10]; // uniform on [0, 4]

  it("interpolates inside bins of a uniform histogram", () => {
    expect(histogramQuantile(edges, counts, 0)).toBe(0);
    expect(histogramQuantile(edges, counts, 0.5)).toBeCloseTo(2, 12);
    expect(histogramQuantile(edges, counts, 0.125)).toBeCloseTo(0.5, 12);
    expect(histogramQuantile(edges, counts, 1)).toBeCloseTo(4, 12);
  });

  it("skips empty bins at both ends", () => {
    const e = [-2, -1, 0, 1, 2];
    const c = [0, 5, 5, 0];
    expect(histogramQuantile(e, c, 0)).toBe(-1);
    expect(histogramQuantile(e, c, 1)).toBe(1);
    expect(histogramQuantile(e, c, 0.5)).toBeCloseTo(0, 12);
  });

  it("returns null for an empty or malformed histogram", () => {
    expect(histogramQuantile([0, 1], [0], 0.5)).toBeNull();
    expect(histogramQuantile([], [], 0.5)).toBeNull();
    expect(histogramQuantile([0, 1], [1, 2], 0.5)).toBeNull();
  });

  it("is monotone in q", () => {
    const e = [0, 0.5, 3, 3.1, 10];
    const c = [4, 1, 20, 3];
    let prev = -Infinity;
    for (let q = 0; q <= 1.0001; q += 0.05) {
      const v = histogramQuantile(e, c, q)!;
      expect(v).toBeGreaterThanOrEqual(prev);
      prev = v;
    }
  });
});

describe("distributionBands", () => {
  it("gives one value per percentile per step, ordered", () => {
    const bands = distributionBands([
      { step: 0, bin_edges: [0, 1, 2], bin_counts: [1, 1] },
      { step: 5, bin_edges: [0, 1, 2], bin_counts: [0, 0] },
    ]);
    expect(bands).toHaveLength(2);
    expect(bands[0]!.percentiles).toHaveLength(BAND_PERCENTILES.length);
    expect(bands[0]!.percentiles[4]).toBeCloseTo(1, 12);
    const ps = bands[0]!.percentiles as number[];
    expect([...ps].sort((a, b) => a - b)).toEqual(ps);
    expect(bands[1]!.percentiles.every((p) => p === null)).toBe(true);
  });
});

describe("normalizedDensity", () => {
  it("divides by bin width and scales the peak to 1", () => {
    expect(normalizedDensity([0, 1, 3], [2, 2])).toEqual([1, 0.5]);
    expect(normalizedDensity([0, 1], [0])).toEqual([0]);
  });
});
