import { describe, expect, it } from "vitest";
import { buildPlotData, pointsPerRun, stepRangeForX, xValues } from "./plotData";
import type { SeriesData } from "./series";

function series(runId: string, steps: number[], values: number[], wall?: number[]): SeriesData {
  return {
    runId,
    name: "loss",
    steps: Float64Array.from(steps),
    values: Float64Array.from(values),
    wallTimes: Float64Array.from(wall ?? steps.map((s) => 1000 + s)),
    downsampled: false,
    total: steps.length,
  };
}

const base = { xAxis: "step" as const, smooth: 0, logY: false, runStart: () => undefined };

describe("buildPlotData", () => {
  it("overlays runs on the union of their steps", () => {
    const data = buildPlotData([series("a", [0, 2], [1, 2]), series("b", [1, 2], [3, 4])], base);
    expect(Array.from(data.x)).toEqual([0, 1, 2]);
    expect(data.ys).toEqual([[1, null, 2], [null, 3, 4]]);
  });

  it("adds a smoothed line per run when smoothing", () => {
    const data = buildPlotData([series("a", [0, 1], [0, 10])], { ...base, smooth: 0.5 });
    expect(data.ys).toHaveLength(2);
    expect(data.ys[1]![1]).toBeGreaterThan(0);
    expect(data.ys[1]![1]).toBeLessThan(10);
  });

  it("shows relative time from the run start and drops non-positive values on log axes", () => {
    const s = series("a", [0, 1, 2], [0, 1, 2], [105, 106, 107]);
    expect(Array.from(xValues(s, { xAxis: "relative", runStart: () => 100 }))).toEqual([5, 6, 7]);
    const data = buildPlotData([s], { ...base, logY: true });
    expect(data.ys[0]).toEqual([null, 1, 2]);
  });

  it("sorts a wall-time axis whose clock went backwards", () => {
    const data = buildPlotData([series("a", [0, 1, 2], [5, 6, 7], [10, 30, 20])], { ...base, xAxis: "wall" });
    expect(Array.from(data.x)).toEqual([10, 20, 30]);
    expect(data.ys[0]).toEqual([5, 7, 6]);
  });
});

describe("stepRangeForX", () => {
  const lines = [{ x: Float64Array.from([0, 10, 20, 30]), steps: Float64Array.from([0, 10, 20, 30]) }];
  it("widens to the held points around the selection", () => {
    expect(stepRangeForX(lines, 12, 18)).toEqual([10, 20]);
    expect(stepRangeForX(lines, -5, 100)).toEqual([0, 30]);
  });
  it("maps a time selection to steps and unions runs", () => {
    const timed = [
      { x: Float64Array.from([100, 110, 120]), steps: Float64Array.from([0, 5, 10]) },
      { x: Float64Array.from([100, 105, 130]), steps: Float64Array.from([0, 50, 100]) },
    ];
    expect(stepRangeForX(timed, 104, 111)).toEqual([0, 100]);
    expect(stepRangeForX([], 0, 1)).toBeNull();
  });
});

describe("pointsPerRun", () => {
  it("keeps the total bounded as runs are added", () => {
    expect(pointsPerRun(1)).toBe(2000);
    expect(pointsPerRun(10)).toBe(2000);
    expect(pointsPerRun(40)).toBe(500);
    expect(pointsPerRun(100)).toBe(300);
  });
});
