import { describe, expect, it } from "vitest";
import type { ScalarSeriesResponse } from "../api/types";
import { floorIndex, fromResponse, lastStep, lowerBound, mergeTail, nearestIndex, stepsForTimes } from "./series";

function response(steps: number[], values: (number | null)[], extra: Partial<ScalarSeriesResponse> = {}): ScalarSeriesResponse {
  return {
    run_id: "r1",
    name: "train/loss",
    downsampled: false,
    total: steps.length,
    steps,
    values,
    wall_times: steps.map((s) => 1000 + s),
    nonfinite: { nan: [], inf: [], "-inf": [] },
    ...extra,
  };
}

describe("fromResponse", () => {
  it("decodes values and keeps steps and wall times", () => {
    const s = fromResponse(response([0, 1, 2], [1, null, 3], { nonfinite: { nan: [1], inf: [], "-inf": [] } }));
    expect(Array.from(s.steps)).toEqual([0, 1, 2]);
    expect(Number.isNaN(s.values[1])).toBe(true);
    expect(Array.from(s.wallTimes)).toEqual([1000, 1001, 1002]);
    expect(lastStep(s)).toBe(2);
  });
});

describe("mergeTail", () => {
  it("appends new points after the last held step", () => {
    const held = fromResponse(response([0, 1, 2], [5, 4, 3]));
    const merged = mergeTail(held, fromResponse(response([3, 4], [2, 1])), 3);
    expect(Array.from(merged.steps)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(merged.values)).toEqual([5, 4, 3, 2, 1]);
    expect(merged.total).toBe(5);
  });

  it("replaces held points at or after start instead of doubling them", () => {
    const held = fromResponse(response([0, 1, 2, 3], [5, 4, 3, 2]));
    const merged = mergeTail(held, fromResponse(response([2, 3, 4], [30, 20, 10])), 2);
    expect(Array.from(merged.steps)).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(merged.values)).toEqual([5, 4, 30, 20, 10]);
  });

  it("keeps NaN points of both parts", () => {
    const held = fromResponse(response([0, 1], [null, 1], { nonfinite: { nan: [0], inf: [], "-inf": [] } }));
    const merged = mergeTail(held, fromResponse(response([2], [null], { nonfinite: { nan: [], inf: [0], "-inf": [] } })), 2);
    expect(Number.isNaN(merged.values[0])).toBe(true);
    expect(merged.values[2]).toBe(Infinity);
  });

  it("handles an empty held series and an empty increment", () => {
    const empty = fromResponse(response([], []));
    expect(Array.from(mergeTail(empty, fromResponse(response([0], [1])), 0).steps)).toEqual([0]);
    const held = fromResponse(response([0, 1], [1, 2]));
    expect(Array.from(mergeTail(held, empty, 2).steps)).toEqual([0, 1]);
  });

  it("scales the server total of a downsampled history", () => {
    const held = fromResponse(response([0, 500, 999], [1, 2, 3], { downsampled: true, total: 1000 }));
    const merged = mergeTail(held, fromResponse(response([1000, 1001], [4, 5])), 1000);
    expect(merged.total).toBe(1002);
    expect(merged.downsampled).toBe(true);
  });
});

describe("search helpers", () => {
  const xs = [1, 3, 3, 7];
  it("lowerBound finds the first index >= x", () => {
    expect(lowerBound(xs, 0)).toBe(0);
    expect(lowerBound(xs, 3)).toBe(1);
    expect(lowerBound(xs, 8)).toBe(4);
  });
  it("floorIndex finds the last index <= x", () => {
    expect(floorIndex(xs, 0)).toBe(-1);
    expect(floorIndex(xs, 3)).toBe(2);
    expect(floorIndex(xs, 100)).toBe(3);
  });
  it("nearestIndex picks the closest value", () => {
    expect(nearestIndex(xs, 4)).toBe(2);
    expect(nearestIndex(xs, 6)).toBe(3);
    expect(nearestIndex([], 6)).toBe(-1);
  });
  it("stepsForTimes maps a wall-time window to steps", () => {
    const s = fromResponse(response([0, 10, 20, 30], [1, 2, 3, 4]));
    expect(stepsForTimes(s, 1005, 1025)).toEqual([10, 20]);
    expect(stepsForTimes(s, 0, 10)).toBeNull();
  });
});
