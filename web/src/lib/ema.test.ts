import { describe, expect, it } from "vitest";
import { smoothEma, typicalGap } from "./ema";

/** TensorBoard's debiased EMA, the reference for evenly spaced steps. */
function tensorboardEma(values: number[], weight: number): number[] {
  let last = 0;
  let count = 0;
  return values.map((v) => {
    last = last * weight + (1 - weight) * v;
    count++;
    return last / (1 - Math.pow(weight, count));
  });
}

describe("smoothEma", () => {
  it("equals TensorBoard's debiased EMA on evenly spaced steps", () => {
    const values = [1, 5, 2, 8, 3, 9, 4];
    const steps = values.map((_, i) => i * 10);
    const got = Array.from(smoothEma(steps, values, 0.6));
    const want = tensorboardEma(values, 0.6);
    got.forEach((g, i) => expect(g).toBeCloseTo(want[i], 12));
  });

  it("returns the raw values at weight 0 and starts at the first value", () => {
    expect(Array.from(smoothEma([0, 1, 2], [3, 4, 5], 0))).toEqual([3, 4, 5]);
    expect(smoothEma([0, 1, 2], [3, 4, 5], 0.9)[0]).toBe(3);
  });

  it("keeps a constant series constant", () => {
    const out = smoothEma([0, 1, 5, 6, 100], [2, 2, 2, 2, 2], 0.95);
    for (const v of out) expect(v).toBeCloseTo(2, 12);
  });

  it("skips NaN and infinities without poisoning later points", () => {
    const out = smoothEma([0, 1, 2, 3], [1, NaN, Infinity, 1], 0.5);
    expect(out[0]).toBe(1);
    expect(Number.isNaN(out[1])).toBe(true);
    expect(Number.isNaN(out[2])).toBe(true);
    expect(out[3]).toBeCloseTo(1, 12);
  });

  it("decays by step distance, not by point count, on uneven steps", () => {
    // Steps 0,1,2 then a jump of 100: the old points should barely count at step 102.
    const out = smoothEma([0, 1, 2, 102], [10, 10, 10, 0], 0.9);
    expect(out[3]).toBeLessThan(0.01);
    // Evenly spaced, the same four values keep most of the history.
    const even = smoothEma([0, 1, 2, 3], [10, 10, 10, 0], 0.9);
    expect(even[3]).toBeGreaterThan(5);
  });

  it("handles an empty series and a single point", () => {
    expect(smoothEma([], [], 0.5).length).toBe(0);
    expect(Array.from(smoothEma([7], [3], 0.5))).toEqual([3]);
  });
});

describe("typicalGap", () => {
  it("is the median positive gap between finite points", () => {
    expect(typicalGap([0, 2, 4, 10], [1, 1, 1, 1])).toBe(2);
    expect(typicalGap([0, 1, 5], [1, NaN, 1])).toBe(5);
    expect(typicalGap([3], [1])).toBe(1);
  });
});
