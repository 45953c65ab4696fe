import { describe, expect, it } from "vitest";
import { alignSeries, positiveOnly } from "./align";

describe("alignSeries", () => {
  it("unions x and leaves gaps where a series has no point", () => {
    const out = alignSeries([
      { x: [0, 2, 4], y: [1, 2, 3] },
      { x: [1, 2, 5], y: [10, 20, 30] },
    ]);
    expect(Array.from(out.x)).toEqual([0, 1, 2, 4, 5]);
    expect(out.ys[0]).toEqual([1, null, 2, 3, null]);
    expect(out.ys[1]).toEqual([null, 10, 20, null, 30]);
  });

  it("turns non-finite values into gaps and keeps the last of repeated x", () => {
    const out = alignSeries([{ x: [0, 1, 1, 2], y: [NaN, 1, 2, Infinity] }]);
    expect(Array.from(out.x)).toEqual([0, 1, 2]);
    expect(out.ys[0]).toEqual([null, 2, null]);
  });

  it("handles no series and empty series", () => {
    expect(alignSeries([]).x.length).toBe(0);
    expect(alignSeries([{ x: [], y: [] }]).ys).toEqual([[]]);
  });

  it("aligns 100 runs of 2,000 points quickly", () => {
    const series = Array.from({ length: 100 }, (_, r) => {
      const x = Float64Array.from({ length: 2000 }, (_, i) => i * 50 + (r % 7));
      return { x, y: x.map((v) => Math.sin(v)) };
    });
    const t0 = performance.now();
    const out = alignSeries(series);
    expect(out.x.length).toBe(14000);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe("positiveOnly", () => {
  it("drops non-positive values for log scales", () => {
    expect(positiveOnly([1, 0, -1, null, 2])).toEqual([1, null, null, null, 2]);
  });
});
