import { describe, expect, it } from "vitest";
import { histogramLayout, niceTicks, stepAtY } from "./histogram";

describe("niceTicks", () => {
  it("picks 1-2-5 steps covering the range", () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-0.13, 0.12, 4)).toEqual([-0.1, 0, 0.1]);
    expect(niceTicks(3, 3, 4)).toEqual([3]);
  });
});

describe("histogramLayout", () => {
  const steps = [
    { step: 0, edges: [-1, 0, 1], counts: [1, 1] },
    { step: 10, edges: [-2, 0, 3], counts: [1, 1] },
  ];
  it("spans every step's edges", () => {
    const L = histogramLayout(steps, 400, 300, "overlay");
    expect([L.x0, L.x1]).toEqual([-2, 3]);
    expect(L.rowGap).toBe(0);
  });
  it("offsets ridgeline rows and maps y back to a step", () => {
    const L = histogramLayout(steps, 400, 300, "ridgeline");
    expect(L.rowGap).toBeGreaterThan(0);
    expect(stepAtY(L, L.top + L.peak, 2)).toBe(0);
    expect(stepAtY(L, L.top + L.peak + L.rowGap, 2)).toBe(1);
    expect(stepAtY(L, 0, 2)).toBeNull();
  });
});
