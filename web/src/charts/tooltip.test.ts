import { describe, expect, it } from "vitest";
import type { PlotLine } from "../lib/plotData";
import { tooltipRows } from "./tooltip";

function line(runId: string, x: number[], raw: number[], smooth: number[] | null = null): PlotLine {
  return { runId, x: Float64Array.from(x), raw: Float64Array.from(raw), smooth: smooth && Float64Array.from(smooth) };
}

describe("tooltipRows", () => {
  const name = (id: string): string => `run ${id}`;

  it("lists each run's nearest point, highest first", () => {
    const rows = tooltipRows([line("a", [0, 10, 20], [1, 2, 3]), line("b", [0, 10, 20], [5, 6, 7])], 11, 0, name);
    expect(rows.map((r) => [r.runId, r.value, r.at])).toEqual([["b", 6, 10], ["a", 2, 10]]);
    expect(rows[0]!.name).toBe("run b");
  });

  it("leaves out runs with no data at the cursor", () => {
    const rows = tooltipRows([line("short", [0, 5], [1, 1]), line("long", [0, 50], [2, 2])], 30, 1, name);
    expect(rows.map((r) => r.runId)).toEqual(["long"]);
  });

  it("carries smoothed values and puts NaN rows first", () => {
    const rows = tooltipRows([line("ok", [0], [1], [0.5]), line("bad", [0], [NaN])], 0, 0, name);
    expect(rows[0]!.runId).toBe("bad");
    expect(rows[1]!.smooth).toBe(0.5);
  });
});
